"""The compatibility rule: a new minor version accepts every message the previous one accepted."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gateway.schemas import CATALOGUE
from tools.contracts.compat import incompatibilities
from tools.contracts.jsonschema import schema_of

BASE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["kind", "person"],
    "properties": {
        "kind": {"enum": ["melding", "aangifte"], "type": "string"},
        "place": {"type": "string", "maxLength": 200},
        "person": {"$ref": "#/$defs/Person"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
    },
    "$defs": {
        "Person": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {"name": {"type": "string", "pattern": "^[A-Z]"}},
        }
    },
}


def changed(edit: Any) -> dict[str, Any]:
    new = copy.deepcopy(BASE)
    edit(new)
    return new


def test_identical_schemas_are_compatible() -> None:
    assert incompatibilities(BASE, copy.deepcopy(BASE)) == []


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: s["properties"].update(extra={"type": "integer"}),  # a new optional field
        lambda s: s["properties"]["kind"]["enum"].append("signaal"),  # a new enum value
        lambda s: s["properties"]["place"].update(maxLength=400),  # a wider limit
        lambda s: s["required"].remove("person"),  # a field becomes optional
        lambda s: s["properties"]["place"].update(description="Municipality."),  # documentation
        lambda s: s["properties"].update(place={"anyOf": [{"type": "string"}, {"type": "null"}]}),
    ],
)
def test_widening_changes_are_compatible(edit: Any) -> None:
    assert incompatibilities(BASE, changed(edit)) == []


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda s: s["required"].append("place"), "(body).place: newly required"),
        (lambda s: s["properties"].pop("place"), "(body).place: removed"),
        (lambda s: s["properties"]["kind"]["enum"].remove("melding"), "enum values removed: ['melding']"),
        (lambda s: s["properties"]["place"].update(maxLength=100), "maxLength lowered"),
        (lambda s: s["properties"]["place"].update(minLength=3), "minLength raised"),
        (lambda s: s["properties"]["place"].update(type="integer"), "type ['string'] became ['integer']"),
        (
            lambda s: s["$defs"]["Person"]["properties"]["name"].update(pattern="^[a-z]"),
            "person.name: pattern",
        ),
        (lambda s: s["$defs"]["Person"]["required"].append("born"), "person.born: newly required"),
        (lambda s: s["properties"]["tags"]["items"].update(type="integer"), "tags[]: type"),
        (lambda s: s["properties"].update(note={"type": "string"}), "note: an accepted alternative"),
        (lambda s: s["properties"]["place"].update(multipleOf=2), "'multipleOf' changed"),
    ],
)
def test_narrowing_changes_are_not(edit: Any, named: str) -> None:
    problems = incompatibilities(BASE, changed(edit))
    assert any(named in problem for problem in problems), problems


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_signal_schema_is_compatible_with_itself(name: str) -> None:
    """The checker understands every keyword the real schemas use (else it would flag them)."""
    schema = schema_of(CATALOGUE[name])
    assert incompatibilities(schema, copy.deepcopy(schema)) == []
