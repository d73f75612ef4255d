"""A person's timeline as one viewer sees it, as JSON. Pure: what the store found in, JSON out.

Every entry has the same keys: `id` (stable), `kind` (sent, received, match_notice, alert,
obligation), `at`, `signal_id`, `signal_type`, `from`, `match` (how the entry names the person:
bsn or name_birth_date), `as` (the person's roles in it), `body` (as the viewer sent or received
it; none for an obligation) and `persons` (the other persons it names whom the viewer may open);
besides, per kind, `delivery`, `alert` or `obligation`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gateway.obligation_state import Obligation
from gateway.schemas.obligation import ObligationEvent
from gateway.timeline.entries import (
    STRONGEST_FIRST,
    SUBJECT,
    AlertChange,
    Entry,
    Mention,
    Strength,
    label_of,
    matched,
    person_id,
    roles_of,
)
from gateway.timeline.store import Found

GATEWAY = "ketenpoort"  # `from` of what the chain itself adds: match notices, obligations
ORDER = {"sent": 0, "received": 1, "match_notice": 2, "alert": 3, "obligation": 4}


def timeline(
    found: Found, viewer: str, keys: Mapping[str, Strength], pseudonym_key: bytes, person: str
) -> dict[str, Any]:
    """The viewer's timeline of the person known by `keys`, oldest first, with the persons linked
    to it that the viewer may open; `named`: the person's name and birth date as the viewer's
    latest copies that name them hold them (empty where none does)."""
    by_signal = {
        e.signal_id: (e.signal_type, matched(e.mentions, keys))
        for e in found.entries
        if e.kind in ("sent", "received")
    }
    shown: list[tuple[datetime, dict[str, Any]]] = []
    linked: dict[str, dict[str, Any]] = {}
    named: dict[str, Any] = {}
    for entry in sorted(found.entries, key=lambda e: e.at):
        named.update(label_of(entry.mentions, keys))  # the latest copy's fields
        others = _others(entry, keys, found.ties, viewer, pseudonym_key)
        for role, pid, label in others:
            seen = linked.setdefault(pid, {"person": pid, "roles": [], **label})
            seen.update(label)  # the latest copy's fields
            seen["roles"] = sorted({*seen["roles"], role})
        match = matched(entry.mentions, keys) or by_signal.get(entry.signal_id, (None, None))[1]
        shown.append((entry.at, _entry(entry, match, keys, others, found.changes.get(entry.id, []))))
    for events in found.obligations:
        obligation = _obligation(events, viewer, keys, by_signal)
        if obligation is not None:
            shown.append(obligation)
    shown.sort(key=lambda item: (item[0], ORDER[item[1]["kind"]], item[1]["id"]))
    return {
        "viewer": viewer,
        "person": person,
        "named": named,
        "entries": [entry for _, entry in shown],
        "linked": sorted(linked.values(), key=lambda p: (p["roles"], p["person"])),
    }


def _entry(
    entry: Entry,
    match: Strength | None,
    keys: Mapping[str, Strength],
    others: list[tuple[str, str, dict[str, Any]]],
    changes: list[AlertChange],
) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": entry.id,
        "kind": entry.kind,
        "at": entry.at.isoformat(),
        "signal_id": entry.signal_id,
        "signal_type": entry.signal_type,
        "from": entry.sender,
        "match": match,
        "as": roles_of(entry.mentions, keys),
        "body": entry.doc.get("body"),
        "persons": [{"role": role, "person": pid} for role, pid, _ in others],
    }
    if "delivery" in entry.doc:
        shown["delivery"] = entry.doc["delivery"]
    if entry.kind == "alert":
        shown["alert"] = {**entry.doc["alert"], "obligation_id": entry.obligation_id, **alert_state(changes)}
    return shown


def _others(
    entry: Entry, keys: Mapping[str, Strength], ties: Mapping[str, str], viewer: str, pseudonym_key: bytes
) -> list[tuple[str, str, dict[str, Any]]]:
    """The other persons an entry names with identifying fields the viewer received: (role, the
    opaque id the viewer may open them by, their name and birth date as received). A person named
    by name and birth date only, whom the viewer knows by one BSN elsewhere, is opened by that."""
    slots: dict[str, list[Mention]] = {}
    for mention in entry.mentions:
        if mention.slot != SUBJECT:
            slots.setdefault(mention.slot, []).append(mention)
    others = []
    for slot in slots.values():
        if matched(slot, keys) is not None or slot[0].role is None:
            continue
        chosen = min(slot, key=lambda m: STRONGEST_FIRST.index(m.strength))
        opened_by = ties.get(chosen.key, chosen.key)
        others.append((slot[0].role, person_id(pseudonym_key, viewer, opened_by), dict(chosen.label)))
    return others


def alert_state(changes: list[AlertChange]) -> dict[str, Any]:
    """Where an alert stands after its later events: open, acknowledged or closed; with whom."""
    state: dict[str, Any] = {
        "status": "open", "delivered_at": None, "escalations": 0, "with": None,
        "acknowledged": None, "closed": None,
    }  # fmt: skip
    for change in sorted(changes, key=lambda c: c.at):
        doc, at = change.doc, change.at.isoformat()
        if doc.get("tier"):
            state["with"] = {"tier": doc["tier"], "person": doc.get("person")}
        if doc["kind"] == "delivered":
            state["delivered_at"] = state["delivered_at"] or at
        elif doc["kind"] == "escalated":
            state["escalations"] += 1
        elif doc["kind"] == "acknowledged":
            state["acknowledged"] = state["acknowledged"] or {"at": at, "by": doc.get("by")}
        elif doc["kind"] == "closed":
            state["closed"] = state["closed"] or {"at": at, "by": doc.get("by"), "note": doc.get("note")}
    state["status"] = "closed" if state["closed"] else "acknowledged" if state["acknowledged"] else "open"
    return state


def _obligation(
    events: list[ObligationEvent],
    viewer: str,
    keys: Mapping[str, Strength],
    by_signal: Mapping[str, tuple[str | None, Strength | None]],
) -> tuple[datetime, dict[str, Any]] | None:
    """An obligation about the person, for its owner and for whom it was told of (reminded, told of
    an escalation or of its lapse); None for any other viewer."""
    if not events:
        return None
    obligation = Obligation(events[0])
    for event in events:
        obligation.apply(event)
    first = obligation.first
    if viewer != first.owner and not any(viewer in (event.told or []) for event in events):
        return None
    subject_keys = [key for key in obligation.keys if key in keys]
    closed = obligation.closed
    signal_type = by_signal.get(str(first.opened_by), (None, None))[0]
    return obligation.opened_at, {
        "id": f"obligation:{first.obligation_id}",
        "kind": "obligation",
        "at": obligation.opened_at.isoformat(),
        "signal_id": str(first.opened_by),
        "signal_type": signal_type,
        "from": GATEWAY,
        "match": next((s for s in STRONGEST_FIRST if s in {keys[k] for k in subject_keys}), None),
        "as": [],
        "body": None,
        "persons": [],
        "obligation": {
            "kind": first.kind,
            "owner": first.owner,
            "status": obligation.status,
            "due_at": first.due_at.isoformat(),
            "reminded_at": obligation.reminded_at.isoformat() if obligation.reminded_at else None,
            "lapsed_at": obligation.lapsed_at.isoformat() if obligation.lapsed_at else None,
            "closed": None
            if closed is None
            else {
                "event": closed.event,
                "at": closed.at.isoformat(),
                "signal_id": str(closed.met_signal) if closed.met_signal else None,
                "by": closed.by,
                "reason": closed.reason,
            },
            "met_by": [{"type": m.type, "from": m.from_} for m in first.met_by],
            "source": first.source,
        },
    }
