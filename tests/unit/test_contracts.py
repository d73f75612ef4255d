"""The published contracts stay true to the code: schemas, versions, the guide, the AsyncAPI document."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import jsonschema as jsonschema_lib
import pytest
import yaml

from gateway.schemas import CATALOGUE
from gateway.topics import all_topics
from tools.contracts import asyncapi, guide
from tools.contracts.cli import ASYNCAPI_FILE
from tools.contracts.compat import incompatibilities
from tools.contracts.examples import example
from tools.contracts.jsonschema import SCHEMA_DIR, export, published_models, schema_of, stale, versions
from tools.contracts.validate import Outcome, check

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
FIX = "run `ketenpoort contracts export` and `ketenpoort contracts docs`, and commit the result"


def test_exported_json_schemas_are_current() -> None:
    assert stale() == [], f"stale JSON Schemas: {FIX}"


def test_staleness_is_detected(tmp_path: Path) -> None:
    export(tmp_path)
    assert stale(tmp_path) == []
    victim = tmp_path / "new_report" / "1.0.json"
    victim.write_text(victim.read_text().replace("Melding", "Report"))
    assert stale(tmp_path) == ["new_report 1.0"]


@pytest.mark.parametrize("model", published_models(), ids=lambda model: model.name)
def test_each_minor_version_accepts_what_the_one_before_accepted(model: type) -> None:
    stored = versions(model.name)
    assert stored, f"no stored schema for {model.name}"
    for (older, old_schema), (newer, new_schema) in pairwise(stored):
        if older[0] == newer[0]:
            problems = incompatibilities(old_schema, new_schema)
            assert problems == [], (
                f"{model.name} {newer} breaks {older}: make it a new major version: {problems}"
            )


def test_a_breaking_change_within_a_major_version_is_caught(tmp_path: Path) -> None:
    """What the versioning test would say if someone added a required field in 1.1."""
    old = schema_of(CATALOGUE["new_report"])
    new = json.loads(json.dumps(old))
    new["required"].append("suspect")
    (tmp_path / "new_report").mkdir()
    (tmp_path / "new_report" / "1.0.json").write_text(json.dumps(old))
    (tmp_path / "new_report" / "1.1.json").write_text(json.dumps(new))
    [(_, first), (_, second)] = versions("new_report", tmp_path)
    assert incompatibilities(first, second) == ["(body).suspect: newly required"]


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_type_has_an_example_its_published_schema_accepts(name: str) -> None:
    example = json.loads((EXAMPLES / f"{name}.json").read_text())
    schema = json.loads((SCHEMA_DIR / name / f"{CATALOGUE[name].version}.json").read_text())
    jsonschema_lib.validate(example["data"], schema)
    assert example["ce"]["type"] == f"nl.ketenpoort.{name}.v1"


def test_the_contracts_guide_is_current() -> None:
    assert guide.GUIDE.read_text() == guide.render(), f"docs/contracts.md is stale: {FIX}"


def test_the_guide_explains_every_signal() -> None:
    text = guide.render()
    for name, model in CATALOGUE.items():
        assert f"## {name}" in text
        assert f"nl.ketenpoort.{name}.v1" in text
        assert (model.__doc__ or "").split("*")[1] in text  # the Dutch term


def test_the_asyncapi_document_is_current() -> None:
    assert ASYNCAPI_FILE.read_text() == asyncapi.render(), f"docs/asyncapi.yaml is stale: {FIX}"


def test_the_asyncapi_document_describes_every_topic_the_gateway_uses() -> None:
    document = yaml.safe_load(ASYNCAPI_FILE.read_text())
    assert document["asyncapi"].startswith("3.")
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == set(all_topics())
    schemas = document["components"]["schemas"]
    for model in CATALOGUE.values():
        assert model.__name__ in schemas
    signal_messages = [
        m for name, m in document["components"]["messages"].items() if name.startswith("signals:")
    ]
    assert signal_messages and all(len(m["payload"]["oneOf"]) == len(CATALOGUE) for m in signal_messages)


# safety_assessment 1.1 added `follow_up_months`: what a sender of 1.0 sends is still accepted.


def _safety_assessment(dataschema_version: str, **data: object) -> Outcome:
    case = example("safety_assessment")
    ce = {**case.ce, "dataschema": f"urn:ketenpoort:schema:safety_assessment:{dataschema_version}"}
    return check({"ce": ce, "data": {**case.data, **data}}, "test")


def test_safety_assessment_1_1_is_a_minor_version_after_1_0() -> None:
    model = CATALOGUE["safety_assessment"]
    assert model.version == "1.1"
    assert model.versions() == ("1.0", "1.1")
    assert [version for version, _ in versions("safety_assessment")] == [(1, 0), (1, 1)]


def test_what_safety_assessment_1_0_accepted_1_1_accepts() -> None:
    [(_, old), (_, new)] = versions("safety_assessment")
    body = example("safety_assessment").data
    jsonschema_lib.validate(body, old)
    jsonschema_lib.validate(body, new)
    assert "follow_up_months" not in old["properties"]
    assert "follow_up_months" not in new.get("required", [])


def test_a_sender_of_safety_assessment_1_0_is_still_accepted() -> None:
    outcome = _safety_assessment("1.0")
    assert outcome.valid, outcome.problems
    signal = CATALOGUE["safety_assessment"].model_validate(example("safety_assessment").data)
    assert signal.model_dump()["follow_up_months"] is None  # the assessment of a report


@pytest.mark.parametrize("months", [3, 12, 18])
def test_a_follow_up_safety_assessment_says_its_moment_under_1_1(months: int) -> None:
    assert _safety_assessment("1.1", follow_up_months=months).valid
    [(_, old), (_, new)] = versions("safety_assessment")
    body = {**example("safety_assessment").data, "follow_up_months": months}
    jsonschema_lib.validate(body, new)
    with pytest.raises(jsonschema_lib.ValidationError):
        jsonschema_lib.validate(body, old)  # 1.0 has no such field


def test_a_follow_up_moment_the_chain_does_not_have_is_refused() -> None:
    outcome = _safety_assessment("1.1", follow_up_months=6)
    assert (outcome.valid, outcome.reason) == (False, "schema_violation")
    assert [problem.path for problem in outcome.problems] == ["follow_up_months"]


def test_a_safety_assessment_minor_the_gateway_does_not_know_yet_names_the_ones_it_does() -> None:
    outcome = _safety_assessment("1.2")
    assert (outcome.valid, outcome.reason) == (False, "unsupported_version")
    [problem] = outcome.problems
    assert problem.expected == (
        "urn:ketenpoort:schema:safety_assessment:1.0 or urn:ketenpoort:schema:safety_assessment:1.1"
    )


# The measure kinds and contact roles of 1.1 (the tijdelijk huisverbod, the civil bans, the
# procesregisseur and the slachtoffercoördinator): code-table additions, so a minor version of every
# signal that carries them; what a sender of 1.0 sends is still accepted.

NEW_CODES = {
    "measure_imposed": ("kind", ["temporary_restraining_order", "civil_contact_ban", "civil_area_ban"]),
    "measure_extended": ("kind", ["temporary_restraining_order", "civil_contact_ban", "civil_area_ban"]),
    "measure_ended": ("kind", ["temporary_restraining_order", "civil_contact_ban", "civil_area_ban"]),
    "breach_of_conditions": (
        "measure",
        ["temporary_restraining_order", "civil_contact_ban", "civil_area_ban"],
    ),
    "arrest": ("measure", ["temporary_restraining_order", "civil_contact_ban", "civil_area_ban"]),
    "contact_assigned": ("role", ["process_director", "victim_coordinator"]),
    "contact_changed": ("role", ["process_director", "victim_coordinator"]),
}


def _checked(name: str, dataschema_version: str, **data: object) -> Outcome:
    case = example(name)
    ce = {**case.ce, "dataschema": f"urn:ketenpoort:schema:{name}:{dataschema_version}"}
    return check({"ce": ce, "data": {**case.data, **data}}, "test")


@pytest.mark.parametrize("name", sorted(NEW_CODES))
def test_the_new_codes_are_a_minor_version_after_1_0(name: str) -> None:
    model = CATALOGUE[name]
    assert (model.version, model.versions()) == ("1.1", ("1.0", "1.1"))
    assert [version for version, _ in versions(name)] == [(1, 0), (1, 1)]
    [(_, old), (_, new)] = versions(name)
    assert incompatibilities(old, new) == []
    assert _checked(name, "1.0").valid, _checked(name, "1.0").problems  # a sender of 1.0


@pytest.mark.parametrize(("name", "code"), [(n, c) for n, (_, codes) in NEW_CODES.items() for c in codes])
def test_a_new_code_is_in_1_1_and_not_in_1_0(name: str, code: str) -> None:
    field, _ = NEW_CODES[name]
    data = {field: code}
    if name == "measure_imposed" and code == "temporary_restraining_order":
        data["ends_on"] = "2026-11-15"
    outcome = _checked(name, "1.1", **data)
    assert outcome.valid, outcome.problems
    [(_, old), (_, new)] = versions(name)
    body = {**example(name).data, **data}
    jsonschema_lib.validate(body, new)
    with pytest.raises(jsonschema_lib.ValidationError):
        jsonschema_lib.validate(body, old)  # 1.0 has no such code


def test_a_temporary_restraining_order_is_imposed_with_its_end_date() -> None:
    outcome = _checked("measure_imposed", "1.1", kind="temporary_restraining_order", ends_on=None)
    assert (outcome.valid, outcome.reason) == (False, "schema_violation")
    assert [problem.path for problem in outcome.problems] == ["ends_on"]
    # the other measures may still run until a later decision
    assert _checked("measure_imposed", "1.1", kind="civil_contact_ban", ends_on=None).valid
