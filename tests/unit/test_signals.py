"""The signal catalogue: each type has a valid example from its real sender, describes every field,
gives policy only envelope-level attributes, and rejects what its rules forbid by naming the field."""

from __future__ import annotations

import json
import re
import typing
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from adapters.police.mapping import to_new_report
from adapters.police.native import PoliceReportRecord
from gateway.schemas import CATALOGUE, Envelope, Signal
from gateway.schemas.conditions import Condition
from gateway.schemas.envelope import TYPE_RE
from gateway.schemas.safety_assessment import SafetyCondition
from gateway.settings import RECIPIENTS

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "docs" / "examples"
POLICE_SAMPLE = ROOT / "adapters" / "police" / "samples" / "report-1.json"

SENDERS = {
    "new_report": "police",
    "risk_assessment": "police",
    "breach_of_conditions": "3ro",
    "arrest": "police",
    "victim_informing_agreed": "om",
    "release_from_custody": "om",
    "safety_assessment": "veiligthuis",
    "measure_imposed": "om",
    "measure_extended": "om",
    "measure_ended": "om",
    "prosecution_decision": "om",
    "contact_assigned": "veiligthuis",
    "contact_changed": "police",
    "involvement_opened": "3ro",
    "involvement_closed": "veiligthuis",
    "protection_needs": "slachtofferhulp",
    "victim_informed": "slachtofferhulp",
    "child_protection": "rvdk",
    "case_conference": "zvh",
}

# What the sharing policy may decide on, per signal type. The policy author relies on these keys.
ATTRIBUTES = {
    "new_report": {"minors_involved", "report_kind"},
    "risk_assessment": {"minors_involved", "instrument", "risk_level", "previous_risk_level", "risk_rising"},
    "breach_of_conditions": {"minors_involved", "measure", "severity", "detected_by"},
    "arrest": {"minors_involved", "breach_of_measure", "new_offence"},
    "victim_informing_agreed": {"minors_involved", "agreed_by", "informers"},
    "release_from_custody": {"minors_involved", "release_kind", "planned", "has_conditions", "risk_level"},
    "safety_assessment": {
        "minors_involved",
        "acute_unsafety",
        "structural_unsafety",
        "has_safety_conditions",
        "follow_up_months",
    },
    "measure_imposed": {"minors_involved", "measure"},
    "measure_extended": {"minors_involved", "measure"},
    "measure_ended": {"minors_involved", "measure", "end_reason"},
    "prosecution_decision": {"minors_involved", "decision"},
    "contact_assigned": {"minors_involved", "role"},
    "contact_changed": {"minors_involved", "role"},
    "involvement_opened": {"minors_involved", "involvement_role"},
    "involvement_closed": {"minors_involved", "involvement_role", "close_reason"},
    "protection_needs": {
        "minors_involved",
        "consent_to_share",
        "consent_scope",
        "changed",
        "fears_for_safety",
    },
    "victim_informed": {"minors_involved", "about"},
    "child_protection": {
        "minors_involved",
        "child_protection_kind",
        "child_protection_measure",
        "child_protection_status",
    },
    "case_conference": {"minors_involved", "conference_status", "participants", "task_owners", "open_tasks"},
}

NAMES = sorted(CATALOGUE)
NESTED: list[type[BaseModel]] = [Condition, SafetyCondition]


def example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return loaded


def body(name: str, *, drop: tuple[str, ...] = (), **changes: Any) -> dict[str, Any]:
    """The example body of `name`, with fields dropped or changed."""
    data = {key: value for key, value in example(name)["data"].items() if key not in drop}
    return {**data, **changes}


def signal(name: str, **changes: Any) -> Signal:
    return CATALOGUE[name].model_validate(body(name, **changes))


def rejection(name: str, data: dict[str, Any]) -> tuple[tuple[int | str, ...], str]:
    """The one error `name` raises for `data`: where, and the message."""
    with pytest.raises(ValidationError) as caught:
        CATALOGUE[name].model_validate(data)
    [error] = caught.value.errors()
    return error["loc"], error["msg"]


def types_in(annotation: Any) -> list[type]:
    """Every class an annotation mentions: `list[Condition] | None` → [list, Condition, NoneType]."""
    found = [annotation] if isinstance(annotation, type) else []
    for argument in typing.get_args(annotation):
        found.extend(types_in(argument))
    return found


def models_in(model: type[BaseModel]) -> list[type[BaseModel]]:
    nested = [
        kind
        for field in model.model_fields.values()
        for kind in types_in(field.annotation)
        if issubclass(kind, BaseModel)
    ]
    return [model, *(inner for kind in nested for inner in models_in(kind))]


