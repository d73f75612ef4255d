"""Reading the audit topic whole, in offset order, to check its chains, and the chains against the
signed checkpoints (gateway/audit/checkpoints.py): the checkpoints topic's, or a partner's own
copies."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gateway.audit.checkpoints import Held, parse, signature_problem
from gateway.audit.records import Finding, Head, verify
from gateway.kafka import FROM_THE_START, KafkaConnection, partition_counts, read_to_end, read_whole
from gateway.topics import AUDIT, AUDIT_CHECKPOINTS


@dataclass(frozen=True)
class CheckpointFinding:
    """A checkpoint that is not the gateway's, or that the audit topic does not bear out."""

    checkpoint: str
    source: str
    problem: str
    partition: int | None = None
    sequence: int | None = None

    def __str__(self) -> str:
        where = f"partition {self.partition}, record #{self.sequence}: " if self.partition is not None else ""
        return f"{where}{self.problem} (checkpoint {self.checkpoint}, from {self.source})"


@dataclass
class Verification:
    """What `verify_topic` checked and found."""

    records: int = 0
    checkpoints: int = 0  # genuine ones, each counted once however many copies were given
    newest_checkpoint: str | None = None  # when the newest genuine one was signed
    findings: list[Finding | CheckpointFinding] = field(default_factory=list)


class _Anchors:
    """What the genuine checkpoints say each chain holds: (chain, partition) -> sequence -> the
    hash and the checkpoint that says so."""

    def __init__(self, held: list[Held], public_key: Ed25519PublicKey | None, result: Verification) -> None:
        self.points: dict[tuple[str, int], dict[int, list[tuple[str, Held]]]] = defaultdict(dict)
        # Where retention left each chain in each partition: the head before its first record kept.
        self.starts: dict[int, dict[str, Head]] = defaultdict(dict)
        self.seen: set[tuple[str, int, int]] = set()
        self.ends: dict[tuple[str, int], int] = {}  # each chain's last sequence in each partition
        genuine: dict[tuple[str, str], Held] = {}
        for copy in held:
            checkpoint = copy.checkpoint
            problem = signature_problem(checkpoint, public_key) if public_key is not None else None
            if problem:
                result.findings.append(
                    CheckpointFinding(str(checkpoint.checkpoint_id), copy.source, f"forged: {problem}")
                )
                continue
            genuine.setdefault((str(checkpoint.checkpoint_id), checkpoint.signature), copy)
        for copy in genuine.values():
            checkpoint = copy.checkpoint
            for start in checkpoint.starts or []:
                known = self.starts[start.partition].get(start.chain)
                if known is None or start.sequence - 1 > known.sequence:
                    self.starts[start.partition][start.chain] = Head(start.sequence - 1, start.prev_hash)
        for copy in genuine.values():
            checkpoint = copy.checkpoint
            for head in checkpoint.heads:
                by_sequence = self.points[(checkpoint.chain, head.partition)]
                by_sequence.setdefault(head.sequence, []).append((head.hash, copy))
        result.checkpoints = len(genuine)
        if genuine:
            result.newest_checkpoint = max(c.checkpoint.signed_at for c in genuine.values()).isoformat()

    def check(self, partition: int, offset: int, raw: bytes, result: Verification) -> None:
        """One stored record against what the checkpoints say of its place in its chain."""
        try:
            fields = orjson.loads(raw)
            chain, sequence, hash_ = fields["chain"], int(fields["sequence"]), fields["hash"]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return  # not an audit record: the chain check names it
        self.ends[(chain, partition)] = max(self.ends.get((chain, partition), -1), sequence)
        said = self.points.get((chain, partition), {}).get(sequence)
        if not said:
            return
        self.seen.add((chain, partition, sequence))
        for expected, copy in said:
            if hash_ != expected:
                result.findings.append(
                    CheckpointFinding(
                        str(copy.checkpoint.checkpoint_id),
                        copy.source,
                        f"rewritten: the record at offset {offset} is not the one signed on "
                        f"{copy.checkpoint.signed_at.isoformat()} (chain {chain})",
                        partition,
                        sequence,
                    )
                )

    def missing(self, result: Verification) -> None:
        """Every checkpointed record the topic did not hold: cut off when past the chain's end."""
        for (chain, partition), by_sequence in self.points.items():
            end = self.ends.get((chain, partition), -1)
            start = self.starts.get(partition, {}).get(chain)
            for sequence, said in sorted(by_sequence.items()):
                if (chain, partition, sequence) in self.seen or (
                    start is not None and sequence <= start.sequence
                ):
                    continue  # seen, or removed by retention before where a retention checkpoint starts it
                copy = said[0][1]
                how = (
                    f"cut off: signed on {copy.checkpoint.signed_at.isoformat()} as chain {chain}'s record "
                    f"#{sequence}, but the chain ends at #{end}"
                    if sequence > end
                    else f"removed: signed on {copy.checkpoint.signed_at.isoformat()} as chain {chain}'s "
                    f"record #{sequence}, not in the topic"
                )
                result.findings.append(
                    CheckpointFinding(
                        str(copy.checkpoint.checkpoint_id), copy.source, how, partition, sequence
                    )
                )


async def read_checkpoints(kafka: KafkaConnection, topic: str = AUDIT_CHECKPOINTS) -> list[Held]:
    """Every checkpoint in a topic (the checkpoints topic, or an inbox read as its organisation)."""
    values: list[tuple[bytes, str]] = []
    await read_whole(
        kafka, topic, lambda m: values.append((m.value or b"", f"{topic}/{m.partition}@{m.offset}"))
    )
    return parse(values)


async def verify_topic(
    kafka: KafkaConnection,
    topic: str = AUDIT,
    held: list[Held] | None = None,
    public_key: Ed25519PublicKey | None = None,
    chain: str | None = None,
) -> Verification:
    """The chains of every partition of the topic, and what the checkpoints `held` say of them
    (each checkpoint's signature checked with `public_key`); only those of one gateway deployment
    when `chain` names it."""
    result = Verification()
    held = [h for h in held or [] if chain is None or h.checkpoint.chain == chain]
    anchors = _Anchors(held, public_key, result)
    count = (await partition_counts(kafka, [topic]))[topic]
    consumer = AIOKafkaConsumer(**kafka.client_options(), **FROM_THE_START, isolation_level="read_committed")
    await consumer.start()
    try:
        for partition in range(count):
            tp = TopicPartition(topic, partition)
            stored = [(m.offset, m.value or b"") async for m in read_to_end(consumer, {tp: 0})]
            result.records += len(stored)
            result.findings.extend(
                f
                for f in verify(partition, stored, anchors.starts.get(partition))
                if chain is None or f.chain in (chain, None)
            )
            for offset, raw in stored:
                anchors.check(partition, offset, raw, result)
    finally:
        await consumer.stop()
    anchors.missing(result)
    return result
