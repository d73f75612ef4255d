"""A breach the victim reports is a breach, end to end on the real Kafka and OPA: reported to the
police (a melding with `overtreden_maatregel`) or to victim support (a `melding_overtreding`), it
raises the same on-call alerts, for the same organisations at the same priorities, as an ankle-tag
alarm of the same severity. In the Hümeyra case her reports never reached probation.

Each signal is built as its adapter builds it (the organisation's own sample, read and mapped by
its adapter, the signal id from (org, record id, part)) and sent as its Kafka record
(adapters/publish.py), logged in as the organisation; a namespace of the run's own keeps the ids
new to a stack that ran this before."""

from __future__ import annotations

from uuid import uuid4

from gateway.schemas import BreachOfConditions
from gateway.schemas.breach_of_conditions import DetectedBy
from tests.integration.adapter_records import mapped_breach, send_as_adapter
from tests.integration.oncall_harness import Alerting, alerts_of

# (organisation, sample export, record id) of each breach, as its adapter reads it.
ANKLE_TAG = ("3ro", "enkelbandalarm.csv", "RN-2026-003310/EM-26-120301")
TO_THE_POLICE = ("police", "melding-overtreding.json", "PL1700-26003340")
TO_VICTIM_SUPPORT = ("slachtofferhulp", "melding-overtreding.json", "SHN-2026-004211/5")

# Severity high: every partner at p1, and the sender too where it is on the list (alerts.json).
EVERY_PARTNER_AT_P1 = {"police": "p1", "om": "p1", "3ro": "p1", "veiligthuis": "p1"}


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
