"""The timeline read model's SQLite file: the entries of every viewing organisation, the persons they
name (by chain pseudonym, never a BSN), the later events of alerts and obligations, and how far
each topic was read. Kafka stays the record: the file can be deleted and is rebuilt on next use.

Everything is kept per viewer; a lookup reads one viewer's rows only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import orjson

from gateway.schemas.obligation import ObligationEvent
from gateway.timeline.entries import (
    SUBJECT,
    AlertChange,
    Entry,
    Ingested,
    Kind,
    Mention,
    Strength,
    matched,
    person_id,
)

SCHEMA = """
create table if not exists entries (
    viewer text not null, id text not null, kind text not null, at text not null,
    signal_id text not null, signal_type text, sender text not null, obligation_id text,
    doc text not null, topic text not null, partition integer not null, offset integer not null,
    primary key (viewer, id)
);
create index if not exists entries_source on entries (topic, partition, offset);
create index if not exists entries_signal on entries (viewer, signal_id);
create index if not exists entries_obligation on entries (viewer, obligation_id);
create table if not exists mentions (
    viewer text not null, id text not null, slot text not null, role text, key text not null,
    strength text not null, label text not null,
    primary key (viewer, id, slot, key)
);
create index if not exists mentions_key on mentions (viewer, key);
create table if not exists persons (
    viewer text not null, person text not null, key text not null, strength text not null,
    primary key (viewer, person)
);
create table if not exists alert_changes (
    viewer text not null, id text not null, event_id text not null, at text not null, doc text not null,
    topic text not null, partition integer not null, offset integer not null,
    primary key (viewer, id, event_id)
);
create index if not exists alert_changes_source on alert_changes (topic, partition, offset);
create table if not exists obligation_events (
    obligation_id text not null, event_id text not null, at text not null, doc text not null,
    topic text not null, partition integer not null, offset integer not null,
    primary key (obligation_id, event_id)
);
create index if not exists obligation_events_source on obligation_events (topic, partition, offset);
create table if not exists obligation_keys (
    obligation_id text not null, key text not null, primary key (obligation_id, key)
);
create index if not exists obligation_keys_key on obligation_keys (key);
create table if not exists positions (
    topic text not null, partition integer not null, next_offset integer not null,
    primary key (topic, partition)
);
"""


Source = tuple[str, int, int]  # where a record was read: topic, partition, offset
ENTRY_COLUMNS = "viewer, id, kind, at, signal_id, signal_type, sender, obligation_id, doc"


@dataclass
class Found:
    """What one viewer's store holds about one person: the entries that name the person (and the
    alerts about the same signals or obligations), each alert's later events, and the events of the
    obligations about the person."""

    entries: list[Entry] = field(default_factory=list)
    changes: dict[str, list[AlertChange]] = field(default_factory=dict)
    obligations: list[list[ObligationEvent]] = field(default_factory=list)
    ties: dict[str, str] = field(default_factory=dict)
    """For a person the entries name by name and birth date only: the pseudonym of the one BSN the
    viewer's own entries name them by elsewhere, so that a linked person is one person."""


