"""A fictional night on the police's on-call console, for looking at the console: five open alerts (a
breach escalated because the primary did not respond, a release at risk hoog, a risk rising to hoog,
an acknowledged breach, a reminder of a chain obligation), one closed alert in the history, and two
obligations in the due list. Everyone in it is fictional. Applied straight into an on-call service's
books: no Kafka, no gateway.

Beside it, what the case timeline holds of the police's about the suspect (`timeline`): the weeks
before the night as the topics would hold them, each signal built as an adapter builds it and routed
by the gateway's own pure steps (validate, identify, emit), the night's alerts as the gateway raised
them, and the obligation that lapsed; for a stand-in gateway's read model (test_console_screens.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

import orjson

from gateway.decisions import Decision, Level
from gateway.kafka import Record
from gateway.pipeline import Accepted, Rejected, emit, identify, validate
from gateway.pseudonyms import pseudonym_of_bsn
from gateway.schemas import Signal, new_envelope
from gateway.schemas.alert import AlertEvent
from gateway.schemas.obligation import ObligationContent, ObligationEvent
from gateway.topics import ALERTS, OBLIGATIONS, signals_topic
from tools.contracts.examples import example

NS = UUID("6f1c5a52-9d0e-4a53-8f7e-2b6f3c1d4e5a")
ORG = "police"

SUSPECT = {
    "bsn": "111222333",
    "given_name": "Bram",
    "family_name": "Verhoef",
    "birth_date": "1984-03-02",
    "address": {"street": "Kanaalweg", "house_number": "14B", "postal_code": "3526 KL", "city": "Utrecht"},
}
VICTIM = {
    "given_name": "Sanne",
    "family_name": "Vermeulen",
    "birth_date": "1988-11-23",
    "address": {"street": "Oudegracht", "house_number": "201", "postal_code": "3511 NK", "city": "Utrecht"},
}
CHILD = {"given_name": "Noor", "family_name": "Verhoef", "birth_date": "2016-06-30"}
SUPERVISOR = {
    "role": "toezichthouder",
    "name": "Jeroen Jansen",
    "phone": "+31 30 555 0142",
    "unit": "3RO Utrecht",
}
CASE_DIRECTOR = {"role": "casusregisseur", "name": "Fatma Yilmaz", "phone": "+31 30 555 0177"}

BREACH = {
    "suspect": SUSPECT,
    "victim": VICTIM,
    "children": [CHILD],
    "measure": "contact_ban",
    "breach_time": "2026-01-13T01:47:00+00:00",
    "place": "Utrecht, Oudegracht",
    "detected_by": "ankle_tag",
    "severity": "high",
    "description": "Enkelband meldt de verdachte binnen 50 meter van de woning van het slachtoffer.",
    "contact": SUPERVISOR,
}
RELEASE = {
    "suspect": SUSPECT,
    "victim": VICTIM,
    "kind": "release_after_arrest",
    "status": "planned",
    "release_time": "2026-01-13T09:00:00+00:00",
    "known_risk_level": "hoog",
    "conditions": [
        {"kind": "contact_ban", "description": "Geen contact met Sanne Vermeulen, direct of via anderen."},
        {"kind": "area_ban", "description": "Niet in de binnenstad van Utrecht.", "ends_on": "2026-07-13"},
    ],
    "contact": CASE_DIRECTOR,
}
RISK = {
    "suspect": {**SUSPECT, "given_name": "Kevin", "family_name": "de Wit", "bsn": None, "address": None},
    "victim": {**VICTIM, "given_name": "Fatima", "family_name": "El Amrani", "address": None},
    "risk_level": "hoog",
    "previous_risk_level": "midden",
    "instrument": "sash",
    "assessed_on": "2026-01-12",
    "victim_fears_for_life": True,
    "no_way_out_but_violence": False,
    "assessor": {
        "role": "casushouder",
        "name": "Ilse de Graaf",
        "phone": "+31 30 555 0190",
        "unit": "Veilig Thuis Utrecht",
    },
}
OLD_BREACH = {
    **BREACH,
    "suspect": {**SUSPECT, "given_name": "Dennis", "family_name": "Kramer", "bsn": None},
    "victim": {**VICTIM, "given_name": "Linda", "family_name": "Kramer"},
    "place": "Amersfoort",
    "severity": "medium",
    "detected_by": "victim_report",
    "children": [],
}

RULES = orjson.loads(
    (Path(__file__).parents[1] / "gateway/policies/ketenpoort/config/alerts.json").read_bytes()
)
# The alert policy's reason lines, as the gateway raises them, per signal type.
REASONS = {
    signal_type: RULES["alerts"][rule]["reason"]
    for signal_type, rule in (
        ("breach_of_conditions", "breach_of_conditions"),
        ("release_from_custody", "release_at_high_risk"),
        ("risk_assessment", "risk_rises_to_high"),
    )
}


def _id(name: str) -> UUID:
    return uuid5(NS, name)


def _alert(
    name: str,
    priority: str,
    signal_type: str,
    sender: str,
    content: dict[str, Any],
    at: datetime,
    reason: str | None = None,
    obligation: UUID | None = None,
) -> AlertEvent:
    return AlertEvent(
        event_id=_id(f"{name}:raised"),
        alert_id=_id(name),
        kind="raised",
        at=at,
        org=ORG,
        priority=priority,
        signal_id=_id(f"{name}:signal"),
        tier="primary",
        signal_type=signal_type,
        sender=sender,
        reason=reason or REASONS[signal_type],
        content=content,
        obligation_id=obligation,
    )


def _then(raised: AlertEvent, n: int, kind: str, at: datetime, **more: Any) -> AlertEvent:
    return AlertEvent(
        event_id=_id(f"{raised.alert_id}:{n}"),
        alert_id=raised.alert_id,
        kind=kind,
        at=at,
        org=ORG,
        priority=raised.priority,
        signal_id=raised.signal_id,
        **more,
    )


def obligations(now: datetime) -> tuple[list[ObligationEvent], list[ObligationContent]]:
    opened = now - timedelta(hours=20)
    screening = ObligationEvent(
        event_id=_id("screening:opened"),
        obligation_id=_id("screening"),
        event="opened",
        at=opened,
        kind="risk_screening",
        owner=ORG,
        subject="kp-1a2b3c4d5e6f",
        opened_by=_id("report"),
        opened_at=opened,
        due_at=opened + timedelta(hours=24),
        remind_at=opened + timedelta(hours=20),
        remind=[ORG],
        met_by=[{"type": "risk_assessment", "from": ORG}],
        tell_on_lapse=["veiligthuis"],
        source="Landelijk samenwerkingsprotocol, stap 2",
    )
    check_opened = now - timedelta(hours=30)
    check = ObligationEvent(
        event_id=_id("check:opened"),
        obligation_id=_id("check"),
        event="opened",
        at=check_opened,
        kind="safety_check_before_release",
        owner=ORG,
        subject="kp-9f8e7d6c5b4a",
        opened_by=_id("release:signal"),
        opened_at=check_opened,
        due_at=now - timedelta(hours=2),
        remind_at=now - timedelta(hours=6),
        remind=[ORG],
        met_by=[{"type": "safety_assessment", "from": "veiligthuis", "where": {"follow_up_months": None}}],
        tell_on_lapse=["om"],
        source="Werkwijze vrijlating bij hoog risico",
    )
    reminded = check.model_copy(
        update={
            "event_id": _id("check:reminded"),
            "event": "reminded",
            "at": now - timedelta(hours=6),
            "told": [ORG],
        }
    )
    lapsed = check.model_copy(
        update={
            "event_id": _id("check:lapsed"),
            "event": "lapsed",
            "at": now - timedelta(hours=2),
            "told": [ORG, "om"],
        }
    )
    contents = [
        ObligationContent(
            obligation_id=screening.obligation_id,
            signal_type="new_report",
            sender=ORG,
            content={ORG: {"suspect": RISK["suspect"], "victim": RISK["victim"], "kind": "aangifte"}},
        ),
        ObligationContent(
            obligation_id=check.obligation_id,
            signal_type="release_from_custody",
            sender="om",
            content={ORG: RELEASE},
            owner_contact=CASE_DIRECTOR,
        ),
    ]
    return [screening, check, reminded, lapsed], contents


def alerts(now: datetime) -> list[AlertEvent]:
    """Every event of the night's alerts, in order."""
    events: list[AlertEvent] = []
    breach = _alert("breach", "p1", "breach_of_conditions", "3ro", BREACH, now - timedelta(minutes=7))
    events += [
        breach,
        _then(
            breach,
            1,
            "delivered",
            breach.at + timedelta(seconds=2),
            tier="primary",
            person="D. Bakker",
            channels=["console", "email"],
        ),
        _then(breach, 2, "escalated", breach.at + timedelta(minutes=5), tier="secondary", person="E. Mulder"),
        _then(
            breach,
            3,
            "delivered",
            breach.at + timedelta(minutes=5, seconds=2),
            tier="secondary",
            person="E. Mulder",
            channels=["console", "email"],
        ),
    ]
    release = _alert("release", "p1", "release_from_custody", "om", RELEASE, now - timedelta(minutes=2))
    events += [
        release,
        _then(
            release,
            1,
            "delivered",
            release.at + timedelta(seconds=1),
            tier="primary",
            person="D. Bakker",
            channels=["console", "email"],
        ),
    ]
    risk = _alert("risk", "p1", "risk_assessment", "veiligthuis", RISK, now - timedelta(minutes=1))
    events += [
        risk,
        _then(
            risk,
            1,
            "delivered",
            risk.at + timedelta(seconds=1),
            tier="primary",
            person="D. Bakker",
            channels=["console"],
        ),
    ]
    taken = _alert("taken", "p1", "breach_of_conditions", "police", OLD_BREACH, now - timedelta(minutes=25))
    events += [
        taken,
        _then(
            taken,
            1,
            "delivered",
            taken.at + timedelta(seconds=1),
            tier="primary",
            person="D. Bakker",
            channels=["console"],
        ),
        _then(
            taken,
            2,
            "acknowledged",
            taken.at + timedelta(minutes=3),
            tier="primary",
            person="D. Bakker",
            by="police duty desk",
        ),
    ]
    reminder = _alert(
        "reminder",
        "p3",
        "new_report",
        "police",
        {"suspect": RISK["suspect"], "victim": RISK["victim"], "kind": "aangifte"},
        now - timedelta(minutes=40),
        reason="Reminder: risk screening by police is due 2026-01-13 22:14 (Amsterdam time)",
        obligation=_id("screening"),
    )
    events += [
        reminder,
        _then(
            reminder,
            1,
            "delivered",
            reminder.at + timedelta(seconds=1),
            tier="primary",
            person="D. Bakker",
            channels=["console"],
        ),
    ]
    done = _alert(
        "done",
        "p2",
        "breach_of_conditions",
        "3ro",
        {**OLD_BREACH, "severity": "low"},
        now - timedelta(hours=3),
    )
    events += [
        done,
        _then(
            done,
            1,
            "delivered",
            done.at + timedelta(seconds=1),
            tier="primary",
            person="D. Bakker",
            channels=["console"],
        ),
        _then(
            done,
            2,
            "acknowledged",
            done.at + timedelta(minutes=4),
            tier="primary",
            person="D. Bakker",
            by="police duty desk",
        ),
        _then(
            done,
            3,
            "closed",
            done.at + timedelta(minutes=50),
            tier="primary",
            person="D. Bakker",
            by="police duty desk",
            note="Eenheid langs geweest; verdachte niet aangetroffen, slachtoffer veilig.",
        ),
    ]
    return events


