"""The chain involvement index: which organisations are involved with a person, since when, in which
role, and whom to call (*dat-informatie*), never case content. See docs/dat-informatie.md.

Every routed signal implies its sender's involvement with each person it names; involvement and
contact signals say more (role, since, until, contact). The index lives in the compacted topic
`chain.involvements`, one record per (chain pseudonym, organisation), written in the same
transaction as the deliveries of the signal that changed it; each gateway keeps it in memory,
read from the topic at start and followed while it runs.

A person is indexed by the pseudonym of the BSN when it is known, and by the pseudonym of the
normalised name and birth date when both are known: the second is a weaker match, used to find
each other when one organisation does not know the BSN.

When a second organisation becomes involved with the same person, each involved organisation gets
a match notice naming the other and whom to call there, as far as the sharing policy for
`involvement_opened` allows; the notice's id is fixed by the match, and the index (rebuilt from
the topic on a restart) remembers the match, so a replay sends no second notice. The step that
keeps the index and sends the notices for each signal is gateway/matches.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiokafka import ConsumerRecord, TopicPartition

from gateway.kafka import KafkaConnection, Record, read_whole
from gateway.kafka import follow as follow_partitions
from gateway.logging import get_logger
from gateway.pipeline import Accepted
from gateway.pseudonyms import chain_pseudonym, name_pseudonym
from gateway.schemas import ContactPerson, Person
from gateway.schemas.chain_involvement import Involvement, Strength
from gateway.schemas.involvement import InvolvementClosed, InvolvementSignal
from gateway.settings import PARTNERS
from gateway.topics import INVOLVEMENTS

log = get_logger("involvements")

MATCH_NOTICE = "involvement_match"  # the signal_type of a match notice in an inbox
SWEEP_EVERY_S = 3600.0  # how often a running gateway drops involvements that expired meanwhile

# The role an organisation has when a signal, not an involvement signal, shows it is involved.
DEFAULT_ROLES = {code: partner.involvement_role for code, partner in PARTNERS.items()}


def involvement_record(involvement: Involvement) -> Record:
    """An involvement as its record on `chain.involvements`, keyed by (person, organisation)."""
    return Record(INVOLVEMENTS, record_key(involvement.key), involvement.model_dump_json().encode(), [])


def record_key(key: tuple[str, str]) -> bytes:
    pseudonym, org = key
    return f"{pseudonym}/{org}".encode()


def person_keys(person: Person, key: bytes) -> list[tuple[str, Strength]]:
    """The pseudonyms a person is indexed by: of the BSN when known; of the normalised name and
    birth date when both are known (a person without a birth date is not matched by name)."""
    keys: list[tuple[str, Strength]] = []
    if person.bsn is not None:
        keys.append((chain_pseudonym(person, key), "bsn"))
    if person.birth_date is not None:
        keys.append((name_pseudonym(person, key), "name_birth_date"))
    return keys


def observed(accepted: Accepted, key: bytes, now: datetime) -> list[Involvement]:
    """What a routed signal says about its sender's involvement with each person it names."""
    signal, org = accepted.signal, accepted.envelope.org
    persons = [
        ("suspect", signal.suspect),
        ("victim", signal.victim),
        *(("child", c) for c in signal.children),
    ]
    contact = getattr(signal, "contact", None)
    if isinstance(signal, InvolvementSignal):
        role, since = signal.role.value, signal.since
    else:
        role, since = DEFAULT_ROLES[org], accepted.envelope.time.date()
    found = []
    for person_role, person in persons:
        if person is None:
            continue
        for pseudonym, strength in person_keys(person, key):
            found.append(
                Involvement(
                    pseudonym=pseudonym,
                    strength=strength,
                    has_bsn=person.bsn is not None,
                    org=org,
                    person_role=person_role,
                    role=role,
                    since=since,
                    closed_on=signal.until if isinstance(signal, InvolvementClosed) else None,
                    contact=contact if isinstance(contact, ContactPerson) else None,
                    signal_id=str(accepted.envelope.id),
                    updated_at=now,
                )
            )
    return found