class TimelineStore:
    def __init__(self, path: Path, pseudonym_key: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.key = pseudonym_key
        self.db = sqlite3.connect(path)
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # Writing: what the feed read, then where it got to, in one SQLite transaction.

    def add(self, ingested: Ingested, source: Source) -> None:
        """Keep what one record added, with where it was read (`source`: topic, partition, offset),
        so that it is forgotten when the topic no longer holds the record."""
        if isinstance(ingested, Entry):
            self._add_entry(ingested, source)
        elif isinstance(ingested, AlertChange):
            change = ingested
            row = (change.viewer, change.id, change.event_id, change.at.isoformat(), _json(change.doc))
            self.db.execute(
                "insert or ignore into alert_changes values (?, ?, ?, ?, ?, ?, ?, ?)", (*row, *source)
            )
        elif isinstance(ingested, ObligationEvent):
            event, oid = ingested, str(ingested.obligation_id)
            stored = (oid, str(event.event_id), event.at.isoformat(), event.model_dump_json(by_alias=True))
            self.db.execute(
                "insert or ignore into obligation_events values (?, ?, ?, ?, ?, ?, ?)", (*stored, *source)
            )
            keys = [(oid, key) for key in event.subject_keys or [event.subject]]
            self.db.executemany("insert or ignore into obligation_keys values (?, ?)", keys)

    def _add_entry(self, entry: Entry, source: Source) -> None:
        added = self.db.execute(
            "insert or ignore into entries values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.viewer, entry.id, entry.kind, entry.at.isoformat(), entry.signal_id, entry.signal_type,
                entry.sender, entry.obligation_id, _json(entry.doc), *source,
            ),
        )  # fmt: skip
        if added.rowcount == 0:
            return  # a later copy of a signal id: the first one stands, as at the gateway
        self.db.executemany(
            "insert or ignore into mentions values (?, ?, ?, ?, ?, ?, ?)",
            [
                (entry.viewer, entry.id, m.slot, m.role, m.key, m.strength, _json(m.label))
                for m in entry.mentions
            ],
        )
        self.db.executemany(
            "insert or ignore into persons values (?, ?, ?, ?)",
            [
                (entry.viewer, person_id(self.key, entry.viewer, m.key), m.key, m.strength)
                for m in entry.mentions
                if m.strength != "pseudonym"
            ],
        )

    def forget_before(self, earliest: Mapping[tuple[str, int], int]) -> int:
        """Drop what came from records the topics no longer hold (before each partition's earliest
        offset): the read model keeps no copy longer than Kafka keeps it. How many rows went."""
        gone = 0
        for (topic, partition), offset in earliest.items():
            for table in ("entries", "alert_changes", "obligation_events"):
                where = f"delete from {table} where topic = ? and partition = ? and offset < ?"
                gone += self.db.execute(where, (topic, partition, offset)).rowcount
        if gone:
            for orphans in (
                "delete from mentions where not exists (select 1 from entries e "
                "where e.viewer = mentions.viewer and e.id = mentions.id)",
                "delete from persons where not exists (select 1 from mentions m "
                "where m.viewer = persons.viewer and m.key = persons.key)",
                "delete from obligation_keys where obligation_id not in "
                "(select obligation_id from obligation_events)",
            ):
                self.db.execute(orphans)
        return gone

    def positions(self) -> dict[tuple[str, int], int]:
        rows = self.db.execute("select topic, partition, next_offset from positions")
        return {(topic, partition): offset for topic, partition, offset in rows}

    def commit(self, positions: Mapping[tuple[str, int], int]) -> None:
        self.db.executemany(
            "insert or replace into positions values (?, ?, ?)",
            [(topic, partition, offset) for (topic, partition), offset in positions.items()],
        )
        self.db.commit()

    def rollback(self) -> None:
        self.db.rollback()

    # Reading: always for one viewer.

    def person(self, viewer: str, person: str) -> tuple[str, Strength] | None:
        """The pseudonym behind an opaque person id the viewer was given, and of which kind."""
        row = self.db.execute(
            "select key, strength from persons where viewer = ? and person = ?", (viewer, person)
        ).fetchone()
        return (row[0], cast(Strength, row[1])) if row else None

    def keys(self, viewer: str, key: str, strength: Strength) -> dict[str, Strength]:
        """The pseudonyms the viewer knows the person by: the one asked, and those its own entries
        name the same person by beside it (the BSN beside name and birth date, or the other way)."""
        found: dict[str, Strength] = {key: strength}
        rows = self.db.execute(
            "select b.key, b.strength from mentions a join mentions b using (viewer, id, slot) "
            "where a.viewer = ? and a.key = ? and a.slot != ? and b.strength != 'pseudonym'",
            (viewer, key, SUBJECT),
        )
        for other, kind in rows:
            found.setdefault(other, cast(Strength, kind))
        return found

    def found(self, viewer: str, keys: Mapping[str, Strength]) -> Found:
        """Everything of the viewer's that names the person by one of these keys."""
        named = self._in("select distinct id from mentions where viewer = ? and key", (viewer,), keys)
        entries = [e for e in self._entries(viewer, {row[0] for row in named}) if matched(e.mentions, keys)]
        obligation_ids = sorted(
            {row[0] for row in self._in("select obligation_id from obligation_keys where key", (), keys)}
        )
        signals = {e.signal_id for e in entries if e.kind in ("sent", "received")}
        alert = "select id from entries where viewer = ? and kind = 'alert' and"
        alerts = {row[0] for row in self._in(f"{alert} signal_id", (viewer,), signals)} | {
            row[0] for row in self._in(f"{alert} obligation_id", (viewer,), obligation_ids)
        }
        entries += self._entries(viewer, alerts - {e.id for e in entries})
        changes: dict[str, list[AlertChange]] = {}
        query = "select id, event_id, at, doc from alert_changes where viewer = ? and id"
        alert_ids = [e.id for e in entries if e.kind == "alert"]
        for entry_id, event_id, at, doc in self._in(query, (viewer,), alert_ids):
            changes.setdefault(entry_id, []).append(
                AlertChange(viewer, entry_id, event_id, datetime.fromisoformat(at), orjson.loads(doc))
            )
        query = "select obligation_id, doc from obligation_events where obligation_id"
        events: dict[str, list[ObligationEvent]] = {}
        for oid, doc in self._in(query, (), obligation_ids):
            events.setdefault(oid, []).append(ObligationEvent.model_validate_json(doc))
        by_name = {m.key for e in entries for m in e.mentions if m.strength == "name_birth_date"}
        ties = {key: bsns[0] for key in by_name if len(bsns := self._bsns(viewer, key)) == 1}
        obligations = [sorted(e, key=lambda event: event.at) for e in events.values()]
        return Found(entries, changes, obligations, ties)

    def _bsns(self, viewer: str, key: str) -> list[str]:
        """The pseudonyms of the BSNs the viewer's entries name beside this name and birth date."""
        return [
            other
            for other, strength in self.keys(viewer, key, "name_birth_date").items()
            if strength == "bsn"
        ]

    def _entries(self, viewer: str, ids: Iterable[str]) -> list[Entry]:
        wanted = list(ids)
        mentions: dict[str, list[Mention]] = {}
        query = "select id, slot, role, key, strength, label from mentions where viewer = ? and id"
        for entry_id, slot, role, key, strength, label in self._in(query, (viewer,), wanted):
            mentions.setdefault(entry_id, []).append(Mention(slot, role, key, strength, orjson.loads(label)))
        query = f"select {ENTRY_COLUMNS} from entries where viewer = ? and id"
        return [_entry(row, tuple(mentions.get(row[1], ()))) for row in self._in(query, (viewer,), wanted)]

    def _in(self, query: str, leading: tuple[Any, ...], values: Iterable[str]) -> list[tuple[Any, ...]]:
        """`query` ending in a column, completed with `in (...)` over `values` (in chunks SQLite
        takes); `leading` are the parameters before it."""
        values = list(values)
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows += self.db.execute(f"{query} in ({marks})", (*leading, *chunk)).fetchall()
        return rows


def _entry(row: tuple[Any, ...], mentions: tuple[Mention, ...]) -> Entry:
    viewer, entry_id, kind, at, signal_id, signal_type, sender, obligation_id, doc = row
    return Entry(
        viewer, entry_id, cast(Kind, kind), datetime.fromisoformat(at), signal_id, signal_type, sender,
        orjson.loads(doc), mentions, obligation_id,
    )  # fmt: skip


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()