def apply(service: Any, now: datetime | None = None) -> None:
    """The night, applied to an on-call service's books (OnCallService.book and .obligations)."""
    now = now or datetime.now(UTC)
    for event in alerts(now):
        service.book.apply(event)
    opened, contents = obligations(now)
    for event in opened:
        service.obligations.apply(event)
    for content in contents:
        service.obligations.content[content.obligation_id] = content
    if hasattr(service, "_alerts_of"):
        service._alerts_of.setdefault(_id("screening"), set()).add(_id("reminder"))


# The case timeline of the night's suspect, as the police know him.

FULL = Decision(
    level=Level.FULL, legal_basis="wjsg-art-39f", purpose="victim-protection", urgency="immediate"
)
GRANTED = Decision(
    level=Level.FIELDS,
    fields=["suspect", "victim", "measure", "breach_time", "place", "detected_by", "severity", "contact"],
    legal_basis="reclassering-toezicht",
    purpose="victim-protection",
    urgency="immediate",
)  # what probation's policy grants the police of a breach, as far as the page is concerned


def _sent(org: str, signal: Signal, at: datetime, name: str, key: bytes) -> tuple[Record, Accepted]:
    """A signal as an adapter sends it (adapters/publish.py, at the time given), and as the gateway
    accepts it."""
    envelope = new_envelope(org=org, signal=signal.name, version=signal.version, id=_id(name), time=at)
    subject = signal.subject()
    record_key = pseudonym_of_bsn(subject.bsn, key).encode() if subject and subject.bsn else None
    record = Record(signals_topic(org), record_key, orjson.dumps(signal.model_dump(mode="json")),
                    envelope.to_headers())  # fmt: skip
    checked = validate(record)
    assert not isinstance(checked, Rejected), checked
    accepted = identify(*checked, key=key)
    assert isinstance(accepted, Accepted), accepted
    return record, accepted


