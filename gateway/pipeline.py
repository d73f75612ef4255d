"""The steps of one signal's way through the gateway: validate → identify → (decide) → redact → emit.

Each is a pure function of its inputs, testable without Kafka or OPA. `gateway/router.py` composes
them with the policy decision and the audit; `gateway/fanout.py` moves records in and out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson
from pydantic import BaseModel, ValidationError

from gateway.decisions import Decision, Level, policy_input
from gateway.kafka import Record
from gateway.pseudonyms import ChainPseudonym, chain_pseudonym
from gateway.redact import redact
from gateway.schemas import CATALOGUE, Envelope, EnvelopeError, Signal, new_envelope
from gateway.schemas.delivery import Delivery, RejectionReceipt
from gateway.schemas.problems import Problem, problems_from
from gateway.topics import DLQ, inbox_topic, sender_of

MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Accepted:
    envelope: Envelope
    signal: Signal
    pseudonym: ChainPseudonym
    """The subject's (the suspect's, else the victim's): the Kafka key of everything about it."""
    persons: tuple[tuple[str, ChainPseudonym], ...] = ()
    """(role, pseudonym) of every person the signal names: for the audit and the involvement index."""

    @cached_property
    def body(self) -> dict[str, Any]:
        """The signal as JSON, dumped once for every recipient's copy and the audit."""
        return self.signal.model_dump(mode="json")


