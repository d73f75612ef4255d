from __future__ import annotations

from typing import Any

from gateway.redact import redact, withheld

BODY: dict[str, Any] = {
    "kind": "aangifte",
    "description": "free text",
    "victim": {"bsn": "123456782", "given_name": "Lotte", "address": {"street": "Laan", "city": "Rotterdam"}},
    "children": [{"given_name": "Mila", "bsn": None}, {"given_name": "Ties", "bsn": "100000009"}],
    "contact": {"name": "J. Bakker", "phone": "+31 10 000 0001"},
}


def test_only_granted_fields_are_kept() -> None:
    assert redact(BODY, ["kind"]) == {"kind": "aangifte"}


def test_a_granted_object_is_kept_whole() -> None:
    assert redact(BODY, ["contact"]) == {"contact": BODY["contact"]}


def test_nested_paths_keep_just_that_part() -> None:
    assert redact(BODY, ["victim.given_name", "victim.address.city"]) == {
        "victim": {"given_name": "Lotte", "address": {"city": "Rotterdam"}}
    }


def test_paths_into_lists_apply_to_every_element() -> None:
    assert redact(BODY, ["children.given_name"]) == {
        "children": [{"given_name": "Mila"}, {"given_name": "Ties"}]
    }


def test_a_whole_grant_wins_over_a_nested_one_in_any_order() -> None:
    assert redact(BODY, ["victim.bsn", "victim"]) == {"victim": BODY["victim"]}
    assert redact(BODY, ["victim", "victim.bsn"]) == {"victim": BODY["victim"]}


def test_nothing_granted_is_nothing_kept() -> None:
    assert redact(BODY, []) == {}


def test_unknown_paths_add_nothing() -> None:
    assert redact(BODY, ["nonexistent", "kind.deeper"]) == {}


def test_withheld_lists_what_was_not_granted() -> None:
    assert withheld(BODY, ["kind", "victim.given_name", "children", "contact"]) == [
        "description",
        "victim.bsn",
        "victim.address",
    ]
