"""The case timeline's read model without Kafka: records as the topics hold them, into the store, and
each viewer's timeline and conditions in force out. What a viewer sees is exactly what it sent and
received, and the persons it may open are those whose identifying fields it received."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.publish import signal_record
from gateway.decisions import Decision, Level
from gateway.kafka import Record
from gateway.pipeline import Accepted, Rejected, emit, identify, validate
from gateway.pseudonyms import chain_pseudonym, pseudonym_of_bsn
from gateway.redact import redact
from gateway.schemas import CATALOGUE, Person, Signal
from gateway.schemas.alert import AlertEvent
from gateway.schemas.measure import MeasureKind
from gateway.schemas.obligation import MeetingSignal, ObligationEvent
from gateway.timeline.api import answer
from gateway.timeline.entries import Strength, ingest
from gateway.timeline.store import TimelineStore
from gateway.topics import ALERTS, OBLIGATIONS
from tests.fictional import BRAM, LOTTE, NOOR
from tools.contracts.examples import example

KEY = b"timeline-unit-key"
VIEWER = "police"
TODAY = date(2026, 12, 1)
SUSPECT = ("suspect.bsn", "suspect.given_name", "suspect.family_name", "suspect.birth_date")
VICTIM_BY_NAME = ("victim.given_name", "victim.family_name", "victim.birth_date")


def signal(name: str) -> Signal:
    """The catalogue's example of `name`, about Bram and Lotte (the scenario's persons)."""
    return example(name).signal.model_copy(update={"suspect": BRAM, "victim": LOTTE})


def fields(*paths: str) -> Decision:
    return Decision(level=Level.FIELDS, fields=paths, legal_basis="test", purpose="test", urgency="normal")


FULL = Decision(level=Level.FULL, legal_basis="test", purpose="test", urgency="normal")
DAT = Decision(level=Level.DAT, legal_basis="test", purpose="test", urgency="normal")


def accepted(org: str, signal: Signal) -> tuple[Record, Accepted]:
    """A signal as `org` sends it, and as the gateway accepts it."""
    record, _ = signal_record(org, signal, signal_id=uuid4(), pseudonym_key=KEY)
    checked = validate(record)
    assert not isinstance(checked, Rejected)
    found = identify(*checked, key=KEY)
    assert isinstance(found, Accepted)
    return record, found


def routed(org: str, signal: Signal, decisions: dict[str, Decision]) -> tuple[list[Record], Accepted]:
    """The sender's record and every recipient's delivery, as the topics hold them."""
    record, signal_accepted = accepted(org, signal)
    return [
        record,
        *emit(signal_accepted, decisions, "revision", signal_accepted.envelope.time),
    ], signal_accepted


OFFSETS = itertools.count()  # each record its own place on its topic, in the order it is kept


def keep(store: TimelineStore, records: Iterable[Record]) -> None:
    for record in records:
        store.add(ingest(record, KEY), (record.topic, 0, next(OFFSETS)))


def stored(tmp_path: Path, records: Iterable[Record]) -> TimelineStore:
    store = TimelineStore(tmp_path / f"{uuid4()}.sqlite", KEY)
    keep(store, records)
    store.commit({})
    return store


def by_bsn(person: Person) -> tuple[str, Strength]:
    assert person.bsn is not None
    return pseudonym_of_bsn(person.bsn, KEY), "bsn"


def by_name(person: Person) -> tuple[str, Strength]:
    return chain_pseudonym(person.model_copy(update={"bsn": None}), KEY), "name_birth_date"


def timeline_of(store: TimelineStore, viewer: str, subject: tuple[str, Strength]) -> dict[str, Any]:
    return answer(store, viewer, subject, "timeline", KEY, TODAY)


def conditions_of(
    store: TimelineStore, viewer: str, subject: tuple[str, Strength], today: date = TODAY
) -> list[dict[str, Any]]:
    measures: list[dict[str, Any]] = answer(store, viewer, subject, "conditions", KEY, today)["measures"]
    return measures


def test_a_viewer_sees_its_own_signals_whole_and_its_copies_as_granted(tmp_path: Path) -> None:
    arrest = signal("arrest")
    measure = signal("measure_imposed")
    records, _ = routed("police", arrest, {"om": FULL})
    more, imposed = routed(
        "om", measure, {"police": fields("kind", "ends_on", *SUSPECT), "veiligthuis": FULL}
    )
    store = stored(tmp_path, [*records, *more])

    shown = timeline_of(store, "police", by_bsn(BRAM))
    assert [(e["kind"], e["signal_type"], e["from"]) for e in shown["entries"]] == [
        ("sent", "arrest", "police"),
        ("received", "measure_imposed", "om"),
    ]
    sent, received = shown["entries"]
    assert sent["body"] == arrest.model_dump(mode="json") and sent["as"] == ["suspect"]
    assert received["body"] == redact(imposed.body, ["kind", "ends_on", *SUSPECT])
    assert received["delivery"]["level"] == "fields" and received["match"] == "bsn"
    for entry in shown["entries"]:
        assert set(entry) >= {"id", "kind", "at", "signal_id", "signal_type", "from", "body", "persons"}
    # Veilig Thuis's full copy is Veilig Thuis's alone; the OM's own signal the OM's.
    assert [e["kind"] for e in timeline_of(store, "veiligthuis", by_bsn(BRAM))["entries"]] == ["received"]
    assert [e["kind"] for e in timeline_of(store, "om", by_bsn(BRAM))["entries"]] == ["received", "sent"]
    assert timeline_of(store, "3ro", by_bsn(BRAM))["entries"] == []


def test_a_linked_person_opens_only_where_the_viewer_received_who_they_are(tmp_path: Path) -> None:
    measure = signal("measure_imposed")
    decisions = {"3ro": fields(*SUSPECT, *VICTIM_BY_NAME), "police": fields(*SUSPECT, "victim.given_name")}
    records, _ = routed("om", measure, decisions)
    store = stored(tmp_path, records)

    probation = timeline_of(store, "3ro", by_bsn(BRAM))
    (victim,) = probation["linked"]
    assert victim["roles"] == ["victim"] and "bsn" not in victim
    assert {k: victim[k] for k in ("given_name", "family_name", "birth_date")} == {
        "given_name": "Lotte", "family_name": "Dekker", "birth_date": "1993-08-30",
    }  # fmt: skip
    assert probation["entries"][0]["persons"] == [{"role": "victim", "person": victim["person"]}]
    opened = store.person("3ro", victim["person"])
    assert opened is not None
    lotte = timeline_of(store, "3ro", opened)
    assert [e["signal_type"] for e in lotte["entries"]] == ["measure_imposed"]
    assert lotte["entries"][0]["match"] == "name_birth_date" and lotte["entries"][0]["as"] == ["victim"]
    assert lotte["linked"][0]["roles"] == ["suspect"]  # and back to him
    # The police got her given name only: she is no person of their copy, and the id is 3RO's alone.
    assert timeline_of(store, "police", by_bsn(BRAM))["linked"] == []
    assert store.person("police", victim["person"]) is None


def test_the_viewers_own_copies_tie_her_bsn_to_her_name_and_a_namesake_stays_out(tmp_path: Path) -> None:
    report = signal("new_report")
    by_name_only, _ = routed("police", report, {"3ro": fields(*SUSPECT, *VICTIM_BY_NAME)})
    with_bsn, _ = routed("om", signal("measure_imposed"), {"3ro": FULL})
    namesake = report.model_copy(update={"victim": LOTTE.model_copy(update={"bsn": "234567806"})})
    other, _ = routed("veiligthuis", namesake, {"3ro": fields(*SUSPECT, *VICTIM_BY_NAME, "victim.bsn")})
    store = stored(tmp_path, [*by_name_only, *with_bsn, *other])

    shown = timeline_of(store, "3ro", by_bsn(LOTTE))
    assert [(e["from"], e["match"]) for e in shown["entries"]] == [
        ("police", "name_birth_date"),
        ("om", "bsn"),
    ]
    by_name_and_birth = timeline_of(store, "3ro", by_name(LOTTE))
    assert {e["from"] for e in by_name_and_birth["entries"]} == {"police", "om", "veiligthuis"}


def test_from_his_timeline_she_is_one_person_however_each_copy_names_her(tmp_path: Path) -> None:
    by_name_only, _ = routed("police", signal("new_report"), {"3ro": fields(*SUSPECT, *VICTIM_BY_NAME)})
    with_bsn, _ = routed("om", signal("measure_imposed"), {"3ro": FULL})
    store = stored(tmp_path, [*by_name_only, *with_bsn])
    (lotte,) = timeline_of(store, "3ro", by_bsn(BRAM))["linked"]
    assert store.person("3ro", lotte["person"]) == by_bsn(LOTTE)
    # With a namesake (her name and birth date, another BSN) the copy by name is nobody's for sure.
    namesake = signal("new_report").model_copy(
        update={"victim": LOTTE.model_copy(update={"bsn": "234567806"})}
    )
    other, _ = routed("veiligthuis", namesake, {"3ro": FULL})
    keep(store, other)
    linked = timeline_of(store, "3ro", by_bsn(BRAM))["linked"]
    assert [person["given_name"] for person in linked].count("Lotte") == 3


def test_a_dat_notice_is_in_the_subjects_timeline_by_pseudonym_and_links_nobody(tmp_path: Path) -> None:
    records, _ = routed("police", signal("new_report"), {"slachtofferhulp": DAT})
    store = stored(tmp_path, records)
    (entry,) = timeline_of(store, "slachtofferhulp", by_bsn(BRAM))["entries"]
    assert set(entry["body"]) == {"involved_organisation", "since", "contact"}
    assert entry["persons"] == [] and entry["match"] == "bsn"
    assert timeline_of(store, "slachtofferhulp", by_bsn(LOTTE))["entries"] == []


def alert(org: str, signal: Accepted, kind: str = "raised", **more: Any) -> Record:
    event = AlertEvent(
        alert_id=more.pop("alert_id", uuid4()), kind=kind, at=datetime.now(UTC), org=org, priority="p1",
        signal_id=signal.envelope.id, **more,
    )  # fmt: skip
    return Record(ALERTS, str(event.alert_id).encode(), event.model_dump_json().encode(), [])


def obligation(signal: Accepted, event: str, owner: str, **more: Any) -> Record:
    opened = signal.envelope.time
    value = ObligationEvent(
        obligation_id=more.pop("obligation_id"), event=event, at=datetime.now(UTC),
        kind="decision_after_arrest",
        owner=owner, subject=signal.pseudonym, opened_by=signal.envelope.id, opened_at=opened,
        due_at=opened + timedelta(hours=9), remind_at=opened + timedelta(hours=6), remind=[owner],
        met_by=[MeetingSignal.model_validate({"type": "prosecution_decision", "from": "om"})],
        tell_on_lapse=[owner, "police"], source="003", **more,
    )  # fmt: skip
    return Record(OBLIGATIONS, str(value.obligation_id).encode(), value.model_dump_json().encode(), [])


def test_alerts_and_obligations_show_with_their_state_to_whom_they_concern(tmp_path: Path) -> None:
    records, arrest = routed("police", signal("arrest"), {"om": FULL})
    alert_id, obligation_id = uuid4(), uuid4()
    raised = alert(
        "om", arrest, alert_id=alert_id, signal_type="arrest", sender="police", content=arrest.body
    )
    acknowledged = alert("om", arrest, "acknowledged", alert_id=alert_id, by="officier van dienst")
    opened = obligation(arrest, "opened", "om", obligation_id=obligation_id)
    store = stored(tmp_path, [*records, raised, acknowledged, opened])

    shown = {e["kind"]: e for e in timeline_of(store, "om", by_bsn(BRAM))["entries"]}
    assert set(shown) == {"received", "alert", "obligation"}
    assert shown["alert"]["alert"]["status"] == "acknowledged" and shown["alert"]["body"] == arrest.body
    assert shown["obligation"]["obligation"]["status"] == "open"
    assert shown["obligation"]["signal_type"] == "arrest" and shown["obligation"]["body"] is None
    # The police sent the arrest; the OM's alert and obligation are the OM's, until the police are told.
    assert [e["kind"] for e in timeline_of(store, "police", by_bsn(BRAM))["entries"]] == ["sent"]
    keep(store, [obligation(arrest, "lapsed", "om", obligation_id=obligation_id, told=["om", "police"])])
    police = timeline_of(store, "police", by_bsn(BRAM))["entries"]
    assert [(e["kind"], (e.get("obligation") or {}).get("status")) for e in police] == [
        ("sent", None),
        ("obligation", "lapsed"),
    ]


def test_what_the_topics_no_longer_hold_the_timeline_forgets(tmp_path: Path) -> None:
    """Kafka's retention decides how long a copy is kept; the read model keeps none longer."""
    records, report = routed("police", signal("new_report"), {"veiligthuis": FULL})
    lapsed = obligation(report, "opened", "veiligthuis", obligation_id=uuid4())
    store = stored(tmp_path, [*records, lapsed])
    (victim,) = [
        p for p in timeline_of(store, "veiligthuis", by_bsn(BRAM))["linked"] if p["roles"] == ["victim"]
    ]
    assert len(timeline_of(store, "veiligthuis", by_bsn(BRAM))["entries"]) == 2
    gone = store.forget_before({("inbox.veiligthuis", 0): next(OFFSETS), (OBLIGATIONS, 0): next(OFFSETS)})
    assert gone == 2 and timeline_of(store, "veiligthuis", by_bsn(BRAM))["entries"] == []
    assert store.person("veiligthuis", victim["person"]) is None
    assert [e["kind"] for e in timeline_of(store, "police", by_bsn(BRAM))["entries"]] == ["sent"]