def enum_values(model: type[BaseModel]) -> set[str]:
    return {
        member.value
        for inner in models_in(model)
        for field in inner.model_fields.values()
        for kind in types_in(field.annotation)
        if issubclass(kind, StrEnum)
        for member in kind
    }


def leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item)]
    return [value]


def test_every_catalogue_type_has_exactly_one_example() -> None:
    assert {path.stem for path in EXAMPLES.glob("*.json")} == set(CATALOGUE)
    assert set(SENDERS) == set(ATTRIBUTES) == set(CATALOGUE)


@pytest.mark.parametrize("name", NAMES)
def test_the_example_comes_in_a_valid_envelope_from_its_sender(name: str) -> None:
    model = CATALOGUE[name]
    ce = example(name)["ce"]
    envelope = Envelope.model_validate(ce)
    assert ce["specversion"] == "1.0"
    assert TYPE_RE.match(envelope.type)
    assert envelope.signal == name
    assert envelope.type == f"nl.ketenpoort.{name}.v{model.version.split('.')[0]}"
    assert envelope.dataschema == f"urn:ketenpoort:schema:{name}:{model.version}"
    assert envelope.org == SENDERS[name]


@pytest.mark.parametrize("name", NAMES)
def test_the_example_validates_round_trips_and_names_a_subject(name: str) -> None:
    model = CATALOGUE[name]
    parsed = model.model_validate(example(name)["data"])
    assert model.model_validate(parsed.model_dump(mode="json")) == parsed
    assert parsed.subject() is not None
    assert model.name == name and model.version.startswith("1.")
    # the example is of the current version
    assert example(name)["ce"]["dataschema"] == f"urn:ketenpoort:schema:{name}:{model.version}"


def test_the_new_report_example_is_what_the_police_adapter_makes_of_its_sample() -> None:
    native = PoliceReportRecord.model_validate_json(POLICE_SAMPLE.read_bytes())
    assert to_new_report(native) == signal("new_report")


@pytest.mark.parametrize("name", NAMES)
def test_attributes_are_the_documented_keys(name: str) -> None:
    assert set(signal(name).attributes()) == ATTRIBUTES[name]


@pytest.mark.parametrize("name", NAMES)
def test_attributes_hold_no_free_text_names_or_identifiers(name: str) -> None:
    attributes = signal(name).attributes()
    allowed = enum_values(CATALOGUE[name]) | set(RECIPIENTS)  # partners' codes are a closed set too
    for key, value in attributes.items():
        if isinstance(value, str):
            assert value in allowed, f"{key}={value!r} is not an enum value"
        elif isinstance(value, list):  # a set of codes, e.g. whom the victim consented to
            assert all(item in allowed for item in value), f"{key} holds a value that is not an enum value"
        else:
            assert value is None or isinstance(value, bool | int), f"{key} is {type(value).__name__}"
    dumped = json.dumps(attributes)
    for leaf in leaves(example(name)["data"]):
        if isinstance(leaf, str) and leaf not in allowed:
            assert leaf not in dumped


@pytest.mark.parametrize("model", [CATALOGUE[name] for name in NAMES], ids=NAMES)
def test_every_field_is_described(model: type[Signal]) -> None:
    for inner in models_in(model):
        for field_name, field in inner.model_fields.items():
            assert field.description, f"{inner.__name__}.{field_name} has no description"


@pytest.mark.parametrize("model", [*(CATALOGUE[name] for name in NAMES), *NESTED])
def test_every_model_gives_the_dutch_term_in_italics(model: type[BaseModel]) -> None:
    assert model.__doc__ and re.search(r"\*[^*\s][^*]*\*", model.__doc__), model.__name__


# Risk assessment: the SASH alarm items.


@pytest.mark.parametrize("item", ["no_way_out_but_violence", "victim_fears_for_life"])
def test_a_sash_alarm_item_forces_hoog(item: str) -> None:
    alarm: dict[str, Any] = {"no_way_out_but_violence": False, "victim_fears_for_life": False, item: True}
    accepted = signal("risk_assessment", **alarm, risk_level="hoog")
    assert accepted.attributes()["risk_level"] == "hoog"
    loc, message = rejection("risk_assessment", body("risk_assessment", **alarm, risk_level="midden"))
    assert loc == ("risk_level",)
    assert "risk_level must be 'hoog'" in message and item in message


def test_without_alarm_items_sash_may_score_lower() -> None:
    calm = signal(
        "risk_assessment", no_way_out_but_violence=False, victim_fears_for_life=False, risk_level="midden"
    )
    assert calm.attributes()["risk_level"] == "midden"