def merge(existing: Involvement | None, seen: Involvement, signal_type: str) -> tuple[Involvement, bool]:
    """The involvement after a signal, and whether it (re)opened now."""
    if existing is None or (existing.closed_on is not None and seen.closed_on is None):
        return seen, seen.closed_on is None
    authoritative = signal_type in ("involvement_opened", "involvement_closed")
    updates: dict[str, object] = {"signal_id": seen.signal_id, "updated_at": seen.updated_at}
    if authoritative:
        updates |= {"role": seen.role, "since": seen.since, "closed_on": seen.closed_on}
    if seen.contact is not None and (
        authoritative or signal_type.startswith("contact_") or existing.contact is None
    ):
        updates["contact"] = seen.contact
    return existing.model_copy(update=updates), False


def _same_facts(before: Involvement, after: Involvement) -> bool:
    """Equal but for which signal last touched it, and when."""
    ignored = {"signal_id", "updated_at"}
    return before.model_dump(exclude=ignored) == after.model_dump(exclude=ignored)


@dataclass(frozen=True)
class Match:
    """A newly opened involvement and the other organisations already involved with that person."""

    newcomer: Involvement
    others: tuple[Involvement, ...]


class InvolvementIndex:
    """The index in memory: every current involvement by (pseudonym, organisation)."""

    def __init__(self, retention_months: int = 24) -> None:
        self.retention_months = retention_months
        self.entries: dict[tuple[str, str], Involvement] = {}
        # Read from the topic, or expired while held, with no tombstone read yet: what the retention
        # sweep removes from the topic (gateway/retention_sweep.py).
        self.expired: dict[tuple[str, str], Involvement] = {}
        self.by_person: dict[str, set[str]] = {}  # pseudonym → organisations, for quick lookups
        self.positions: dict[TopicPartition, int] = {}  # how far the topic has been read

    def put(self, involvement: Involvement) -> None:
        """Take one record of the topic (or one the gateway just committed); drop it if expired."""
        if involvement.current(datetime.now(UTC).date(), self.retention_months):
            self.entries[involvement.key] = involvement
            self.by_person.setdefault(involvement.pseudonym, set()).add(involvement.org)
            self.expired.pop(involvement.key, None)
        else:
            self._drop(involvement.key)
            self.expired[involvement.key] = involvement

    def remove(self, key: tuple[str, str]) -> None:
        """A tombstone was read: the involvement is gone from the topic."""
        self._drop(key)
        self.expired.pop(key, None)

    def sweep(self) -> int:
        """Drop what has expired since it was read (it waits for its tombstone); how many."""
        today = datetime.now(UTC).date()
        expired = [inv for inv in self.entries.values() if not inv.current(today, self.retention_months)]
        for involvement in expired:
            self._drop(involvement.key)
            self.expired[involvement.key] = involvement
        return len(expired)

    def _drop(self, key: tuple[str, str]) -> None:
        self.entries.pop(key, None)
        pseudonym, org = key
        self.by_person.get(pseudonym, set()).discard(org)

    def of(self, pseudonyms: Iterable[str]) -> list[Involvement]:
        """Every current involvement with these pseudonyms (one person's BSN and name keys)."""
        today = datetime.now(UTC).date()
        found = (self.entries[(p, org)] for p in set(pseudonyms) for org in sorted(self.by_person.get(p, ())))
        return [inv for inv in found if inv.current(today, self.retention_months)]

    def view(self) -> IndexView:
        return IndexView(self)

    def contact_of(self, pseudonym: str, org: str) -> ContactPerson | None:
        """Whom to call at `org` about this person, as the committed index knows it."""
        found = self.entries.get((pseudonym, org))
        return found.contact if found is not None and found.closed_on is None else None


