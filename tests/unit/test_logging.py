"""No BSN, no name field, no free text in a log line, whatever logs it."""

from __future__ import annotations

import io
import json
import logging

from gateway.logging import configure_logging, get_logger


def lines_of(emit) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    stream = io.StringIO()
    configure_logging("INFO", stream)
    emit()
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_bsn_anywhere_in_a_line_is_masked_and_other_numbers_stay() -> None:
    [line] = lines_of(
        lambda: get_logger("test").warning("refused 111222333", detail="victim 123456782; offset 123456789")
    )
    text = json.dumps(line)
    assert "111222333" not in text and "123456782" not in text
    assert "[bsn]" in line["event"]
    assert "123456789" in line["detail"]  # fails the 11-test: not a BSN, just a number


def test_fields_named_like_personal_data_are_dropped() -> None:
    [line] = lines_of(
        lambda: get_logger("test").info("x", given_name="Lotte", description="free text", org="om")
    )
    assert line["given_name"] == "[removed]" and line["description"] == "[removed]"
    assert line["org"] == "om"


def test_libraries_logging_through_the_standard_library_are_scrubbed_too() -> None:
    [line] = lines_of(lambda: logging.getLogger("aiokafka").error("bad record: {'bsn': '100000009'}"))
    assert "100000009" not in json.dumps(line)


def test_structures_are_scrubbed_inside() -> None:
    [line] = lines_of(
        lambda: get_logger("test").info("x", topics=["inbox.om"], extra={"k": "999990019", "bsn": "1"})
    )
    assert "999990019" not in json.dumps(line)
    assert line["topics"] == ["inbox.om"] and line["extra"]["bsn"] == "[removed]"
