"""What each record adds to whose timeline. Pure: records in, entries out; no Kafka, no SQLite.

An entry belongs to one viewing organisation and holds only what that organisation sent or
received, exactly as it was: its own signal as it sent it, a delivery's body as the sharing policy
granted it, an alert's content as it was raised for it. The persons an entry is about are found in
that same content: by the chain pseudonyms of the BSN and of name and birth date
(gateway/involvements.py, `person_keys`), computed from the identifying fields the viewer itself
holds, and by the subject's chain pseudonym the delivery carries. A person whose identifying fields
the viewer did not receive is no person of its entry, so the viewer cannot open that person's
timeline from it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError

from gateway.involvements import MATCH_NOTICE, person_keys
from gateway.kafka import Record
from gateway.pipeline import Rejected, identify, validate
from gateway.schemas.alert import AlertEvent
from gateway.schemas.delivery import Delivery
from gateway.schemas.obligation import ObligationEvent
from gateway.schemas.persons import Person, check_bsn
from gateway.topics import ALERTS, INBOX_PREFIX, OBLIGATIONS, sender_of

Kind = Literal["sent", "received", "match_notice", "alert", "obligation"]
Strength = Literal["bsn", "name_birth_date", "pseudonym"]
"""How a person is named in an entry: by the pseudonym of the BSN, of name and birth date, or only by
the subject's chain pseudonym (a delivery's `chain_pseudonym`, an obligation's subject)."""
SUBJECT = "subject"  # the slot of a person named by pseudonym only
STRONGEST_FIRST: tuple[Strength, ...] = ("bsn", "name_birth_date", "pseudonym")
LABEL_FIELDS = ("given_name", "family_name", "birth_date")


@dataclass(frozen=True)
class Mention:
    """One way an entry names a person: in which slot (`suspect`, `victim`, `children.0`, or
    `subject`), in which role, by which chain pseudonym, and the identifying fields as received."""

    slot: str
    role: str | None
    key: str
    strength: Strength
    label: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    """One item of a viewer's timeline: `doc` is what it shows (the body as received, and what the
    delivery, alert or obligation says about it)."""

    viewer: str
    id: str
    kind: Kind
    at: datetime
    signal_id: str
    signal_type: str | None
    sender: str
    doc: dict[str, Any]
    mentions: tuple[Mention, ...] = ()
    obligation_id: str | None = None


@dataclass(frozen=True)
class AlertChange:
    """A later event of an alert (delivered, escalated, acknowledged, closed) for its entry."""

    viewer: str
    id: str
    event_id: str
    at: datetime
    doc: dict[str, Any]


Ingested = Entry | AlertChange | ObligationEvent | None


def ingest(record: Record, key: bytes) -> Ingested:
    """What one record of the topics the timeline reads adds: an entry, a change of an alert, an
    obligation's event, or nothing (a rejection receipt, a record that is no valid signal)."""
    if record.topic == ALERTS:
        return from_alert(record, key)
    if record.topic == OBLIGATIONS:
        return _obligation_event(record)
    if record.topic.startswith(INBOX_PREFIX):
        return from_delivery(record.topic.removeprefix(INBOX_PREFIX), record, key)
    return from_signal(record, key)


def from_signal(record: Record, key: bytes) -> Entry | None:
    """The sender's own signal, as it sent it; only what the gateway accepts (the rest got a
    rejection receipt in the sender's inbox and reached nobody)."""
    org = sender_of(record.topic)
    checked = validate(record)
    if org is None or isinstance(checked, Rejected):
        return None
    envelope, signal = checked
    accepted = identify(envelope, signal, key)
    if isinstance(accepted, Rejected):
        return None
    body = accepted.body
    mentions = (*mentions_in(body, key), Mention(SUBJECT, None, accepted.pseudonym, "pseudonym"))
    return Entry(
        viewer=org,
        id=f"sent:{envelope.id}",
        kind="sent",
        at=envelope.time,
        signal_id=str(envelope.id),
        signal_type=signal.name,
        sender=org,
        doc={"body": body},
        mentions=mentions,
    )


def from_delivery(org: str, record: Record, key: bytes) -> Entry | None:
    """A copy of a signal, or a match notice, as `org` received it."""
    try:
        delivery = Delivery.model_validate_json(record.value or b"")
    except ValidationError:
        return None  # a rejection receipt: about a signal that reached nobody, and names no person
    notice = delivery.signal_type == MATCH_NOTICE
    received_at = dict(record.headers).get("ce_time")
    doc = {
        "body": delivery.body,
        "delivery": {
            "delivery_id": str(delivery.delivery_id),
            "level": delivery.level,
            "fields": delivery.fields,
            "legal_basis": delivery.legal_basis,
            "purpose": delivery.purpose,
            "urgency": delivery.urgency,
            "received_at": received_at.decode(errors="replace") if received_at else None,
        },
    }
    subject = Mention(SUBJECT, None, delivery.chain_pseudonym, "pseudonym")
    return Entry(
        viewer=org,
        id=f"received:{delivery.delivery_id}",
        kind="match_notice" if notice else "received",
        at=delivery.sent_at,
        signal_id=str(delivery.signal_id),
        signal_type=delivery.signal_type,
        sender=delivery.sender,
        doc=doc,
        mentions=(*([] if notice else mentions_in(delivery.body, key)), subject),
    )


