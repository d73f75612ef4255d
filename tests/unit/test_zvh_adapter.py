"""The safety house's (Zorg- en Veiligheidshuis) adapter: its JSON export read, checked and mapped to
signals."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.exports import NativeRecord
from adapters.registry import adapter
from adapters.zvh import ADAPTER, mapping
from adapters.zvh.native import ZvhRecord, record_id
from gateway.schemas import (
    CaseConference,
    ContactAssigned,
    ContactPerson,
    InvolvementClosed,
    InvolvementOpened,
    Person,
    Signal,
)
from gateway.schemas.case_conference import CaseTask, ConferenceStatus, TaskAction, TaskStatus
from gateway.schemas.contact_person import ContactRole
from gateway.schemas.involvement import CloseReason, InvolvementRole
from gateway.schemas.risk_assessment import RiskLevel
from gateway.settings import PARTNERS
from tests.fictional import BRAM, LOTTE, NOOR
from tests.unit import adapter_corpus as corpus
from tests.unit.adapter_corpus import rejected_paths

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).parents[2] / "adapters" / "zvh" / "samples"

BAKKER = ContactPerson(
    role="procesregisseur",
    name="M. Bakker",
    phone="+31 10 555 0181",
    unit="Zorg- en Veiligheidshuis Rotterdam-Rijnmond",
)
KEVIN = Person(bsn="345678904", given_name="Kevin", family_name="de Wit", birth_date=date(1985, 6, 3))
SEM = Person(bsn="456789017", given_name="Sem", family_name="de Wit", birth_date=date(2017, 5, 9))


def read(path: Path) -> list[NativeRecord]:
    return ADAPTER.read(path.read_bytes())


def mapped(name: str) -> list[dict[str, Signal]]:
    """Per record of a sample, its signals by part."""
    found = []
    for record in read(SAMPLES / name):
        assert record.ok, record.problems
        found.append({item.part: item.signal for item in ADAPTER.to_signals(record.native)})
    return found


def conferences(name: str) -> list[CaseConference]:
    found = []
    for parts in mapped(name):
        assert set(parts) == {"conference"}
        assert isinstance(parts["conference"], CaseConference)
        found.append(parts["conference"])
    return found


def raw_sample(name: str, n: int = 0) -> dict[str, Any]:
    return corpus.raw_sample(SAMPLES / name, n)


def problems_of(item: dict[str, Any]) -> list[str]:
    return corpus.mapping_problems(ADAPTER, ZvhRecord, item)


def test_the_registry_returns_the_safety_house_adapter() -> None:
    assert adapter("zvh") is ADAPTER
    assert (ADAPTER.org, ADAPTER.media_type, ADAPTER.suffix) == ("zvh", "application/json", ".json")


def test_the_record_id_is_case_number_and_change_number() -> None:
    assert [record.record_id for record in read(SAMPLES / "procesregisseur-toegewezen.json")] == [
        "ZVH-RR-2026-0388:1",
        "ZVH-RR-2026-0451:1",
    ]
    assert record_id({"dossiernummer": "ZVH-RR-2026-0388"}) is None
    assert record_id({"dossiernummer": "ZVH-RR-2026-0388", "mutatienummer": "2"}) is None
    assert record_id({"dossiernummer": "ZVH-RR-2026-0388", "mutatienummer": True}) is None


def test_no_two_sample_records_share_an_id() -> None:
    ids = [record.record_id for path in SAMPLES.glob("*.json") for record in read(path)]
    assert None not in ids and len(ids) == len(set(ids))


def test_only_safety_house_records_are_mapped() -> None:
    with pytest.raises(TypeError, match="ZvhRecord"):
        ADAPTER.to_signals({"dossiernummer": "ZVH-RR-2026-0388"})


def test_the_process_director_assigned_is_the_safety_houses_involvement_and_whom_to_call() -> None:
    family, victim_only = mapped("procesregisseur-toegewezen.json")
    assert list(family) == ["involvement", "contact"]
    opened, assigned = family["involvement"], family["contact"]
    assert isinstance(opened, InvolvementOpened) and isinstance(assigned, ContactAssigned)
    assert (opened.role, opened.since, opened.contact) == (
        InvolvementRole.PROCESS_DIRECTION,
        date(2026, 5, 11),
        BAKKER,
    )
    assert (assigned.role, assigned.contact, assigned.availability) == (
        ContactRole.PROCESS_DIRECTOR,
        BAKKER,
        "ma-vr 08:30-17:00",
    )
    for signal in (opened, assigned):
        assert (signal.suspect, signal.children, signal.subject()) == (KEVIN, [SEM], KEVIN)
        assert signal.victim is not None and signal.victim.family_name == "El Amrani"
    # a case about a victim only, known without a BSN: she is the subject, matched by name and birth
    lone = victim_only["involvement"]
    assert lone.suspect is None and lone.victim is not None and lone.subject() == lone.victim
    assert lone.victim.bsn is None and lone.contact.unit is None
    assert isinstance(victim_only["contact"], ContactAssigned) and victim_only["contact"].availability is None


def test_a_planned_conference_names_its_day_the_partners_invited_and_no_plan() -> None:
    [planned] = conferences("overleg-gepland.json")
    assert (planned.status, planned.conference_id, planned.conference_on) == (
        ConferenceStatus.SCHEDULED,
        "ZVH-RR-2026-0388",
        date(2026, 5, 14),
    )
    assert planned.participants == ["police", "veiligthuis", "3ro", "rvdk", "zvh"]
    assert (planned.risk_level, planned.tasks, planned.contact) == (RiskLevel.MEDIUM, [], BAKKER)


def test_a_held_conference_carries_its_plan_each_task_with_its_owner() -> None:
    held, without_tasks = conferences("overleg-gehouden.json")
    assert held.status is ConferenceStatus.HELD and held.conference_id == "ZVH-RR-2026-0388"
    assert held.tasks[0] == CaseTask(
        task_id="taak-1",
        action=TaskAction.STOP_TALK,
        description="Stopgesprek met betrokkene door de wijkagent.",
        owner="police",
        due_on=date(2026, 5, 21),
    )
    assert [(t.task_id, t.owner, t.status) for t in held.tasks] == [
        ("taak-1", "police", TaskStatus.OPEN),
        ("taak-2", "veiligthuis", TaskStatus.OPEN),
        ("taak-3", "rvdk", TaskStatus.OPEN),
        ("taak-4", "other", TaskStatus.OPEN),
        ("taak-5", "3ro", TaskStatus.OPEN),
    ]
    care = held.tasks[3]
    assert (care.owner_name, care.action) == (
        "Zorgaanbieder De Brug, ambulante verslavingszorg",
        TaskAction.ARRANGE_CARE,
    )
    assert held.attributes()["task_owners"] == ["3ro", "police", "rvdk", "veiligthuis"]
    # a conference that agreed no task
    assert without_tasks.tasks == [] and without_tasks.risk_level is RiskLevel.LOW
    assert without_tasks.participants == ["police", "slachtofferhulp", "zvh"]


def test_a_plan_update_lists_the_whole_plan_with_what_is_done_and_what_lapsed() -> None:
    [updated] = conferences("plan-bijgewerkt.json")
    assert updated.status is ConferenceStatus.PLAN_UPDATED
    assert updated.conference_on == date(2026, 5, 14)  # the conference that made the plan
    assert [(t.task_id, t.status) for t in updated.tasks] == [
        ("taak-1", TaskStatus.DONE),
        ("taak-2", TaskStatus.OPEN),
        ("taak-3", TaskStatus.OPEN),
        ("taak-4", TaskStatus.OPEN),
        ("taak-5", TaskStatus.CANCELLED),
        ("taak-6", TaskStatus.OPEN),
    ]
    assert updated.tasks[5].owner == "om" and updated.tasks[5].action is TaskAction.INFORM_VICTIM


def test_a_closed_case_ends_the_process_direction() -> None:
    [parts] = mapped("casus-afgesloten.json")
    closed = parts["closing"]
    assert isinstance(closed, InvolvementClosed) and list(parts) == ["closing"]
    assert (closed.role, closed.since, closed.until, closed.reason) == (
        InvolvementRole.PROCESS_DIRECTION,
        date(2026, 5, 11),
        date(2026, 9, 30),
        CloseReason.COMPLETED,
    )
    assert closed.contact == BAKKER


def test_every_code_is_translated() -> None:
    held = raw_sample("overleg-gehouden.json")
    for code, action in mapping.ACTIONS.items():
        plan = [{**held["plan"][0], "actie": code}]
        [item] = ADAPTER.to_signals(ZvhRecord.model_validate({**held, "plan": plan}))
        assert isinstance(item.signal, CaseConference) and item.signal.tasks[0].action is action
    assert set(mapping.ACTIONS.values()) == set(TaskAction)
    assert set(mapping.TASK_STATUSES.values()) == set(TaskStatus)
    assert set(mapping.RISKS.values()) == set(RiskLevel)
    assert set(mapping.CLOSE_REASONS.values()) == set(CloseReason)
    assert set(mapping.CONFERENCE_STATUSES.values()) == set(ConferenceStatus)
    # every chain partner by its Dutch name, and only they
    assert set(mapping.PARTNERS.values()) == set(PARTNERS)
    closed = raw_sample("casus-afgesloten.json")
    for code, reason in mapping.CLOSE_REASONS.items():
        [item] = ADAPTER.to_signals(ZvhRecord.model_validate({**closed, "reden_afsluiting": code}))
        assert isinstance(item.signal, InvolvementClosed) and item.signal.reason is reason
    parts = {
        (item.part, item.signal.name, getattr(item.signal, "status", None))
        for path in SAMPLES.glob("*.json")
        for record in read(path)
        for item in ADAPTER.to_signals(record.native)
    }
    assert parts == {
        ("involvement", "involvement_opened", None),
        ("contact", "contact_assigned", None),
        ("closing", "involvement_closed", None),
        *(("conference", "case_conference", status) for status in ConferenceStatus),
    }


def test_every_problem_of_a_record_is_named_at_once() -> None:
    assigned = raw_sample("procesregisseur-toegewezen.json")
    held = raw_sample("overleg-gehouden.json")
    assert problems_of(
        {**assigned, "plan": held["plan"], "datum_afsluiting": "2026-09-30", "reden_afsluiting": "AFGEROND"}
    ) == ["plan", "datum_afsluiting", "reden_afsluiting"]
    assert problems_of({**held, "soort": "CASUS_AFGESLOTEN"}) == [
        "overleg",
        "risico",
        "plan",
        "datum_afsluiting",
        "reden_afsluiting",
    ]
    assert problems_of({**held, "pleger": None, "slachtoffer": None, "plan": held["plan"] * 2}) == [
        "pleger",
        *(f"plan.{n}.taaknummer" for n in range(5, 10)),
    ]
    municipality = {**held["plan"][0], "eigenaar": "GEMEENTE"}
    assert problems_of({**held, "plan": [municipality, {**held["plan"][3], "eigenaar": "OM"}]}) == [
        "plan.0.eigenaar_naam",
        "plan.1.eigenaar_naam",
    ]
    assert problems_of({**held, "overleg": {**held["overleg"], "deelnemers": ["POLITIE", "GEMEENTE"]}}) == [
        "overleg.deelnemers.1"
    ]


def test_the_owner_of_a_task_outside_the_chain_is_named_and_opens_no_obligation() -> None:
    held = raw_sample("overleg-gehouden.json")
    name = "Gemeente Rotterdam, wijkteam Noord"
    outside = {**held["plan"][0], "eigenaar": "GEMEENTE", "eigenaar_naam": name}
    [item] = ADAPTER.to_signals(ZvhRecord.model_validate({**held, "plan": [outside]}))
    assert isinstance(item.signal, CaseConference)
    assert (item.signal.tasks[0].owner, item.signal.tasks[0].owner_name) == ("other", name)
    assert item.signal.attributes()["task_owners"] == []


# Per bad file: the rejected positions with their problem paths; every other record maps.
BAD: dict[str, tuple[int, dict[str, list[str]]]] = {
    "invalid-bsn.json": (2, {"record 2": ["kinderen.0.bsn"]}),
    "listed-twice.json": (2, {"record 2": ["overleg.deelnemers.3", "plan.3.taaknummer"]}),
    "missing-field.json": (2, {"record 2": ["procesregisseur"]}),
    "no-person.json": (2, {"record 1": ["pleger"]}),
    "not-an-object.json": (3, {"record 2": ["(record)"], "record 3": ["(record)"]}),
    "not-json.json": (1, {"file": ["(file)"]}),
    "not-utf8.json": (1, {"file": ["(file)"]}),
    "number-as-date.json": (2, {"record 1": ["startdatum"]}),
    "task-owner.json": (3, {"record 1": ["plan.3.eigenaar_naam"], "record 2": ["plan.0.eigenaar_naam"]}),
    "time-without-offset.json": (2, {"record 2": ["tijdstip"]}),
    "unknown-code.json": (
        4,
        {
            "record 2": ["plan.1.actie"],
            "record 3": ["soort"],
            "record 4": ["risico", "overleg.deelnemers.2"],
        },
    ),
    "unknown-field.json": (2, {"record 1": ["verslag"]}),
    "unmappable.json": (
        8,
        {
            "record 1": ["plan"],
            "record 2": ["plan"],
            "record 3": ["overleg", "risico"],
            "record 4": ["datum_afsluiting", "reden_afsluiting"],
            "record 6": ["overleg.datum"],
            "record 7": ["datum_afsluiting"],
            "record 8": ["plan"],
        },
    ),
    "wrong-types.json": (2, {"record 2": ["dossiernummer", "mutatienummer"]}),
}

# Values in the bad files that are, or stand for, what a problem must never repeat.
NEVER_REPEATED = (
    "456789006",
    "HUISBEZOEK",
    "OVERLEG_VERPLAATST",
    "WIJKAGENT",
    "ZEER_HOOG",
    "niet voor de keten",
    "Basisteam Charlois",
    "René",
    "ZVH/2026/0499",
)


def test_the_bad_corpus_is_complete() -> None:
    assert {path.name for path in (SAMPLES / "bad").iterdir()} == set(BAD)


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_export_rejects_exactly_its_bad_records_and_the_rest_goes_through(name: str) -> None:
    count, expected = BAD[name]
    records = read(SAMPLES / "bad" / name)
    assert len(records) == count
    assert rejected_paths(ADAPTER, records, NEVER_REPEATED) == expected


def test_the_scenario_is_the_safety_houses_direction_of_the_case_of_lotte_and_noor() -> None:
    assigned, planned, held, updated = mapped("scenario.json")
    assert list(assigned) == ["involvement", "contact"]
    for parts in (assigned, planned, held, updated):
        for signal in parts.values():
            assert (signal.suspect, signal.victim, signal.children) == (BRAM, LOTTE, [NOOR])
    conference = [parts["conference"] for parts in (planned, held, updated)]
    assert all(isinstance(c, CaseConference) for c in conference)
    statuses = [c.status for c in conference if isinstance(c, CaseConference)]
    assert statuses == [ConferenceStatus.SCHEDULED, ConferenceStatus.HELD, ConferenceStatus.PLAN_UPDATED]
    plan, later = held["conference"], updated["conference"]
    assert isinstance(plan, CaseConference) and isinstance(later, CaseConference)
    assert plan.conference_on == date(2026, 3, 10) and plan.risk_level is RiskLevel.HIGH
    assert [(t.owner, t.status) for t in plan.tasks] == [
        ("police", TaskStatus.OPEN),
        ("3ro", TaskStatus.OPEN),
        ("veiligthuis", TaskStatus.OPEN),
        ("om", TaskStatus.DONE),
        ("other", TaskStatus.OPEN),
    ]
    assert plan.tasks[4].owner_name == "Gemeente Rotterdam, wijkteam Charlois"
    done = [t.task_id for t in later.tasks if t.status is TaskStatus.DONE]
    assert done == ["taak-1", "taak-4"]  # the police spoke with Lotte since