def test_a_measure_is_in_force_until_it_is_ended_or_lapses(tmp_path: Path) -> None:
    imposed, _ = routed("om", signal("measure_imposed"), {"police": FULL})
    store = stored(tmp_path, imposed)
    (measure,) = conditions_of(store, "police", by_bsn(BRAM))
    assert (measure["status"], measure["kind"], measure["imposed_by"], measure["as"]) == (
        "in_force", "behavioural_order", "om", ["suspect"],
    )  # fmt: skip
    assert measure["ends_on"] == "2027-02-03" and measure["contact"]["role"] == "zaaksofficier"
    assert measure["area"] and all("woning" in area for area in measure["area"])
    assert not any(condition["lapsed"] for condition in measure["conditions"])
    assert conditions_of(store, "police", by_bsn(BRAM), date(2027, 2, 4))[0]["status"] == "lapsed"
    # She is protected by it: her timeline shows it too, with her role.
    assert conditions_of(store, "police", by_bsn(LOTTE))[0]["as"] == ["victim"]

    extended, _ = routed("om", signal("measure_extended"), {"police": FULL})
    keep(store, extended)
    (measure,) = conditions_of(store, "police", by_bsn(BRAM), date(2027, 2, 4))
    assert (measure["status"], measure["ends_on"], len(measure["signals"])) == ("in_force", "2027-05-04", 2)

    ended, _ = routed("om", signal("measure_ended"), {"police": FULL})
    keep(store, ended)
    (measure,) = conditions_of(store, "police", by_bsn(BRAM), date(2027, 2, 4))
    assert (measure["status"], measure["ended_on"], measure["end_reason"]) == (
        "ended",
        "2027-03-11",
        "replaced",
    )


