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


def test_a_trace_id_or_uuid_that_holds_a_bsn_like_run_is_kept_whole_elsewhere_masked() -> None:
    trace = "1cdb0ca123456782cce18e08136170f0"  # 32 hex digits, 123456782 passes the 11-test
    signal = "0f3a1c2e-4b5d-4e6f-8a7b-123456782abc"
    [line] = lines_of(
        lambda: get_logger("test").info(
            "x", trace_id=trace, signal_id=signal, detail=f"trace {trace}", span_id="bsn 123456782"
        )
    )
    assert line["trace_id"] == trace and line["signal_id"] == signal
    assert "123456782" not in line["detail"], "the same run outside an id's key is masked"
    assert line["span_id"] == "bsn [bsn]", "an id's key with a value not of an id's form is scrubbed"
