"""`ketenpoort validate`: check signals in files exactly as the gateway's front door would.

A file holds one JSON object, or JSON lines (one per line). Each message is
`{"ce": {"specversion", "id", "source", "type", "time", "dataschema", "traceparent"}, "data": {...}}`:
the envelope attributes as a `ce` object beside the body.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from gateway.kafka import Record
from gateway.pipeline import Rejected, identify, validate
from gateway.schemas.envelope import CONTENT_TYPE, SOURCE_RE
from gateway.schemas.problems import Problem
from gateway.topics import signals_topic

VALIDATION_KEY = b"validation-only"  # pseudonyms computed here are thrown away


@dataclass(frozen=True)
class Outcome:
    location: str
    valid: bool
    signal_type: str | None = None
    signal_id: str | None = None
    reason: str | None = None
    problems: list[Problem] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "valid": self.valid,
            "signal_type": self.signal_type,
            "signal_id": self.signal_id,
            "reason": self.reason,
            "problems": [problem.model_dump() for problem in self.problems],
        }


def header_name(attribute: str) -> str:
    """The Kafka header of a CloudEvents attribute in binary mode (`datacontenttype` is `content-type`)."""
    if attribute == "datacontenttype":
        return "content-type"
    return attribute if attribute.startswith("ce_") or attribute == "traceparent" else f"ce_{attribute}"


def as_record(message: Any) -> Record | Outcome:
    """The Kafka record the message stands for, sent on its source's own topic."""
    if not isinstance(message, dict) or not isinstance(message.get("ce"), dict) or "data" not in message:
        problem = Problem(path="(message)", message="not a signal", expected='{"ce": {...}, "data": {...}}')
        return Outcome("", False, reason="bad_message", problems=[problem])
    ce: dict[str, Any] = message["ce"]
    # As a real sender's system sends it: with `content-type`, unless the message names its own.
    headers = [(header_name(name), str(value).encode()) for name, value in ce.items()]
    if "datacontenttype" not in ce:
        headers.append(("content-type", CONTENT_TYPE.encode()))
    match = SOURCE_RE.match(str(ce.get("source", "")))
    topic = signals_topic(match["org"]) if match else signals_topic("police")  # the envelope check reports it
    return Record(topic=topic, key=None, value=orjson.dumps(message["data"]), headers=headers)


def check(message: Any, location: str) -> Outcome:
    record = as_record(message)
    if isinstance(record, Outcome):
        return Outcome(location, False, reason=record.reason, problems=record.problems)
    checked = validate(record)
    outcome = checked if isinstance(checked, Rejected) else identify(*checked, key=VALIDATION_KEY)
    if isinstance(outcome, Rejected):
        return Outcome(
            location,
            False,
            signal_id=outcome.signal_id,
            reason=outcome.reason,
            problems=list(outcome.problems),
        )
    return Outcome(location, True, signal_type=outcome.envelope.signal, signal_id=str(outcome.envelope.id))


def messages(path: Path) -> Iterator[tuple[str, Any]]:
    """(location, parsed message) for each message in the file; unparsable lines as Outcome."""
    text = path.read_bytes()
    try:
        yield str(path), orjson.loads(text)
        return
    except orjson.JSONDecodeError:
        pass
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"{path}:{number}", orjson.loads(line)
        except orjson.JSONDecodeError as error:
            yield (
                f"{path}:{number}",
                Outcome(
                    f"{path}:{number}",
                    False,
                    reason="bad_json",
                    problems=[
                        Problem(path="(message)", message=f"not JSON: {error}", expected="a JSON object")
                    ],
                ),
            )


def validate_files(paths: list[Path]) -> list[Outcome]:
    outcomes = []
    for path in paths:
        if not path.is_file():
            problem = Problem(path="(file)", message="no such file", expected="a readable file")
            outcomes.append(Outcome(str(path), False, reason="no_file", problems=[problem]))
            continue
        for location, message in messages(path):
            outcomes.append(message if isinstance(message, Outcome) else check(message, location))
    return outcomes