def _about_them(name: str, **fields: Any) -> Signal:
    """The catalogue's example of `name`, about the night's persons, with `fields` changed; checked
    as the adapter's mapping checks a signal."""
    base = example(name).signal
    data = {**base.model_dump(mode="json"), "suspect": SUSPECT, "victim": VICTIM, **fields}
    return type(base).model_validate(orjson.loads(orjson.dumps(data)))


def timeline(key: bytes, now: datetime) -> list[Record]:
    """Every record of the topics the timeline reads that concerns the suspect, in the order kept:
    the police's report and its own huisverbod (long lapsed), the OM's behavioural order (in force),
    probation's breach and the OM's release on the night, the night's alerts, and the police's
    safety check before the release, which lapsed."""
    today = now.astimezone(ZoneInfo("Europe/Amsterdam")).date()
    ends = today + timedelta(days=70)
    huisverbod = _about_them(
        "measure_imposed", kind="temporary_restraining_order", conditions=[],
        starts_on=today - timedelta(days=40), ends_on=today - timedelta(days=31),
    )  # fmt: skip
    order = _about_them(
        "measure_imposed", kind="behavioural_order", conditions=_conditions(ends),
        starts_on=today - timedelta(days=20), ends_on=ends,
    )  # fmt: skip
    breach = _about_them("breach_of_conditions", **_without_persons(BREACH))
    release = _about_them("release_from_custody", **_without_persons(RELEASE), children=[CHILD])
    report = _about_them("new_report", children=[CHILD], incident_place="Utrecht")
    steps: list[tuple[str, Signal, datetime, str, dict[str, Decision]]] = [
        ("police", report, now - timedelta(days=41), "report", {"om": FULL, "veiligthuis": FULL}),
        ("police", huisverbod, now - timedelta(days=40), "huisverbod", {"om": FULL}),
        ("om", order, now - timedelta(days=20), "order", {"police": FULL, "3ro": FULL}),
        ("3ro", breach, now - timedelta(minutes=7, seconds=5), "breach:signal", {"police": GRANTED}),
        ("om", release, now - timedelta(minutes=2, seconds=5), "release:signal", {"police": FULL}),
    ]
    records: list[Record] = []
    for org, signal, at, name, decisions in steps:
        record, accepted = _sent(org, signal, at, name, key)
        records += [record, *emit(accepted, decisions, "scene", at)]
    for event in alerts(now):
        records.append(Record(ALERTS, str(event.alert_id).encode(), event.model_dump_json().encode(), []))
    subject = pseudonym_of_bsn(str(SUSPECT["bsn"]), key)
    for event in obligations(now)[0]:
        if event.obligation_id == _id("check"):
            ours = event.model_copy(update={"subject": subject, "subject_keys": [subject]})
            records.append(
                Record(OBLIGATIONS, str(event.obligation_id).encode(), ours.model_dump_json().encode(), [])
            )
    return records


def _without_persons(content: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in content.items() if name not in ("suspect", "victim", "children")}


def _conditions(ends_on: date) -> list[dict[str, Any]]:
    return [
        {
            "kind": "contact_ban",
            "description": "Geen contact met Sanne Vermeulen, direct, via anderen of online.",
        },
        {
            "kind": "area_ban",
            "description": "Niet in de binnenstad van Utrecht (kaart bij de gedragsaanwijzing).",
        },
        {
            "kind": "ankle_tag",
            "description": "Enkelband ter controle van het gebiedsverbod.",
            "ends_on": ends_on,
        },
    ]
