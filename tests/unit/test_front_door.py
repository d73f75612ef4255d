"""The front door, pure: every bad input in the corpus is refused with its reason and a problem a
sender can act on; no input of any shape makes validation raise."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.kafka import Record
from gateway.pipeline import Rejected, identify, validate
from gateway.schemas import CATALOGUE
from gateway.topics import signals_topic
from tests.front_door_corpus import BadCase, load
from tools.contracts.examples import example

CASES = load()
KEY = b"test"


def test_the_corpus_is_large_and_covers_every_reason() -> None:
    assert len(CASES) >= 50
    reasons = {case.reason for case in CASES}
    assert reasons >= {
        "bad_json",
        "too_large",
        "missing_headers",
        "invalid_header",
        "source_mismatch",
        "unknown_type",
        "unsupported_version",
        "schema_violation",
        "no_subject",
    }


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_bad_input_is_refused_for_its_reason(case: BadCase) -> None:
    checked = validate(case.record)
    outcome = checked if isinstance(checked, Rejected) else identify(*checked, key=KEY)
    assert isinstance(outcome, Rejected), f"{case.about}: accepted"
    assert outcome.reason == case.reason, f"{case.about}: {outcome.detail}"
    assert outcome.problems and all(problem.message for problem in outcome.problems)
    if case.problem_path is not None:
        assert case.problem_path in [problem.path for problem in outcome.problems], outcome.detail


def header_strategy() -> st.SearchStrategy[list[tuple[str, bytes]]]:
    names = st.sampled_from(
        ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_dataschema", "traceparent", "x"]
    )
    return st.lists(st.tuples(names, st.binary(max_size=60)), max_size=10)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    topic=st.sampled_from(["signals.police", "signals.om", "signals.x", "inbox.police"]),
    value=st.binary(max_size=300),
    headers=header_strategy(),
)
def test_no_bytes_and_headers_make_validation_raise(topic: str, value: bytes, headers: list[Any]) -> None:
    outcome = validate(Record(topic, None, value, headers))
    assert isinstance(outcome, (Rejected, tuple))


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document: object keys and list positions, depth first."""
    found: list[tuple[Any, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in items:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


def mutate(body: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """A near-valid body: a few places replaced by arbitrary JSON, removed, or extra keys added."""
    body = json.loads(json.dumps(body))
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        places = paths(body)
        if not places:
            break
        *parent_path, key = data.draw(st.sampled_from(places))
        parent: Any = body
        for step in parent_path:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            parent[key] = data.draw(JSON)
        elif action == "remove":
            del parent[key]
        elif isinstance(parent, dict):
            parent[data.draw(st.text(max_size=12))] = data.draw(JSON)
    return body


@pytest.mark.parametrize("name", sorted(CATALOGUE))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_signals_never_crash_the_front_door(name: str, data: st.DataObject) -> None:
    """Near-valid bodies of every signal type are accepted or refused with a reason; never a crash."""
    case = example(name)
    headers = case.envelope.to_headers()
    body = mutate(case.data, data)
    topic = signals_topic(case.sender)
    checked = validate(Record(topic, None, json.dumps(body).encode(), headers))
    outcome = checked if isinstance(checked, Rejected) else identify(*checked, key=KEY)
    if isinstance(outcome, Rejected):
        assert outcome.reason in ("schema_violation", "no_subject"), outcome.detail
        assert all(problem.path and problem.message for problem in outcome.problems)
