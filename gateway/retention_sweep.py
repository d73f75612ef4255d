"""The gateway's retention sweep: an involvement closed longer ago than its retention is removed
from `chain.involvements` by a tombstone (compaction then deletes it), with a record of the removal
on `gateway.retention`, both in one transaction of their own between batches (`Fanout.write`).
Every gateway drops the involvement from its index as it reads the tombstone, so a lookup no
longer finds it anywhere (gateway/retention.py).

One instance sweeps (instance 0): the tombstones are the same whichever writes them. An
involvement is tombstoned only while the index, as this instance has read it, holds it expired;
one reopened by another instance in the milliseconds before its tombstone is written is re-made
by the next signal about that person (every signal observes its sender's involvement again).
"""

from __future__ import annotations

from gateway.clock import now_utc
from gateway.fanout import Fanout
from gateway.involvements import InvolvementIndex, record_key
from gateway.kafka import Record
from gateway.logging import get_logger
from gateway.retention import INVOLVEMENTS as KIND
from gateway.retention import involvement_retention
from gateway.schemas.retention import Removed
from gateway.topics import INVOLVEMENTS, RETENTION_LOG

log = get_logger("gateway.retention")


class RetentionSweep:
    def __init__(self, index: InvolvementIndex, fanout: Fanout) -> None:
        self.index, self.fanout = index, fanout
        self._writing: list[tuple[str, str]] = []

    def removals(self) -> list[Record]:
        """The tombstones of every expired involvement, and a record of each removal: asked with
        no batch in flight, so the index is as committed."""
        self.index.sweep()
        now = now_utc()
        kept = involvement_retention(self.index.retention_months)
        self._writing = [key for key in sorted(self.index.expired) if key not in self.index.entries]
        out: list[Record] = []
        for key in self._writing:
            expired = self.index.expired[key]
            removed = Removed(
                kind=KIND.kind,
                topic=INVOLVEMENTS,
                key="/".join(key),
                reason=f"closed on {expired.closed_on}; involvements are kept {kept}",
                removed_at=now,
            )
            out.append(Record(INVOLVEMENTS, record_key(key), None, []))
            out.append(Record(RETENTION_LOG, record_key(key), removed.model_dump_json().encode(), []))
        return out

    async def once(self) -> int | None:
        """Remove what has expired: how many involvements, or None when the write failed."""
        written = await self.fanout.write(self.removals, "retention_removal")
        if written is None:
            return None
        for key in self._writing:
            self.index.remove(key)
        if self._writing:
            log.info("retention_removed", kind=KIND.kind, count=len(self._writing))
        return len(self._writing)