def test_sash_must_answer_its_alarm_items() -> None:
    loc, message = rejection("risk_assessment", body("risk_assessment", drop=("victim_fears_for_life",)))
    assert loc == ("victim_fears_for_life",)
    assert "SASH alarm item: send true or false" in message


def test_alarm_items_belong_to_sash_only() -> None:
    other = body("risk_assessment", drop=("victim_fears_for_life",), instrument="b_safer")
    loc, message = rejection("risk_assessment", other)
    assert loc == ("no_way_out_but_violence",)
    assert "leave it out for b_safer" in message
    without = body("risk_assessment", drop=("no_way_out_but_violence", "victim_fears_for_life"))
    accepted = CATALOGUE["risk_assessment"].model_validate({**without, "instrument": "b_safer"})
    assert accepted.attributes()["instrument"] == "b_safer"


@pytest.mark.parametrize(
    ("previous", "rising"), [(None, False), ("laag", True), ("midden", True), ("hoog", False)]
)
def test_risk_rising_compares_with_the_previous_level(previous: str | None, rising: bool) -> None:
    attributes = signal("risk_assessment", previous_risk_level=previous).attributes()
    assert attributes["previous_risk_level"] == previous
    assert attributes["risk_rising"] is rising


# Arrest: what for, and from when the prosecution service's clock runs.


def test_an_arrest_is_for_a_measure_an_offence_or_both() -> None:
    assert signal("arrest").attributes() == {
        "minors_involved": False,
        "breach_of_measure": True,
        "new_offence": False,
    }
    offence_only = signal("arrest", measure=None, offence="threat").attributes()
    assert (offence_only["breach_of_measure"], offence_only["new_offence"]) == (False, True)
    both = signal("arrest", offence="assault").attributes()
    assert (both["breach_of_measure"], both["new_offence"]) == (True, True)


def test_an_arrest_says_what_it_is_for() -> None:
    loc, message = rejection("arrest", body("arrest", drop=("measure",)))
    assert loc == ("offence",)
    assert "send measure, offence or both" in message
    loc, _ = rejection("arrest", body("arrest", measure="huisverbod"))
    assert loc == ("measure",)  # the unknown measure is the only problem named


def test_an_arrest_names_the_arrested_suspect_and_when() -> None:
    assert rejection("arrest", body("arrest", drop=("suspect",)))[0] == ("suspect",)
    loc, message = rejection("arrest", body("arrest", arrested_at="2026-05-02T19:05:00"))
    assert loc == ("arrested_at",)
    assert "timezone" in message


# Release from custody.


def test_release_attributes_follow_status_conditions_and_known_risk() -> None:
    done = signal("release_from_custody", status="done", conditions=[], known_risk_level=None)
    assert done.attributes() == {
        "minors_involved": True,
        "release_kind": "release_after_arrest",
        "planned": False,
        "has_conditions": False,
        "risk_level": None,
    }


# Measures: end dates.


def test_a_measure_may_end_on_its_first_day_or_run_open_ended() -> None:
    assert signal("measure_imposed", ends_on="2026-11-06").attributes()["measure"] == "behavioural_order"
    assert signal("measure_imposed", ends_on=None).attributes()["measure"] == "behavioural_order"


def test_a_measure_cannot_end_before_it_starts() -> None:
    loc, message = rejection("measure_imposed", body("measure_imposed", ends_on="2026-11-05"))
    assert loc == ("ends_on",)
    assert "ends_on must not be before starts_on (2026-11-06)" in message


def test_an_extension_ends_after_the_previous_end_date() -> None:
    assert signal("measure_extended", ends_on="2027-02-04").attributes()["measure"] == "behavioural_order"
    for same_or_earlier in ("2027-02-03", "2027-01-01"):
        loc, message = rejection("measure_extended", body("measure_extended", ends_on=same_or_earlier))
        assert loc == ("ends_on",)
        assert "ends_on must be after previous_ends_on (2027-02-03)" in message


def test_an_ended_measure_tells_why() -> None:
    assert signal("measure_ended", reason="expired").attributes()["end_reason"] == "expired"


# Safety assessment, prosecution decision, contacts, involvements.


def test_monitoring_comes_after_the_safety_assessment() -> None:
    assert signal("safety_assessment", monitoring_dates=["2026-11-11"]).attributes()["acute_unsafety"]
    data = body("safety_assessment", monitoring_dates=["2027-02-10", "2026-11-10"])
    loc, message = rejection("safety_assessment", data)
    assert loc == ("monitoring_dates",)
    assert "monitoring_dates must all be after assessed_on (2026-11-10)" in message


