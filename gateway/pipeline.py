"""One signal's way through the gateway: validate → identify → decide → redact → emit.

Every step but `decide` is a pure function of its inputs, testable without Kafka or OPA.
`Gateway.process` composes them; the FastStream handler only moves records in and out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import orjson
from pydantic import BaseModel, ValidationError

from gateway.decisions import Decision, Level, PolicyEngine, policy_input
from gateway.identity import ChainPseudonym, chain_pseudonym
from gateway.redact import redact
from gateway.schemas import CATALOGUE, Envelope, EnvelopeError, Signal, new_envelope
from gateway.schemas.delivery import Delivery, RejectionReceipt
from gateway.schemas.envelope import Headers
from gateway.topics import DLQ, inbox_topic, sender_of

MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Record:
    """A Kafka record, in or out, with nothing Kafka-client specific."""

    topic: str
    key: bytes | None
    value: bytes
    headers: Headers
    partition: int = 0
    offset: int = 0


@dataclass(frozen=True)
class Accepted:
    envelope: Envelope
    signal: Signal
    pseudonym: ChainPseudonym


@dataclass(frozen=True)
class Rejected:
    reason: str
    detail: str
    signal_id: str | None = None


def _schema_detail(error: ValidationError) -> str:
    """Each problem as `path: message`; never the offending value, which may be personal data."""
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in item["loc"]) or "(body)"
        problems.append(f"{path}: {item['msg']}")
    return "; ".join(problems)


def validate(record: Record) -> tuple[Envelope, Signal] | Rejected:
    """Check the record is a well-formed signal its sender may send. Rejections say what to fix."""
    sender = sender_of(record.topic)
    if sender is None:
        return Rejected("unknown_topic", f"{record.topic} is not a signals.<organisation> topic")
    if len(record.value) > MAX_BODY_BYTES:
        return Rejected("too_large", f"body is {len(record.value)} bytes; the limit is {MAX_BODY_BYTES}")
    try:
        envelope = Envelope.from_headers(record.headers)
    except EnvelopeError as error:
        return Rejected("bad_envelope", str(error))
    signal_id = str(envelope.id)
    if envelope.org != sender:
        detail = (
            f"source {envelope.source} does not match topic {record.topic}: send as urn:ketenpoort:{sender}"
        )
        return Rejected("source_mismatch", detail, signal_id)
    model = CATALOGUE.get(envelope.signal)
    if model is None:
        known = ", ".join(sorted(CATALOGUE))
        return Rejected(
            "unknown_type", f"{envelope.type} is not a known signal type; known: {known}", signal_id
        )
    if envelope.type.rsplit(".v", 1)[1] != model.version.split(".")[0]:
        detail = f"{envelope.type}: this gateway accepts major version {model.version.split('.')[0]}"
        return Rejected("unsupported_version", detail, signal_id)
    try:
        body = orjson.loads(record.value)
    except orjson.JSONDecodeError as error:
        return Rejected("bad_json", f"body is not JSON: {error}", signal_id)
    try:
        signal = model.model_validate(body)
    except ValidationError as error:
        return Rejected("schema_violation", _schema_detail(error), signal_id)
    return envelope, signal


def identify(envelope: Envelope, signal: Signal, key: bytes) -> Accepted | Rejected:
    subject = signal.subject()
    if subject is None:
        return Rejected("no_subject", "a signal must name a suspect or a victim", str(envelope.id))
    return Accepted(envelope, signal, chain_pseudonym(subject, key))


def dat_notice(accepted: Accepted) -> dict[str, Any]:
    """dat-informatie: *that* the sender is involved, since when, and whom to call. No content."""
    contact = getattr(accepted.signal, "contact", None)
    return {
        "involved_organisation": accepted.envelope.org,
        "since": accepted.envelope.time.isoformat(),
        "contact": contact.model_dump(mode="json") if isinstance(contact, BaseModel) else None,
    }


def body_for(accepted: Accepted, decision: Decision) -> dict[str, Any] | None:
    """What one recipient may see of the signal; None when it gets nothing."""
    if decision.level is Level.NONE:
        return None
    if decision.level is Level.DAT:
        return dat_notice(accepted)
    body = accepted.signal.model_dump(mode="json")
    return body if decision.level is Level.FULL else redact(body, decision.fields)


def _record(topic: str, key: str | None, model: BaseModel, envelope: Envelope) -> Record:
    return Record(
        topic=topic,
        key=key.encode() if key is not None else None,
        value=orjson.dumps(model.model_dump(mode="json")),
        headers=envelope.to_headers(),
    )


def emit(accepted: Accepted, decisions: dict[str, Decision], now: datetime) -> list[Record]:
    """One inbox record per recipient that gets anything."""
    out = []
    for recipient, decision in decisions.items():
        body = body_for(accepted, decision)
        if body is None:
            continue
        delivery_id = uuid5(accepted.envelope.id, recipient)
        delivery = Delivery(
            delivery_id=delivery_id,
            signal_id=accepted.envelope.id,
            signal_type=accepted.envelope.signal,
            sender=accepted.envelope.org,
            sent_at=accepted.envelope.time,
            recipient=recipient,
            level=decision.level.value,
            fields=list(decision.fields),
            legal_basis=decision.legal_basis,
            purpose=decision.purpose,
            urgency=decision.urgency,
            chain_pseudonym=accepted.pseudonym,
            body=body,
        )
        headers = new_envelope(
            org="gateway",
            signal=accepted.envelope.signal,
            version=Delivery.version,
            id=delivery_id,
            time=now,
            traceparent=accepted.envelope.traceparent,
        )
        out.append(_record(inbox_topic(recipient), accepted.pseudonym, delivery, headers))
    return out


def reject(record: Record, rejected: Rejected, now: datetime) -> list[Record]:
    """The untouched record to the dead-letter topic with the reason, and a receipt to the sender."""
    reason_headers = [
        ("kp_error_reason", rejected.reason.encode()),
        ("kp_error_detail", rejected.detail.encode()),
        ("kp_source_topic", record.topic.encode()),
        ("kp_source_partition", str(record.partition).encode()),
        ("kp_source_offset", str(record.offset).encode()),
    ]
    out = [Record(DLQ, record.key, record.value, [*record.headers, *reason_headers])]
    sender = sender_of(record.topic)
    if sender is not None:
        receipt = RejectionReceipt(
            signal_id=rejected.signal_id,
            reason=rejected.reason,
            detail=rejected.detail,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )
        receipt_id = uuid5(NAMESPACE_URL, f"{record.topic}/{record.partition}/{record.offset}")
        envelope = new_envelope(
            org="gateway",
            signal=RejectionReceipt.name,
            version=RejectionReceipt.version,
            id=receipt_id,
            time=now,
        )
        out.append(_record(inbox_topic(sender), None, receipt, envelope))
    return out


class Gateway:
    """Composes the steps for one record. Raises DecisionError when policy cannot be asked: the
    caller must then deliver nothing and retry (fail closed)."""

    def __init__(self, engine: PolicyEngine, pseudonym_key: bytes) -> None:
        self.engine = engine
        self.pseudonym_key = pseudonym_key

    async def process(self, record: Record) -> tuple[list[Record], Accepted | Rejected]:
        checked = validate(record)
        outcome = checked if isinstance(checked, Rejected) else identify(*checked, key=self.pseudonym_key)
        now = datetime.now(UTC)
        if isinstance(outcome, Rejected):
            return reject(record, outcome, now), outcome
        signal = outcome.signal
        query = policy_input(signal.name, outcome.envelope.org, signal.version, signal.attributes())
        decisions = await self.engine.decide(query)
        return emit(outcome, decisions, now), outcome
