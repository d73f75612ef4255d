"""The corpus of bad inputs in tests/data/bad/: each file describes one broken record, built from a
valid example in docs/examples/, and the reason the gateway must give for refusing it."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import orjson

from gateway.kafka import Record
from gateway.topics import signals_topic
from tools.contracts.examples import example
from tools.contracts.validate import as_record

ROOT = Path(__file__).parents[1]
CORPUS = ROOT / "tests" / "data" / "bad"
EXAMPLES = ROOT / "docs" / "examples"


@dataclass(frozen=True)
class BadCase:
    name: str
    about: str
    record: Record
    reason: str
    problem_path: str | None


def _walk(data: Any, path: str) -> tuple[Any, str | int]:
    *parents, last = path.split(".")
    for part in parents:
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data, int(last) if isinstance(data, list) else last


def build(spec: dict[str, Any], name: str = "case") -> Record:
    base = example(spec["example"])
    # An id of its own: a refused signal must never share its id with a valid example that is
    # delivered elsewhere (the tests check no refused id is ever delivered).
    ce = {**base.ce, "id": str(uuid5(NAMESPACE_URL, f"urn:ketenpoort:test:bad:{name}"))}
    message = {"ce": ce, "data": copy.deepcopy(base.data)}
    for path, value in spec.get("set", {}).items():
        parent, key = _walk(message["data"], path)
        parent[key] = value
    for path in spec.get("remove", []):
        parent, key = _walk(message["data"], path)
        del parent[key]
    for attribute, value in spec.get("ce", {}).items():
        if value is None:
            message["ce"].pop(attribute, None)
        else:
            message["ce"][attribute] = value
    record = as_record(message)
    assert isinstance(record, Record)
    topic = spec.get("topic") or signals_topic(base.sender)
    value = record.value
    if "raw" in spec:
        value = spec["raw"].encode()
    if "raw_hex" in spec:
        value = bytes.fromhex(spec["raw_hex"])
    if "nest_depth" in spec:
        value = b'{"kind": ' + b'{"a": ' * spec["nest_depth"] + b"1" + b"}" * spec["nest_depth"] + b"}"
    if "pad_to_bytes" in spec:
        data = orjson.loads(value)
        data["description"] = "x" * spec["pad_to_bytes"]
        value = orjson.dumps(data)
    headers = record.headers
    # Header values that are not text: bytes a sender's system may put there (hex per header).
    for name, raw in spec.get("headers_hex", {}).items():
        headers = [(n, bytes.fromhex(raw) if n == name else v) for n, v in headers]
    return Record(topic=topic, key=None, value=value, headers=headers)


def load() -> list[BadCase]:
    cases = []
    for path in sorted(CORPUS.glob("*.json")):
        spec = json.loads(path.read_text())
        record = build(spec, path.stem)
        cases.append(BadCase(path.stem, spec["about"], record, spec["reason"], spec.get("problem_path")))
    return cases