def test_the_polices_own_huisverbod_and_a_copy_without_its_kind_both_count(tmp_path: Path) -> None:
    base = signal("measure_imposed")
    huisverbod = base.model_copy(update={"kind": MeasureKind.TEMPORARY_RESTRAINING_ORDER, "conditions": []})
    own, _ = routed("police", huisverbod, {})
    received, _ = routed("om", base, {"police": fields("ends_on", *SUSPECT)})
    measures = conditions_of(stored(tmp_path, [*own, *received]), "police", by_bsn(BRAM))
    assert sorted((m["imposed_by"], m["kind"], m["status"]) for m in measures) == [
        ("om", None, "in_force"),
        ("police", "temporary_restraining_order", "in_force"),
    ]
    assert next(m for m in measures if m["imposed_by"] == "om")["conditions"] == []


@pytest.mark.parametrize("bad", [b"not json", orjson.dumps({"unexpected": True})])
def test_a_record_that_is_no_delivery_or_signal_adds_nothing(bad: bytes) -> None:
    assert ingest(Record("inbox.police", None, bad, []), KEY) is None
    assert ingest(Record("signals.police", None, bad, []), KEY) is None
    assert ingest(Record(ALERTS, None, bad, []), KEY) is None


def strings(value: Any) -> set[str]:
    """Every text value in a JSON value."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(strings(v) for v in value)) if value else set()
    return set()


def leaf_paths(value: Any, prefix: str = "") -> list[str]:
    """The dotted paths of a body's leaves, as the policy grants them (a list is looked through)."""
    if isinstance(value, dict):
        return [path for key, item in value.items() for path in leaf_paths(item, f"{prefix}{key}.")]
    if isinstance(value, list):
        return sorted({path for item in value for path in leaf_paths(item, prefix)})
    return [prefix.rstrip(".")]


