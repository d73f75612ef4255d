from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from gateway.schemas import Envelope, EnvelopeError, new_envelope


def envelope() -> Envelope:
    return new_envelope(
        org="police",
        signal="new_report",
        version="1.2",
        unit="rotterdam",
        id=UUID("8d3f3c3e-8f7a-4b6e-9a57-0c4a4b1f0d11"),
        time=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
    )


def test_builder_follows_the_cloudevents_conventions() -> None:
    env = envelope()
    assert env.source == "urn:ketenpoort:police:rotterdam"
    assert env.type == "nl.ketenpoort.new_report.v1"
    assert env.dataschema == "urn:ketenpoort:schema:new_report:1.2"
    assert env.org == "police"
    assert env.signal == "new_report"
    assert len(env.trace_id) == 32


def test_headers_round_trip() -> None:
    env = envelope()
    headers = env.to_headers()
    assert dict(headers)["ce_specversion"] == b"1.0"
    assert dict(headers)["content-type"] == b"application/json"
    assert Envelope.from_headers(headers) == env


def test_missing_headers_are_named() -> None:
    headers = [(k, v) for k, v in envelope().to_headers() if k not in ("ce_type", "traceparent")]
    with pytest.raises(EnvelopeError, match=r"header ce_type: missing; header traceparent: missing"):
        Envelope.from_headers(headers)


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        ("ce_source", b"police", "header ce_source"),
        ("ce_type", b"new_report", "header ce_type"),
        ("ce_time", b"yesterday", "header ce_time"),
        ("ce_time", b"2026-11-23T12:00:00", "header ce_time.*UTC offset"),  # no time zone
        ("ce_id", b"42", "header ce_id.*UUID"),
        ("traceparent", b"00-xyz", "header traceparent"),
        ("ce_specversion", b"0.3", "ce_specversion"),
        ("ce_source", b"\xff\xfe", "not UTF-8"),
    ],
)
def test_a_bad_attribute_is_named(header: str, value: bytes, message: str) -> None:
    headers = [(k, value if k == header else v) for k, v in envelope().to_headers()]
    with pytest.raises(EnvelopeError, match=message):
        Envelope.from_headers(headers)