def test_a_safety_assessment_says_whether_it_is_a_follow_up_and_which() -> None:
    assert signal("safety_assessment").attributes()["follow_up_months"] is None
    for months in (3, 12, 18):
        assert signal("safety_assessment", follow_up_months=months).attributes()["follow_up_months"] == months
    assert signal("safety_assessment", follow_up_months=None).attributes()["follow_up_months"] is None
    for wrong in (6, 0, "3", True):
        loc, _ = rejection("safety_assessment", body("safety_assessment", follow_up_months=wrong))
        assert loc == ("follow_up_months",)


def test_a_hearing_is_not_before_the_decision() -> None:
    assert signal("prosecution_decision", hearing_on="2026-11-06").attributes()["decision"] == "summons"
    loc, message = rejection("prosecution_decision", body("prosecution_decision", hearing_on="2026-11-05"))
    assert loc == ("hearing_on",)
    assert "hearing_on must not be before decision_time (2026-11-06)" in message


def test_a_changed_contact_is_someone_else() -> None:
    data = body("contact_changed")
    loc, message = rejection("contact_changed", {**data, "previous_contact": data["contact"]})
    assert loc == ("previous_contact",)
    assert "previous_contact is the same as contact" in message


def test_an_involvement_does_not_end_before_it_began() -> None:
    assert signal("involvement_closed", until="2026-11-04").attributes()["involvement_role"] == "case_holder"
    loc, message = rejection("involvement_closed", body("involvement_closed", until="2026-11-03"))
    assert loc == ("until",)
    assert "until must not be before since (2026-11-04)" in message


# Protection needs: a change says what changed, and the consent says whom it covers.


def test_protection_needs_say_what_changed() -> None:
    assert signal("protection_needs").attributes()["changed"] is True
    fresh = signal("protection_needs", changed=False, previous_needs=None)
    assert fresh.attributes()["changed"] is False
    assert signal("protection_needs", previous_needs=[]).previous_needs == []
    loc, message = rejection("protection_needs", body("protection_needs", drop=("previous_needs",)))
    assert loc == ("previous_needs",) and "required when changed is true" in message
    loc, message = rejection("protection_needs", body("protection_needs", changed=False))
    assert loc == ("previous_needs",) and "only with changed true" in message
    same = body("protection_needs")
    loc, message = rejection("protection_needs", {**same, "previous_needs": list(reversed(same["needs"]))})
    assert loc == ("previous_needs",) and "nothing changed" in message
    loc, _ = rejection("protection_needs", body("protection_needs", needs=["safe_address", "safe_address"]))
    assert loc == ("needs",)


def test_protection_needs_carry_the_consent_and_whom_it_covers() -> None:
    assert signal("protection_needs").attributes()["consent_scope"] == ["om", "police", "veiligthuis"]
    without = signal("protection_needs", consent_to_share=False, consent_scope=[]).attributes()
    assert (without["consent_to_share"], without["consent_scope"]) == (False, [])
    loc, message = rejection("protection_needs", body("protection_needs", consent_scope=[]))
    assert loc == ("consent_scope",) and "name the partners" in message
    loc, message = rejection("protection_needs", body("protection_needs", consent_to_share=False))
    assert loc == ("consent_scope",) and "must be empty" in message
    loc, _ = rejection("protection_needs", body("protection_needs", consent_scope=["police", "3ro"]))
    assert loc == ("consent_scope", 1)
    assert rejection("protection_needs", body("protection_needs", drop=("victim",)))[0] == ("victim",)


def test_fears_for_safety_is_a_fact_for_policy() -> None:
    assert signal("protection_needs").attributes()["fears_for_safety"] is True
    calm = signal("protection_needs", needs=["informed_before_release"], previous_needs=["safe_address"])
    assert calm.attributes()["fears_for_safety"] is False


# Victim informed: what about, when, how; the names the obligation "victim warned" will read.


def test_victim_informed_names_what_when_and_how() -> None:
    informed = signal("victim_informed")
    assert informed.attributes() == {"minors_involved": False, "about": "release"}
    assert str(signal("victim_informed", about_signal=None).model_dump()["about_signal"]) == "None"
    for field, wrong in (("about", "arrest"), ("channel", "email"), ("about_signal", "not-a-uuid")):
        assert rejection("victim_informed", body("victim_informed", **{field: wrong}))[0] == (field,)
    loc, message = rejection("victim_informed", body("victim_informed", informed_at="2026-11-06T10:30:00"))
    assert loc == ("informed_at",) and "timezone" in message
    assert {"about", "informed_at"} <= set(CATALOGUE["victim_informed"].model_fields)