def from_alert(record: Record, key: bytes) -> Entry | AlertChange | None:
    """An alert raised for an organisation's on-call staff, with the content it was raised with; or
    a later event of it."""
    try:
        event = AlertEvent.model_validate_json(record.value or b"")
    except ValidationError:
        return None  # the on-call service passes over such records too
    entry_id = f"alert:{event.alert_id}"
    if event.kind != "raised":
        shown = event.model_dump(
            mode="json", include={"kind", "at", "tier", "person", "by", "note", "channels"}
        )
        return AlertChange(event.org, entry_id, str(event.event_id), event.at, shown)
    content = event.content or {}
    return Entry(
        viewer=event.org,
        id=entry_id,
        kind="alert",
        at=event.at,
        signal_id=str(event.signal_id),
        signal_type=event.signal_type or None,
        sender=event.sender or "ketenpoort",
        doc={"body": content, "alert": {"priority": event.priority, "reason": event.reason}},
        mentions=tuple(mentions_in(content, key)),
        obligation_id=str(event.obligation_id) if event.obligation_id else None,
    )


def _obligation_event(record: Record) -> ObligationEvent | None:
    try:
        return ObligationEvent.model_validate_json(record.value or b"")
    except ValidationError:
        return None


def mentions_in(body: dict[str, Any], key: bytes) -> list[Mention]:
    """The persons a body names with identifying fields (a suspect, a victim, each child): by the
    pseudonym of the BSN where it holds a valid one, and of name and birth date where it holds all
    three. A person with neither is not named here."""
    found = []
    for slot, role, person in _persons(body):
        label = {name: person[name] for name in LABEL_FIELDS if isinstance(person.get(name), str)}
        found += [
            Mention(slot, role, pseudonym, strength, label) for pseudonym, strength in keys_of(person, key)
        ]
    return found


def keys_of(person: dict[str, Any], key: bytes) -> list[tuple[str, Strength]]:
    """The pseudonyms of a person as a body holds it (`person_keys`), only from what is there: the
    BSN where it is a valid one, name and birth date where all three are."""
    bsn = person.get("bsn")
    try:
        bsn = check_bsn(bsn) if isinstance(bsn, str) else None
    except ValueError:
        bsn = None
    given, family, born = (person.get(name) for name in LABEL_FIELDS)
    named: dict[str, Any] = {"given_name": "-", "family_name": "-"}
    if isinstance(given, str) and isinstance(family, str) and isinstance(born, str):
        named = {"given_name": given, "family_name": family, "birth_date": born}
    try:
        found = Person.model_validate({"bsn": bsn, **named})
    except ValidationError:  # a name or birth date no signal could hold: only the BSN, if any
        found = Person(bsn=bsn, given_name="-", family_name="-")
    if found.bsn is None and found.birth_date is None:
        return []
    keys: list[tuple[str, Strength]] = [
        (pseudonym, strength) for pseudonym, strength in person_keys(found, key)
    ]
    return keys


def _persons(body: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = [(role, role, body[role]) for role in ("suspect", "victim") if isinstance(body.get(role), dict)]
    children = body.get("children")
    if isinstance(children, list):
        found += [(f"children.{n}", "child", c) for n, c in enumerate(children) if isinstance(c, dict)]
    return found


def person_id(key: bytes, viewer: str, pseudonym: str) -> str:
    """The opaque id under which `viewer` may open the timeline of the person with this pseudonym:
    of no use to any other organisation, and telling nothing of the pseudonym."""
    digest = hmac.new(key, f"timeline|{viewer}|{pseudonym}".encode(), hashlib.sha256).hexdigest()
    return f"p-{digest[:32]}"


def matched(mentions: Iterable[Mention], keys: Mapping[str, Strength]) -> Strength | None:
    """How an entry names the person known by `keys` (pseudonym → its kind): by the strongest key
    it names them by; None when it does not name them."""
    found = {keys[m.key] for slot in _slots_of(mentions, keys) for m in slot if m.key in keys}
    return next((strength for strength in STRONGEST_FIRST if strength in found), None)


def roles_of(mentions: Iterable[Mention], keys: Mapping[str, Strength]) -> list[str]:
    """The roles (suspect, victim, child) in which an entry names the person known by `keys`."""
    return sorted({m.role for slot in _slots_of(mentions, keys) for m in slot if m.role is not None})


def label_of(mentions: Iterable[Mention], keys: Mapping[str, Strength]) -> dict[str, Any]:
    """The name and birth date with which an entry names the person known by `keys`, as far as it
    holds them; empty where it names them by pseudonym only."""
    found: dict[str, Any] = {}
    for slot in _slots_of(mentions, keys):
        for mention in slot:
            if mention.strength != "pseudonym":
                found.update(mention.label)
    return found


def _slots_of(mentions: Iterable[Mention], keys: Mapping[str, Strength]) -> list[list[Mention]]:
    """The slots of an entry that name the person known by `keys`: those naming one of the keys,
    unless the slot also holds another BSN (a namesake: same name and birth date, another person)."""
    slots: dict[str, list[Mention]] = {}
    for mention in mentions:
        slots.setdefault(mention.slot, []).append(mention)
    return [
        slot
        for slot in slots.values()
        if any(m.key in keys for m in slot)
        and not any(m.strength == "bsn" and m.key not in keys for m in slot)
    ]
