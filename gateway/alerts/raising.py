"""The gateway raises on-call alerts: for each organisation the alert policy names, one `raised`
event on `alerts.oncall`, written in the same transaction as the signal's deliveries. The on-call
service (oncall/service.py) takes it from there.

An alert carries what the sharing policy grants its organisation of the signal, as that
organisation's inbox copy does; the sender's own on-call staff get the sender's own signal. The
alert id is fixed by (signal, organisation), so a signal routed twice raises one alert.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

import orjson

from gateway.alerts.rules import ALERTS as ALERT_RULE
from gateway.alerts.rules import AlertDecision
from gateway.consequences import Decided, Effects
from gateway.decision_cache import DecisionCache
from gateway.decisions import Decision
from gateway.kafka import Record
from gateway.pipeline import Accepted, content_for
from gateway.schemas.alert import AlertEvent
from gateway.topics import ALERTS


class RaiseAlerts:
    """The step: ask the alert policy (cached like every policy answer) which organisations' on-call
    staff the signal alerts, and raise one alert for each."""

    def __init__(self, decisions: DecisionCache) -> None:
        self.decisions = decisions

    async def __call__(self, decided: Decided) -> Effects:
        _, alerts = await self.decisions.ask(ALERT_RULE, decided.asked)
        return Effects(raised(decided.signal, alerts, decided.decisions, decided.now))


def alert_id_of(signal_id: UUID, org: str) -> UUID:
    """The id of the alert a signal raises for `org`: the same however often it is routed."""
    return uuid5(signal_id, f"alert:{org}")


def raised(
    signal: Accepted, alerts: dict[str, AlertDecision], decisions: dict[str, Decision], now: datetime
) -> list[Record]:
    """One `raised` event per organisation to alert, keyed by its alert id."""
    out = []
    for org, alert in sorted(alerts.items()):
        content = content_for(signal, org, decisions)
        if content is None:  # the policy alerts only partners it grants content; never alert blind
            continue
        event = AlertEvent(
            event_id=uuid5(signal.envelope.id, f"raised:{org}"),
            alert_id=alert_id_of(signal.envelope.id, org),
            kind="raised",
            at=now,
            org=org,
            priority=alert.priority,
            signal_id=signal.envelope.id,
            tier="primary",
            signal_type=signal.envelope.signal,
            sender=signal.envelope.org,
            reason=alert.reason,
            content=content,
        )
        value = orjson.dumps(event.model_dump(mode="json"))
        out.append(Record(ALERTS, str(event.alert_id).encode(), value, []))
    return out
