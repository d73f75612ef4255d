"""A breach the victim reports is a breach, end to end on the real Kafka and OPA: reported to the
police (a melding with `overtreden_maatregel`) or to victim support (a `melding_overtreding`), it
raises the same on-call alerts, for the same organisations at the same priorities, as an ankle-tag
alarm of the same severity. In the Hümeyra case her reports never reached probation.

Each signal is built as its adapter builds it (the organisation's own sample, read and mapped by
its adapter, the signal id from (org, record id, part)) and sent as its Kafka record
(adapters/publish.py), logged in as the organisation; a namespace of the run's own keeps the ids
new to a stack that ran this before."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID, uuid4

from adapters.exports import Mapped
from adapters.ingest import signal_id
from adapters.publish import send, signal_record
from adapters.registry import adapter
from gateway.kafka import make_producer
from gateway.schemas import BreachOfConditions
from gateway.schemas.breach_of_conditions import DetectedBy
from oncall.lifecycle import Alert
from oncall.service import OnCallService
from tests.integration.oncall_harness import Alerting, eventually

ROOT = Path(__file__).parents[2]

# (organisation, sample export, record id) of each breach, as its adapter reads it.
ANKLE_TAG = ("3ro", "enkelbandalarm.csv", "RN-2026-003310/EM-26-120301")
TO_THE_POLICE = ("police", "melding-overtreding.json", "PL1700-26003340")
TO_VICTIM_SUPPORT = ("slachtofferhulp", "melding-overtreding.json", "SHN-2026-004211/5")

# Severity high: every partner at p1, and the sender too where it is on the list (alerts.json).
EVERY_PARTNER_AT_P1 = {"police": "p1", "om": "p1", "3ro": "p1", "veiligthuis": "p1"}


def mapped_breach(org: str, sample: str, record_id: str) -> Mapped:
    """The breach_of_conditions the organisation's adapter makes of that record of its sample."""
    records = adapter(org).read((ROOT / "adapters" / org / "samples" / sample).read_bytes())
    [record] = [record for record in records if record.record_id == record_id]
    [breach] = [m for m in adapter(org).to_signals(record.native) if m.signal.name == "breach_of_conditions"]
    return breach


async def send_as_adapter(
    alerting: Alerting, org: str, mapped: Mapped, record_id: str, namespace: UUID
) -> UUID:
    key = alerting.settings.pseudonym_key.get_secret_value().encode()
    record, envelope = signal_record(
        org, mapped.signal, signal_id=signal_id(org, record_id, mapped.part, namespace), pseudonym_key=key
    )
    producer = make_producer(alerting.stack.kafka(org), client_id=f"test-{org}-adapter")
    await producer.start()
    try:
        await send(producer, record)
    finally:
        await producer.stop()
    return envelope.id


async def alerts_of(service: OnCallService, sent: UUID, count: int) -> dict[str, Alert]:
    """The alerts raised for a signal, by organisation, once `count` of them are delivered."""

    def find() -> dict[str, Alert] | None:
        found = {a.org: a for a in service.book.alerts.values() if a.signal_id == sent}
        return found if len(found) >= count and all(a.delivered for a in found.values()) else None

    return await eventually(find, 30.0, f"{count} delivered alerts of signal {sent}")


async def test_a_breach_the_victim_reports_alerts_as_an_ankle_tag_alarm_does(alerting: Alerting) -> None:
    namespace = uuid4()
    breaches = {
        case[0]: (mapped_breach(*case), case[2]) for case in (ANKLE_TAG, TO_THE_POLICE, TO_VICTIM_SUPPORT)
    }
    detected = {
        org: m.signal.detected_by
        for org, (m, _) in breaches.items()
        if isinstance(m.signal, BreachOfConditions)
    }
    assert detected == {
        "3ro": DetectedBy.ANKLE_TAG,
        "police": DetectedBy.VICTIM_REPORT,
        "slachtofferhulp": DetectedBy.VICTIM_REPORT,
    }
    async with alerting.running(alerting.config(p1_s=120)) as (service, _):
        sent = {
            org: await send_as_adapter(alerting, org, mapped, record_id, namespace)
            for org, (mapped, record_id) in breaches.items()
        }
        raised = {
            org: await alerts_of(service, signal, len(EVERY_PARTNER_AT_P1)) for org, signal in sent.items()
        }

    priorities = {org: {o: a.priority for o, a in alerts.items()} for org, alerts in raised.items()}
    # The ankle tag's alarm: every partner, probation (the sender) included, at p1.
    assert priorities["3ro"] == EVERY_PARTNER_AT_P1
    # The victim's report, to the police or to victim support: the same organisations, the same priority.
    assert priorities["police"] == priorities["3ro"]
    assert priorities["slachtofferhulp"] == priorities["3ro"]
    for org, alerts in raised.items():
        assert "slachtofferhulp" not in alerts
        for alerted, alert in alerts.items():
            assert alert.signal_type == "breach_of_conditions" and alert.sender == org
            assert alert.content, f"{org}'s breach: {alerted} alerted without content"
            assert alert.reason == raised["3ro"][alerted].reason
    # The prosecutor sees the same facts and the account, whoever reported the breach.
    facts = {
        "measure",
        "breach_time",
        "detected_by",
        "severity",
        "description",
        "contact",
        "suspect",
        "victim",
    }
    for org in ("3ro", "police", "slachtofferhulp"):
        assert facts <= set(raised[org]["om"].content), org
    assert {raised[org]["om"].content["detected_by"] for org in ("police", "slachtofferhulp")} == {
        "victim_report"
    }