def shown_content(answers: list[dict[str, Any]]) -> set[str]:
    """The text the answers show as content: bodies, linked persons' names, the measures' facts."""
    found: set[str] = set()
    for shown in answers:
        for entry in shown.get("entries", []):
            found |= strings(entry["body"])
        for person in shown.get("linked", []):
            found |= strings({k: v for k, v in person.items() if k not in ("person", "roles")})
        for measure in shown.get("measures", []):
            facts = (
                "kind",
                "starts_on",
                "ends_on",
                "ended_on",
                "end_reason",
                "conditions",
                "area",
                "contact",
            )
            found |= strings({k: measure[k] for k in facts})
    return found


SENT_BY_OTHERS = sorted(name for name in CATALOGUE if example(name).sender != VIEWER)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_nothing_the_viewer_was_not_granted_reaches_its_timeline_or_conditions(data: st.DataObject) -> None:
    """Whatever the policy grants the viewer of whichever signals, and however much another
    organisation gets of the same signals, every text the viewer's timelines and conditions show as
    content (bodies, linked persons, measures) is one it received, and each copy is shown exactly
    as it was received."""
    records: list[Record] = []
    for name in data.draw(st.lists(st.sampled_from(SENT_BY_OTHERS), min_size=1, max_size=4), "signals"):
        sent = signal(name)
        sender = example(name).sender
        leaves = leaf_paths(sent.model_dump(mode="json"))
        granted = data.draw(st.sets(st.sampled_from(leaves)), f"granted of {name}")
        own = data.draw(st.sampled_from([fields(*sorted(granted)), DAT]), f"level of {name}")
        routed_records, found = routed(sender, sent, {VIEWER: own, "veiligthuis": FULL})
        records += routed_records
        copy = next(r for r in routed_records if r.topic == f"inbox.{VIEWER}")
        content = orjson.loads(copy.value or b"")["body"]
        records.append(alert(VIEWER, found, signal_type=name, sender=sender, content=content))
    with tempfile.TemporaryDirectory() as tmp:
        store = stored(Path(tmp), records)
        received = [orjson.loads(r.value or b"") for r in records if r.topic == f"inbox.{VIEWER}"]
        subjects = [by_bsn(BRAM), by_name(BRAM), by_bsn(LOTTE), by_name(LOTTE), by_bsn(NOOR), by_name(NOOR)]
        answers = [
            answer(store, VIEWER, s, q, KEY, TODAY) for s in subjects for q in ("timeline", "conditions")
        ]
        for shown in list(answers):
            for person in shown.get("linked", []):
                opened = store.person(VIEWER, person["person"])
                assert opened is not None
                answers.append(answer(store, VIEWER, opened, "timeline", KEY, TODAY))
        assert shown_content(answers) <= set().union(*(strings(item["body"]) for item in received))
        copies = {item["delivery_id"]: item["body"] for item in received}
        for shown in answers:
            for entry in shown.get("entries", []):
                if entry["kind"] == "received":
                    assert entry["body"] == copies[entry["delivery"]["delivery_id"]]