@dataclass
class IndexView:
    """One batch's changes over the index, applied to it only after the batch is committed."""

    index: InvolvementIndex
    changed: dict[tuple[str, str], Involvement] = field(default_factory=dict)
    # The organisations of `changed` by person: a signal looks up its own, not the whole batch's.
    changed_orgs: dict[str, set[str]] = field(default_factory=dict)

    def get(self, pseudonym: str, org: str) -> Involvement | None:
        found = self.changed.get((pseudonym, org)) or self.index.entries.get((pseudonym, org))
        today = datetime.now(UTC).date()
        return found if found is not None and found.current(today, self.index.retention_months) else None

    def involved(self, pseudonym: str) -> frozenset[str]:
        """The organisations with an open involvement with this person: for the sharing policy."""
        return frozenset(
            org
            for org in self._orgs(pseudonym)
            if (inv := self.get(pseudonym, org)) and inv.closed_on is None
        )

    def current(self, pseudonym: str) -> list[Involvement]:
        """Every involvement with this person that still matches: open, or closed within the
        retention period."""
        return [inv for org in sorted(self._orgs(pseudonym)) if (inv := self.get(pseudonym, org)) is not None]

    def _orgs(self, pseudonym: str) -> set[str]:
        return self.index.by_person.get(pseudonym, set()) | self.changed_orgs.get(pseudonym, set())

    def observe(self, seen: list[Involvement], signal_type: str) -> tuple[list[Involvement], list[Match]]:
        """Merge what a signal showed; the changed involvements, and the matches it made."""
        written, matches = [], []
        for involvement in seen:
            existing = self.get(*involvement.key)
            merged, opened = merge(existing, involvement, signal_type)
            if existing is not None and _same_facts(existing, merged):
                continue  # one more signal of a known involvement: nothing to write
            self.changed[merged.key] = merged
            self.changed_orgs.setdefault(merged.key[0], set()).add(merged.key[1])
            written.append(merged)
            if opened:
                others = tuple(
                    other
                    for other in self.current(merged.pseudonym)
                    if other.org != merged.org
                    # By name only where one side lacks the BSN: else the BSN match said it already.
                    and (merged.strength == "bsn" or not (merged.has_bsn and other.has_bsn))
                )
                if others:
                    matches.append(Match(merged, others))
        return written, matches

    def commit(self) -> None:
        for involvement in self.changed.values():
            self.index.put(involvement)
        self.changed.clear()
        self.changed_orgs.clear()


def key_of(record_key: bytes) -> tuple[str, str]:
    """(chain pseudonym, organisation) of a record's key, `<pseudonym>/<org>`."""
    pseudonym, _, org = record_key.decode().rpartition("/")
    return pseudonym, org


def _take(index: InvolvementIndex, message: ConsumerRecord[bytes, bytes]) -> None:
    if message.value:
        index.put(Involvement.model_validate_json(message.value))
    elif message.key:
        index.remove(key_of(message.key))


async def load_index(kafka: KafkaConnection, retention_months: int) -> InvolvementIndex:
    """The index as the topic holds it now."""
    index = InvolvementIndex(retention_months)

    def take(message: ConsumerRecord[bytes, bytes]) -> None:
        _take(index, message)

    index.positions = await read_whole(kafka, INVOLVEMENTS, take)
    log.info("involvement_index_loaded", involvements=len(index.entries))
    return index


async def follow(kafka: KafkaConnection, index: InvolvementIndex, stop: asyncio.Event) -> None:
    """Keep the index current with what other gateway instances write, from where `load_index`
    stopped, until `stop` is set, and drop what expires meanwhile. (This instance's own writes
    arrive too: putting them again is harmless.)"""
    swept = time.monotonic()

    def take(message: ConsumerRecord[bytes, bytes]) -> None:
        _take(index, message)

    def sweep_hourly() -> None:
        nonlocal swept
        if time.monotonic() - swept > SWEEP_EVERY_S:
            index.sweep()
            swept = time.monotonic()

    await follow_partitions(kafka, index.positions, take, stop=stop, polled=sweep_hourly)
