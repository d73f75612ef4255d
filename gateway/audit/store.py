"""The audit read model: `gateway.audit` consumed into SQLite, for subject access and per-recipient
reports. Kafka stays the record; this file can be deleted and rebuilt at any time."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition

from gateway.kafka import FROM_THE_START, KafkaConnection, partition_counts, read_to_end
from gateway.schemas.audit import AuditRecord
from gateway.topics import AUDIT

SCHEMA = """
create table if not exists records (
    partition integer not null, offset integer not null, sequence integer not null,
    signal_id text not null, signal_type text not null, sender text not null, recipient text not null,
    level text not null, decided_at text not null, body text not null,
    primary key (partition, offset)
);
create index if not exists records_recipient on records (recipient, decided_at);
create table if not exists subjects (
    partition integer not null, offset integer not null, pseudonym text not null, role text not null
);
create index if not exists subjects_pseudonym on subjects (pseudonym);
create table if not exists positions (partition integer primary key, next_offset integer not null);
"""


class AuditStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    async def catch_up(self, kafka: KafkaConnection, topic: str = AUDIT) -> int:
        """Read every committed audit record not read before. Returns how many were added."""
        count = (await partition_counts(kafka, [topic]))[topic]
        partitions = [TopicPartition(topic, p) for p in range(count)]
        if not partitions:
            return 0
        consumer = AIOKafkaConsumer(
            **kafka.client_options(), **FROM_THE_START, isolation_level="read_committed"
        )
        await consumer.start()
        added = 0
        try:
            known = dict(self.db.execute("select partition, next_offset from positions").fetchall())
            starts = {tp: known.get(tp.partition, 0) for tp in partitions}
            async for message in read_to_end(consumer, starts):
                added += self._add(message.partition, message.offset, message.value or b"")
            for tp in partitions:
                position = await consumer.position(tp)
                self.db.execute("insert or replace into positions values (?, ?)", (tp.partition, position))
            self.db.commit()  # records and positions together, or neither
        except BaseException:
            self.db.rollback()
            raise
        finally:
            await consumer.stop()
        return added

    def _add(self, partition: int, offset: int, raw: bytes) -> int:
        try:
            record = AuditRecord.model_validate_json(raw)
        except ValueError:
            return 0  # `audit verify` reports records that are not audit records
        self.db.execute(
            "insert or ignore into records values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                partition, offset, record.sequence, record.signal_id, record.signal_type, record.sender,
                record.recipient, record.level, record.decided_at.isoformat(), raw.decode(),
            ),
        )  # fmt: skip
        self.db.executemany(
            "insert into subjects values (?, ?, ?, ?)",
            [(partition, offset, subject.id, subject.role) for subject in record.data_subjects],
        )
        return 1

    def about(self, pseudonym: str) -> list[AuditRecord]:
        rows = self.db.execute(
            "select distinct r.body from records r join subjects s using (partition, offset) "
            "where s.pseudonym = ? order by r.decided_at, r.recipient",
            (pseudonym,),
        )
        return [AuditRecord.model_validate_json(body) for (body,) in rows]

    def received_by(self, recipient: str, since: datetime | None = None) -> list[AuditRecord]:
        rows = self.db.execute(
            "select body from records where recipient = ? and level != 'none' and decided_at >= ? "
            "order by decided_at",
            (recipient, since.isoformat() if since else ""),
        )
        return [AuditRecord.model_validate_json(body) for (body,) in rows]

    def between(self, since: datetime | None = None, until: datetime | None = None) -> Iterator[AuditRecord]:
        """Every record decided in [since, until), in the order decided, one at a time."""
        rows = self.db.execute(
            "select body from records where decided_at >= ? and decided_at < ? "
            "order by decided_at, partition, offset",
            (since.isoformat() if since else "", until.isoformat() if until else "~"),
        )
        for (body,) in rows:
            yield AuditRecord.model_validate_json(body)

    def policy_inputs(
        self, since: datetime | None = None, chain: str | None = None
    ) -> tuple[dict[str, int], int]:
        """(each distinct policy input decided since `since`, as JSON, with the number of signals
        read that were asked it; the signals recorded without one), of one deployment's chain or
        all. Counted in SQLite: one signal read is one (signal id, source partition and offset),
        whatever number of recipients its records are for."""
        where = "decided_at >= ?" + (" and json_extract(body, '$.chain') = ?" if chain else "")
        asked = (since.isoformat() if since else "", *((chain,) if chain else ()))
        occurrence = (
            "signal_id || '/' || ifnull(json_extract(body, '$.source_topic'), '') || '/' || "
            "ifnull(json_extract(body, '$.source_partition'), '') || '/' || "
            "ifnull(json_extract(body, '$.source_offset'), '')"
        )
        # A signal's records all hold the same input, but for records of its match notices,
        # which hold none: per signal read, the input any of its records holds.
        rows = self.db.execute(
            "select asked, count(*) from ("
            f"select {occurrence} as read, max(json_extract(body, '$.policy_input')) as asked "
            f"from records where {where} group by read"
            ") group by asked",
            asked,
        ).fetchall()
        counted = {value: n for value, n in rows if value is not None}
        missing = sum(n for value, n in rows if value is None)
        return counted, missing
