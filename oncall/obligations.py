"""The chain obligations' clock, on the on-call side (docs/obligations.md): the gateway opens an
obligation and records it met; this says what is due at a moment: a reminder before the due time,
and at the due time the obligation lapsed. Pure: no Kafka, no clock of its own; the on-call service
(oncall/service.py) writes what this builds, and keeps the fold current.

A reminder is an alert of priority p3 (below every breach alert) to each organisation the
obligation reminds; a lapse is an alert of priority p2 to the owner and each organisation to tell.
Each alert carries what that organisation may see of the signal that opened the obligation (kept on
`chain.obligations.content`), and escalates like any alert while nobody acknowledges it. Ids are
fixed by (obligation, moment, organisation), so whatever is written twice is applied once.
"""

from __future__ import annotations

import contextlib
import heapq
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from gateway.logging import get_logger
from gateway.obligation_state import Obligation, Obligations
from gateway.schemas.alert import AlertEvent, Priority
from gateway.schemas.obligation import ObligationContent, ObligationEvent

log = get_logger("oncall.obligations")
LOCAL = ZoneInfo("Europe/Amsterdam")
Moment = Literal["reminded", "lapsed"]
PRIORITY: dict[Moment, Priority] = {"reminded": "p3", "lapsed": "p2"}


@dataclass
class ObligationClock:
    """The open obligations (the fold of `chain.obligations`), what each organisation may see of
    them (`chain.obligations.content`), and their next moments in a heap, so that a tick costs what
    is due, not every open obligation."""

    book: Obligations = field(default_factory=lambda: Obligations(keep_closed=False))
    content: dict[UUID, ObligationContent] = field(default_factory=dict)
    _moments: list[tuple[datetime, UUID]] = field(default_factory=list)

    def apply(self, event: ObligationEvent) -> Obligation | None:
        obligation = self.book.apply(event)
        if obligation is not None and (moment := obligation.next_moment()) is not None:
            heapq.heappush(self._moments, (moment, obligation.obligation_id))
        return obligation

    def take_content(self, key: bytes | None, value: bytes | None) -> None:
        if key is None:
            return
        if value is None:
            with contextlib.suppress(ValueError):  # a key that is no obligation id holds nothing
                self.content.pop(UUID(key.decode()), None)
            return
        try:
            seen = ObligationContent.model_validate_json(value)
        except ValidationError as error:  # passed over, as an unreadable obligation event is
            log.error("obligation_content_unreadable", error=str(error)[:300])
            return
        self.content[seen.obligation_id] = seen

    def _current(self, moment: datetime, obligation_id: UUID) -> Obligation | None:
        """The obligation, if this is still its next moment (an entry goes stale once it moves on)."""
        obligation = self.book.by_id.get(obligation_id)
        return obligation if obligation is not None and obligation.next_moment() == moment else None

    def due(self, now: datetime, at_most: int | None = None) -> list[tuple[Obligation, Moment]]:
        """What is due at `now`, the earliest first (`at_most` of them): a reminder, or the lapse.
        An obligation found past its due time (the service was down) lapses at once, without a
        reminder that no longer helps. What is due stays due until its event is applied."""
        found: dict[UUID, tuple[datetime, Obligation]] = {}
        while self._moments and self._moments[0][0] <= now and (at_most is None or len(found) < at_most):
            moment, obligation_id = heapq.heappop(self._moments)
            if (obligation := self._current(moment, obligation_id)) is not None:
                found[obligation_id] = (moment, obligation)
        for obligation_id, (moment, _) in found.items():
            heapq.heappush(self._moments, (moment, obligation_id))
        return [
            (obligation, "lapsed" if obligation.first.due_at <= now else "reminded")
            for _, obligation in found.values()
        ]

    def next_moment(self) -> datetime | None:
        while self._moments and self._current(*self._moments[0]) is None:
            heapq.heappop(self._moments)
        return self._moments[0][0] if self._moments else None

    def events(
        self, obligation: Obligation, moment: Moment, now: datetime
    ) -> list[AlertEvent | ObligationEvent]:
        """The obligation's event and one alert per organisation it alerts, to write together."""
        first = obligation.first
        orgs = first.remind if moment == "reminded" else sorted({first.owner, *first.tell_on_lapse})
        alerts = [self._alert(obligation, moment, org, now) for org in orgs]
        change = first.model_copy(
            update={"event_id": uuid5(first.obligation_id, moment), "event": moment, "at": now, "told": orgs}
        )
        return [change, *alerts]

    def _alert(self, obligation: Obligation, moment: Moment, org: str, now: datetime) -> AlertEvent:
        first, seen = obligation.first, self.content.get(obligation.obligation_id)
        return AlertEvent(
            event_id=uuid5(first.obligation_id, f"raised:{moment}:{org}"),
            alert_id=alert_id_of(first.obligation_id, moment, org),
            kind="raised",
            at=now,
            org=org,
            priority=PRIORITY[moment],
            signal_id=first.opened_by,
            tier="primary",
            signal_type=seen.signal_type if seen else "",
            sender=seen.sender if seen else "",
            reason=reason(first, moment),
            content=seen.content.get(org, {}) if seen else {},
            obligation_id=first.obligation_id,
        )

    def escalated(self, alert: AlertEvent, obligation_id: UUID) -> ObligationEvent | None:
        """The obligation's `escalated` event for an escalation of one of its alerts."""
        obligation = self.book.by_id.get(obligation_id)
        if obligation is None:
            return None
        update: dict[str, Any] = {
            "event_id": uuid5(alert.event_id, "obligation"), "event": "escalated", "at": alert.at,
            "told": [alert.org],
        }  # fmt: skip
        return obligation.first.model_copy(update=update)


def alert_id_of(obligation_id: UUID, moment: Moment, org: str) -> UUID:
    return uuid5(obligation_id, f"alert:{moment}:{org}")


def reason(first: ObligationEvent, moment: Moment) -> str:
    """What the alert says, without content: which obligation, whose, due when."""
    due = first.due_at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
    what = first.kind.replace("_", " ")
    if moment == "reminded":
        return f"Reminder: {what} by {first.owner} is due {due} (Amsterdam time)"
    return f"Lapsed: {what} by {first.owner} was due {due} (Amsterdam time) and is not done"