# Child protection: the Board's inquiry or measure, about a child.


def test_a_child_protection_signal_is_about_a_child_and_linked_by_it() -> None:
    inquiry = signal("child_protection")
    assert inquiry.subject() == inquiry.children[0]
    assert inquiry.attributes() == {
        "minors_involved": True,
        "child_protection_kind": "inquiry",
        "child_protection_measure": None,
        "child_protection_status": "started",
    }
    loc, message = rejection("child_protection", body("child_protection", children=[]))
    assert loc == ("children",)
    assert "at least 1 item" in message
    # without parents (not known to the Board, or not to be named) the child is still the subject
    alone = signal("child_protection", suspect=None, victim=None)
    assert alone.subject() == alone.children[0]


def test_a_measure_says_which_and_an_inquiry_has_none() -> None:
    placed = signal("child_protection", kind="measure", measure="out_of_home_placement", ends_on="2027-11-11")
    assert placed.attributes()["child_protection_measure"] == "out_of_home_placement"
    loc, message = rejection("child_protection", body("child_protection", kind="measure"))
    assert loc == ("measure",) and "kind 'measure' needs the measure" in message
    loc, message = rejection("child_protection", body("child_protection", measure="supervision_order"))
    assert loc == ("measure",) and "an inquiry has no measure" in message


def test_an_ended_inquiry_or_measure_says_when_and_not_before_it_started() -> None:
    ended = signal("child_protection", status="ended", ended_on="2027-02-01")
    assert ended.attributes()["child_protection_status"] == "ended"
    loc, message = rejection("child_protection", body("child_protection", status="ended"))
    assert loc == ("ended_on",) and "status 'ended' needs ended_on" in message
    loc, message = rejection("child_protection", body("child_protection", ended_on="2027-02-01"))
    assert loc == ("ended_on",) and "status 'started' has no ended_on" in message
    early = body("child_protection", status="ended", ended_on="2026-11-11")
    loc, message = rejection("child_protection", early)
    assert loc == ("ended_on",) and "ended_on must not be before started_on (2026-11-12)" in message
    loc, message = rejection("child_protection", body("child_protection", ends_on="2026-11-01"))
    assert loc == ("ends_on",) and "ends_on must not be before started_on" in message


# The case conference: its plan, each task owned by a chain partner or named outside the chain.


def test_a_case_conference_names_the_partners_at_the_table_and_the_owners_of_its_tasks() -> None:
    held = signal("case_conference")
    assert held.attributes() == {
        "minors_involved": False,
        "conference_status": "held",
        "participants": ["3ro", "om", "police", "veiligthuis", "zvh"],
        "task_owners": ["3ro", "police", "veiligthuis"],  # task 3 done; task 4 the municipality's
        "open_tasks": True,
    }


def test_a_task_is_owned_by_a_chain_partner_or_by_a_named_organisation_outside_it() -> None:
    tasks = body("case_conference")["tasks"]
    typo = [{**tasks[0], "owner": "polcie"}]
    loc, message = rejection("case_conference", body("case_conference", tasks=typo))
    assert loc == ("tasks", 0, "owner") and "'polcie' is not a chain partner's code" in message
    unnamed = [{**tasks[3], "owner_name": None}]
    loc, message = rejection("case_conference", body("case_conference", tasks=unnamed))
    assert loc == ("tasks", 0, "owner_name") and "owner 'other' needs owner_name" in message
    named_partner = [{**tasks[0], "owner_name": "Politie Rotterdam"}]
    loc, message = rejection("case_conference", body("case_conference", tasks=named_partner))
    assert loc == ("tasks", 0, "owner_name") and "'police' is a chain partner" in message


def test_a_plan_names_each_task_once_and_a_scheduled_conference_has_none() -> None:
    tasks = body("case_conference")["tasks"]
    loc, message = rejection("case_conference", body("case_conference", tasks=[tasks[0], tasks[0]]))
    assert loc == ("tasks",) and "each task_id once" in message
    loc, message = rejection("case_conference", body("case_conference", status="scheduled"))
    assert loc == ("tasks",) and "a scheduled conference has no plan yet" in message
    assert signal("case_conference", status="scheduled", tasks=[]).attributes()["task_owners"] == []
    loc, message = rejection("case_conference", body("case_conference", participants=["police", "gemeente"]))
    assert loc == ("participants",) and "'gemeente' is not a chain partner's code" in message
    loc, message = rejection("case_conference", body("case_conference", suspect=None, victim=None))
    assert "names the suspect or the victim" in message
