from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import orjson
import pytest

from adapters.police.mapping import to_new_report
from adapters.police.native import PoliceReportRecord
from adapters.publish import signal_record
from gateway.decisions import Decision, Level
from gateway.kafka import Record
from gateway.pipeline import MAX_BODY_BYTES, Accepted, Rejected, emit, identify, reject, validate
from gateway.schemas import NewReport
from gateway.schemas.problems import Problem

KEY = b"test-key"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SAMPLE = Path(__file__).parents[2] / "adapters" / "police" / "samples" / "report-1.json"


def report() -> NewReport:
    return to_new_report(PoliceReportRecord.model_validate_json(SAMPLE.read_bytes()))


def police_record() -> Record:
    record, _ = signal_record("police", report(), signal_id=uuid4(), pseudonym_key=KEY)
    return record


def accepted() -> Accepted:
    checked = validate(police_record())
    assert not isinstance(checked, Rejected)
    result = identify(*checked, key=KEY)
    assert isinstance(result, Accepted)
    return result


def with_header(record: Record, name: str, value: bytes) -> Record:
    headers = [(k, value if k == name else v) for k, v in record.headers]
    return Record(record.topic, record.key, record.value, headers)


def test_a_valid_signal_passes() -> None:
    checked = validate(police_record())
    assert not isinstance(checked, Rejected)
    envelope, signal = checked
    assert envelope.org == "police"
    assert signal == report()


def test_headers_carry_no_personal_data() -> None:
    record = police_record()
    header_text = b" ".join(value for _, value in record.headers)
    for secret in (b"111222333", b"123456782", b"Lotte", b"Verhoef", b"1993-08-30"):
        assert secret not in header_text
        assert secret not in (record.key or b"")


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: Record("signals.unknown", r.key, r.value, r.headers), "unknown_topic"),
        (lambda r: Record(r.topic, r.key, b"{" * (MAX_BODY_BYTES + 1), r.headers), "too_large"),
        (lambda r: Record(r.topic, r.key, r.value, r.headers[1:]), "missing_headers"),
        (lambda r: with_header(r, "ce_time", b"yesterday"), "invalid_header"),
        (lambda r: Record(r.topic, r.key, b"[1, 2]", r.headers), "bad_json"),
        (lambda r: with_header(r, "ce_source", b"urn:ketenpoort:om"), "source_mismatch"),
        (lambda r: with_header(r, "ce_type", b"nl.ketenpoort.gossip.v1"), "unknown_type"),
        (lambda r: with_header(r, "ce_type", b"nl.ketenpoort.new_report.v2"), "unsupported_version"),
        (lambda r: Record(r.topic, r.key, b"not json", r.headers), "bad_json"),
        (lambda r: Record(r.topic, r.key, b'{"kind": "gerucht"}', r.headers), "schema_violation"),
    ],
)
def test_each_kind_of_bad_input_is_rejected_with_its_reason(mutate, reason: str) -> None:  # type: ignore[no-untyped-def]
    checked = validate(mutate(police_record()))
    assert isinstance(checked, Rejected)
    assert checked.reason == reason
    assert checked.detail


def test_schema_violations_name_the_field_but_not_the_value() -> None:
    body = orjson.loads(police_record().value)
    body["victim"]["bsn"] = "123456789"
    record = police_record()
    checked = validate(Record(record.topic, record.key, orjson.dumps(body), record.headers))
    assert isinstance(checked, Rejected)
    [problem] = checked.problems
    assert problem.path == "victim.bsn"
    assert "11-test" in problem.message
    assert "123456789" not in checked.detail


def test_a_signal_about_nobody_is_rejected() -> None:
    checked = validate(police_record())
    assert not isinstance(checked, Rejected)
    envelope, signal = checked
    nobody = signal.model_copy(update={"suspect": None, "victim": None})
    result = identify(envelope, nobody, key=KEY)
    assert isinstance(result, Rejected) and result.reason == "no_subject"


def test_emit_redacts_per_recipient_and_skips_none() -> None:
    decisions = {
        "veiligthuis": Decision(
            level=Level.FIELDS, fields=("kind", "victim.given_name"), legal_basis="b", purpose="p"
        ),
        "om": Decision(level=Level.NONE),
        "3ro": Decision(level=Level.DAT, legal_basis="b", purpose="p"),
        "slachtofferhulp": Decision(level=Level.FULL, legal_basis="b", purpose="p"),
    }
    records = {r.topic: r for r in emit(accepted(), decisions, "rev-1", NOW)}
    assert set(records) == {"inbox.veiligthuis", "inbox.3ro", "inbox.slachtofferhulp"}
    vt = orjson.loads(records["inbox.veiligthuis"].value)
    assert vt["body"] == {"kind": "aangifte", "victim": {"given_name": "Lotte"}}
    assert vt["level"] == "fields" and vt["legal_basis"] == "b"
    assert vt["policy_revision"] == "rev-1"
    dat = orjson.loads(records["inbox.3ro"].value)["body"]
    assert dat["involved_organisation"] == "police"
    assert dat["contact"]["role"] == "casusregisseur"
    assert "victim" not in dat and "kind" not in dat
    full = orjson.loads(records["inbox.slachtofferhulp"].value)["body"]
    assert full["description"] == report().description


def test_delivery_ids_are_stable_per_signal_and_recipient() -> None:
    one = accepted()
    decision = {"veiligthuis": Decision(level=Level.FULL)}
    first = orjson.loads(emit(one, decision, "rev-1", NOW)[0].value)["delivery_id"]
    again = orjson.loads(emit(one, decision, "rev-1", NOW)[0].value)["delivery_id"]
    assert first == again


def test_deliveries_are_keyed_by_pseudonym_and_carry_the_trace() -> None:
    one = accepted()
    [record] = emit(one, {"veiligthuis": Decision(level=Level.FULL)}, "rev-1", NOW)
    assert record.key == one.pseudonym.encode()
    assert dict(record.headers)["traceparent"] == one.envelope.traceparent.encode()
    assert dict(record.headers)["ce_source"] == b"urn:ketenpoort:gateway"


def test_reject_keeps_the_record_and_tells_the_sender() -> None:
    record = Record("signals.police", b"k", b"not json", [("x", b"y")], partition=2, offset=41)
    problem = Problem(path="(body)", message="not JSON", expected="a JSON object")
    dlq, receipt = reject(record, Rejected("bad_json", (problem,), "id-1"), NOW)
    assert dlq.topic == "gateway.dlq"
    assert dlq.value == record.value and dlq.key == record.key
    assert ("x", b"y") in dlq.headers
    assert dict(dlq.headers)["kp_error_reason"] == b"bad_json"
    assert dict(dlq.headers)["kp_source_offset"] == b"41"
    assert receipt.topic == "inbox.police"
    body = orjson.loads(receipt.value)
    assert body == {
        "signal_id": "id-1",
        "reason": "bad_json",
        "detail": "(body): not JSON (expected a JSON object)",
        "problems": [{"path": "(body)", "message": "not JSON", "expected": "a JSON object"}],
        "topic": "signals.police",
        "partition": 2,
        "offset": 41,
    }


def test_reject_from_an_unknown_topic_only_dead_letters() -> None:
    record = Record("signals.nobody", None, b"x", [])
    [dlq] = reject(record, Rejected("unknown_topic", (Problem(path="topic", message="unknown"),)), NOW)
    assert dlq.topic == "gateway.dlq"