def query(
    accepted: Accepted, *, involved: frozenset[str] = frozenset(), recipients: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """The policy input for an accepted signal: its type, sender, version, region and attributes."""
    signal, envelope = accepted.signal, accepted.envelope
    return policy_input(
        signal.name,
        envelope.org,
        signal.version,
        signal.attributes(),
        region=envelope.unit,
        involved=involved,
        recipients=recipients,
    )


@dataclass(frozen=True)
class Rejected:
    """Why a record is refused: a reason code for machines and problems a person can act on."""

    reason: str
    problems: tuple[Problem, ...]
    signal_id: str | None = None

    @property
    def detail(self) -> str:
        return "; ".join(str(problem) for problem in self.problems)


def refuse(
    reason: str, path: str, message: str, expected: str | None = None, signal_id: str | None = None
) -> Rejected:
    """A refusal with one problem."""
    return Rejected(reason, (Problem(path=path, message=message, expected=expected),), signal_id)


def check_versions(envelope: Envelope, model: type[Signal]) -> Rejected | None:
    """`ce_type` and `ce_dataschema` name the same signal and major, and a version the catalogue has."""
    signal_id = str(envelope.id)
    major = model.version.split(".")[0]
    if envelope.major != major:
        expected = f"nl.ketenpoort.{model.name}.v{major}"
        return refuse(
            "unsupported_version", "header ce_type", "unsupported major version", expected, signal_id
        )
    expected = " or ".join(f"urn:ketenpoort:schema:{model.name}:{v}" for v in model.versions())
    if envelope.schema_signal != model.name or envelope.schema_version.split(".")[0] != major:
        message = f"{envelope.dataschema} does not match ce_type {envelope.type}"
        return refuse("version_mismatch", "header ce_dataschema", message, expected, signal_id)
    if envelope.schema_version not in model.versions():
        message = f"version {envelope.schema_version} of {model.name} is not known to the gateway"
        return refuse("unsupported_version", "header ce_dataschema", message, expected, signal_id)
    return None


def validate(record: Record) -> tuple[Envelope, Signal] | Rejected:
    """Check the record is a well-formed signal its sender may send. Rejections say what to fix."""
    sender = sender_of(record.topic)
    if sender is None:
        return refuse("unknown_topic", "topic", f"{record.topic} is not read by the gateway", "signals.<org>")
    value = record.value or b""  # a record without a value (a tombstone) is no JSON object either
    if len(value) > MAX_BODY_BYTES:
        return refuse("too_large", "(body)", f"{len(value)} bytes", f"at most {MAX_BODY_BYTES} bytes")
    try:
        envelope = Envelope.from_headers(record.headers)
    except EnvelopeError as error:
        return Rejected("missing_headers" if error.missing else "invalid_header", tuple(error.problems))
    signal_id = str(envelope.id)
    if envelope.org != sender:
        message = f"{envelope.source} may not publish on {record.topic}"
        return refuse("source_mismatch", "header ce_source", message, f"urn:ketenpoort:{sender}", signal_id)
    model = CATALOGUE.get(envelope.signal)
    if model is None:
        known = ", ".join(
            f"nl.ketenpoort.{name}.v{m.version.split('.')[0]}" for name, m in sorted(CATALOGUE.items())
        )
        return refuse(
            "unknown_type", "header ce_type", f"{envelope.type} is not a signal type", known, signal_id
        )
    refused = check_versions(envelope, model)
    if refused is not None:
        return refused
    try:
        body = orjson.loads(value)
    except orjson.JSONDecodeError as error:
        return refuse("bad_json", "(body)", f"not JSON: {error}", "a JSON object", signal_id)
    if not isinstance(body, dict):
        return refuse("bad_json", "(body)", f"a JSON {type(body).__name__}", "a JSON object", signal_id)
    try:
        signal = model.model_validate(body)
    except ValidationError as error:
        return Rejected("schema_violation", tuple(problems_from(error)), signal_id)
    return envelope, signal


def identify(envelope: Envelope, signal: Signal, key: bytes) -> Accepted | Rejected:
    subject = signal.subject()
    if subject is None:
        return refuse(
            "no_subject",
            "suspect",
            "neither a suspect nor a victim",
            "a suspect or a victim",
            str(envelope.id),
        )
    persons = [
        ("suspect", signal.suspect),
        ("victim", signal.victim),
        *(("child", c) for c in signal.children),
    ]
    named = tuple((role, chain_pseudonym(person, key)) for role, person in persons if person is not None)
    return Accepted(envelope, signal, chain_pseudonym(subject, key), named)


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
    body = accepted.body
    return body if decision.level is Level.FULL else redact(body, decision.fields)


def content_for(signal: Accepted, org: str, decisions: dict[str, Decision]) -> dict[str, Any] | None:
    """What `org` may see of the signal where it is alerted or reminded: the sender its own signal,
    any other what the sharing policy grants it (as its inbox copy); None when it may see nothing."""
    if org == signal.envelope.org:
        return signal.body
    decision = decisions.get(org)
    return body_for(signal, decision) if decision is not None else None


def _record(
    topic: str, key: str | None, model: BaseModel, envelope: Envelope, body: dict[str, Any] | None = None
) -> Record:
    """`model` as a record's JSON value; with `body`, that as its `body` member (see `emit`)."""
    fields = model.model_dump(mode="json")
    if body is not None:
        fields["body"] = body
    return Record(
        topic=topic,
        key=key.encode() if key is not None else None,
        value=orjson.dumps(fields),
        headers=envelope.to_headers(),
    )


def delivery_id_of(accepted: Accepted, recipient: str, decision: Decision, body: dict[str, Any]) -> UUID:
    """Stable while what the recipient receives stays the same, so that it can drop a redelivery by
    it; another id as soon as anything it receives changes (the body, the level, the fields, the
    legal basis, the purpose or the urgency)."""
    received = {
        "recipient": recipient,
        "level": decision.level.value,
        "fields": sorted(decision.fields),
        "legal_basis": decision.legal_basis,
        "purpose": decision.purpose,
        "urgency": decision.urgency,
        "body": body,
    }
    digest = hashlib.sha256(orjson.dumps(received, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return uuid5(accepted.envelope.id, f"delivery:{recipient}:{digest}")


def emit(accepted: Accepted, decisions: dict[str, Decision], revision: str, now: datetime) -> list[Record]:
    """One inbox record per recipient that gets anything."""
    out = []
    for recipient, decision in decisions.items():
        body = body_for(accepted, decision)
        if body is None:
            continue
        delivery_id = delivery_id_of(accepted, recipient, decision, body)
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
            policy_revision=revision,
            chain_pseudonym=accepted.pseudonym,
            body={},
        )
        # The body is the validated signal's JSON, or a redaction of it: written as it is, not
        # validated and dumped once more for each recipient.
        out.append(delivery_record(delivery, accepted.pseudonym, accepted.envelope.traceparent, now, body))
    return out


def delivery_record(
    delivery: Delivery, key: str, traceparent: str, now: datetime, body: dict[str, Any] | None = None
) -> Record:
    """A delivery (a copy of a signal, or a match notice) as the record in its recipient's inbox:
    its envelope says it is a delivery, and its id is the delivery id. `body`, where given, is
    its body (in place of the model's)."""
    headers = new_envelope(
        org="gateway",
        signal=Delivery.name,  # what the record is; the signal's type is inside it
        version=Delivery.version,
        id=delivery.delivery_id,
        time=now,
        traceparent=traceparent,
    )
    return _record(inbox_topic(delivery.recipient), key, delivery, headers, body)


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
            problems=list(rejected.problems),
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
