"""Ingest: an organisation's export in, its signals out on `signals.<org>`, each signal at most once.

The same native record always gives the same signal id (`signal_id`: the organisation, the record
id and the part), and a ledger remembers every id the broker has acknowledged, so ingesting a file
again sends nothing twice. The ledger is kept per Kafka cluster, under the cache directory. A
record that cannot be read or mapped is rejected with its problems; the rest still goes through.

If the adapter dies between the broker's acknowledgement and the ledger write, the next run sends
those signals again, with the same ids: the recipients' copies carry the same delivery id, so a
recipient keeps one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from uuid import NAMESPACE_URL, UUID, uuid5

from aiokafka import AIOKafkaProducer
from pydantic import ValidationError

from adapters.exports import Adapter, Mapped, MappingError, NativeRecord
from adapters.publish import signal_record
from gateway.kafka import KafkaConnection, cluster_id, make_producer
from gateway.schemas.problems import Problem, problems_from

NAMESPACE = uuid5(NAMESPACE_URL, "urn:ketenpoort:adapters")


def signal_id(org: str, record_id: str, part: str, namespace: UUID = NAMESPACE) -> UUID:
    """Stable per (organisation, native record, part of it): ingesting twice gives the same id, and
    the gateway routes it once. (A replay that stands for other records, such as each run of the
    demo, gives its own `namespace`.)"""
    return uuid5(namespace, f"{org}/{record_id}/{part}")


@dataclass
class Outcome:
    """What became of one native record."""

    position: str
    record_id: str | None
    sent: list[str] = field(default_factory=list)  # signal types sent now
    skipped: list[str] = field(default_factory=list)  # signal types sent before
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return bool(self.problems)


@dataclass
class Summary:
    """What one ingest did: per record, and in total."""

    source: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(len(outcome.sent) for outcome in self.outcomes)

    @property
    def skipped(self) -> int:
        return sum(len(outcome.skipped) for outcome in self.outcomes)

    @property
    def rejected(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.rejected]

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "records": len(self.outcomes),
            "signals_sent": self.sent,
            "signals_skipped": self.skipped,
            "records_rejected": len(self.rejected),
            "rejected": [
                {
                    "position": outcome.position,
                    "record_id": outcome.record_id,
                    "problems": [problem.model_dump(mode="json") for problem in outcome.problems],
                }
                for outcome in self.rejected
            ],
        }


class Ledger:
    """The signal ids the broker has acknowledged, in one SQLite file per organisation and cluster."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("create table if not exists sent (signal_id text primary key, sent_at text not null)")

    def sent(self, ids: Iterable[str]) -> set[str]:
        wanted = list(ids)
        marks = ",".join("?" * len(wanted))
        rows = (
            self.db.execute(f"select signal_id from sent where signal_id in ({marks})", wanted)
            if wanted
            else []
        )
        return {row[0] for row in rows}

    def remember(self, ids: Iterable[str]) -> None:
        self.db.executemany(
            "insert or ignore into sent values (?, datetime('now'))", [(signal,) for signal in ids]
        )
        self.db.commit()

    def close(self) -> None:
        self.db.close()


@dataclass(frozen=True)
class _Pending:
    outcome: Outcome
    signal_id: str
    signal_type: str


class Ingest:
    """Sends one organisation's records as that organisation. Use as `async with`."""

    def __init__(
        self,
        adapter: Adapter,
        kafka: KafkaConnection,
        ledger_dir: Path,
        pseudonym_key: bytes,
        namespace: UUID = NAMESPACE,
    ) -> None:
        self.adapter, self.kafka, self.ledger_dir, self.pseudonym_key = (
            adapter,
            kafka,
            ledger_dir,
            pseudonym_key,
        )
        self.namespace = namespace
        self._producer: AIOKafkaProducer | None = None
        self._ledger: Ledger | None = None

    async def __aenter__(self) -> Self:
        cluster = await cluster_id(self.kafka)
        self._ledger = Ledger(self.ledger_dir / self.adapter.org / f"{cluster}.ledger.sqlite")
        self._producer = make_producer(self.kafka, client_id=f"ketenpoort-adapter-{self.adapter.org}")
        await self._producer.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._producer is not None:
            await self._producer.stop()
        if self._ledger is not None:
            self._ledger.close()

    async def ingest(self, raw: bytes, source: str, progress: Callable[[int], None] | None = None) -> Summary:
        """Read one export (a file's or a request's bytes) and send what it means."""
        return await self.send(self.adapter.read(raw), source, progress)

    async def send(
        self, records: list[NativeRecord], source: str, progress: Callable[[int], None] | None = None
    ) -> Summary:
        """Map and send records already read; returns once the broker has acknowledged every send."""
        assert self._producer is not None and self._ledger is not None, "use Ingest as `async with`"
        summary = Summary(source)
        pending: list[tuple[_Pending, Any]] = []
        queued: set[str] = set()  # a record given twice in one export is sent once
        for record in records:
            outcome = Outcome(record.position, record.record_id)
            summary.outcomes.append(outcome)
            for item, kafka_record in self._signals(record, outcome, queued):
                future = await self._producer.send(
                    kafka_record.topic, kafka_record.value, key=kafka_record.key, headers=kafka_record.headers
                )
                pending.append((item, future))
            if progress is not None:
                progress(1)
        for item, future in pending:
            await future  # raises if the broker refused: nothing after it is remembered
            item.outcome.sent.append(item.signal_type)
        self._ledger.remember(item.signal_id for item, _ in pending)
        return summary

    def _signals(
        self, record: NativeRecord, outcome: Outcome, queued: set[str]
    ) -> list[tuple[_Pending, Any]]:
        """The records to send for one native record; its problems or skips go on the outcome."""
        if not record.ok:
            outcome.problems.extend(record.problems)
            return []
        if record.record_id is None:
            outcome.problems.append(Problem(path="(record)", message="the record has no id of its own"))
            return []
        try:
            mapped = self.adapter.to_signals(record.native)
        except MappingError as error:
            outcome.problems.extend(error.problems)
            return []
        except ValidationError as error:
            outcome.problems.extend(problems_from(error, prefix="signal."))
            return []
        ids = {
            m.part: str(signal_id(self.adapter.org, record.record_id, m.part, self.namespace)) for m in mapped
        }
        assert self._ledger is not None
        already = self._ledger.sent(ids.values()) | queued
        to_send = []
        for m in mapped:
            if ids[m.part] in already:
                outcome.skipped.append(m.signal.name)
                continue
            kafka_record, _ = signal_record(
                self.adapter.org, m.signal, signal_id=UUID(ids[m.part]), pseudonym_key=self.pseudonym_key
            )
            queued.add(ids[m.part])
            to_send.append((_Pending(outcome, ids[m.part], m.signal.name), kafka_record))
        return to_send


def export_files(path: Path, suffix: str) -> list[Path]:
    """A file, or every file with the adapter's suffix in a directory tree, in name order."""
    if path.is_dir():
        return sorted(p for p in path.rglob(f"*{suffix}") if p.is_file())
    return [path]


def planned(
    adapter: Adapter, records: list[NativeRecord], namespace: UUID = NAMESPACE
) -> list[tuple[str, Mapped]]:
    """The signals the good records mean, with the ids `Ingest.send` gives them."""
    out = []
    for record in records:
        if record.ok and record.record_id is not None:
            for mapped in adapter.to_signals(record.native):
                out.append((str(signal_id(adapter.org, record.record_id, mapped.part, namespace)), mapped))
    return out
