"""Signed checkpoints of the audit chains' heads, held by every partner.

The hash chain shows a changed, removed or reordered record, but not that its newest records were
cut off, nor a topic rewritten and sealed afresh by whoever runs the platform. So the gateway signs,
at a fixed interval and when it stops, where each audit partition's chain stands (the sequence
number and hash of its last committed record) with an Ed25519 key of its own, and writes the
checkpoint to `gateway.audit.checkpoints` and to every partner's inbox in one transaction. A
partner's adapter delivers it into the partner's own system like any inbox item, so every partner
holds copies the platform cannot take back. `ketenpoort audit verify` checks the chain against
them (gateway/audit/verify.py): a checkpoint whose record the topic no longer holds names a cut-off
tail, one whose record holds another hash a rewritten partition, and one whose signature fails
with the gateway's public key a forgery.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import uuid4

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from gateway.audit.records import Head
from gateway.kafka import Record
from gateway.schemas.audit_checkpoint import AuditCheckpoint, ChainStart, CheckpointHead
from gateway.schemas.envelope import new_envelope
from gateway.settings import RECIPIENTS
from gateway.signing import key_id
from gateway.topics import AUDIT_CHECKPOINTS, inbox_topic


def _signed_bytes(checkpoint: AuditCheckpoint) -> bytes:
    # None left out: a field added later (`starts`) does not change what an older checkpoint signed.
    content = checkpoint.model_dump(mode="json", exclude={"signature"}, exclude_none=True)
    return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)


def sign(
    key: Ed25519PrivateKey,
    chain: str,
    instance: int,
    heads: dict[int, Head],
    kind: str,
    at: datetime,
    starts: list[ChainStart] | None = None,
) -> AuditCheckpoint:
    """A checkpoint of the chains' heads (partitions not yet written are left out); with `starts`,
    a retention checkpoint."""
    unsigned = AuditCheckpoint.model_validate(
        {
            "checkpoint_id": uuid4(),
            "chain": chain,
            "instance": instance,
            "kind": kind,
            "heads": [
                CheckpointHead(partition=p, sequence=h.sequence, hash=h.hash)
                for p, h in sorted(heads.items())
                if h.sequence >= 0
            ],
            "signed_at": at,
            "key_id": key_id(key.public_key()),
            "signature": "",
            "starts": starts,
        }
    )
    signature = base64.b64encode(key.sign(_signed_bytes(unsigned))).decode()
    return unsigned.model_copy(update={"signature": signature})


def signature_problem(checkpoint: AuditCheckpoint, public_key: Ed25519PublicKey) -> str | None:
    """Why the checkpoint is not the gateway's, or None when its signature holds."""
    if checkpoint.key_id != key_id(public_key):
        return f"signed with key {checkpoint.key_id}, not the gateway's audit key {key_id(public_key)}"
    try:
        public_key.verify(base64.b64decode(checkpoint.signature, validate=True), _signed_bytes(checkpoint))
    except (InvalidSignature, ValueError):
        return "its signature does not verify with the gateway's audit key: forged or altered"
    return None


def records(checkpoint: AuditCheckpoint, at: datetime) -> list[Record]:
    """The checkpoint on its own topic and in every partner's inbox, keyed by its id."""
    envelope = new_envelope(
        org="gateway",
        signal=AuditCheckpoint.name,
        version=AuditCheckpoint.version,
        id=checkpoint.checkpoint_id,
        time=at,
    )
    value = orjson.dumps(checkpoint.model_dump(mode="json"))
    key = str(checkpoint.checkpoint_id).encode()
    topics = [AUDIT_CHECKPOINTS, *(inbox_topic(org) for org in RECIPIENTS)]
    return [Record(topic, key, value, envelope.to_headers()) for topic in topics]


@dataclass(frozen=True)
class Held:
    """A checkpoint as it was found, and where: a topic and offset, or a file."""

    checkpoint: AuditCheckpoint
    source: str


def parse(values: Iterable[tuple[bytes, str]]) -> list[Held]:
    """The checkpoints among (value, where it was found); anything else (deliveries, receipts) is
    passed over."""
    held = []
    for value, source in values:
        try:
            fields = orjson.loads(value)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(fields, dict) or "checkpoint_id" not in fields:
            continue
        try:
            held.append(Held(AuditCheckpoint.model_validate(fields), source))
        except ValidationError:
            continue
    return held


def from_directory(directory: Path) -> list[Held]:
    """The checkpoints a partner's adapter delivered into its own system (the file drop's
    `checkpoint-<id>.json` files, or any JSON files holding them)."""
    return parse((path.read_bytes(), str(path)) for path in sorted(directory.glob("*.json")))


class Checkpointer:
    """Signs the checkpoints of one gateway instance's chains, each time they moved."""

    def __init__(self, key: Ed25519PrivateKey, chain: str, instance: int) -> None:
        self.key, self.chain, self.instance = key, chain, instance
        self._last: dict[int, Head] | None = None  # the heads of the last checkpoint written

    def due(self, heads: dict[int, Head]) -> bool:
        """Whether the heads moved since the last checkpoint (a restarted instance checkpoints
        again what it read back: it cannot know its predecessor's last one was written)."""
        return heads != self._last and any(head.sequence >= 0 for head in heads.values())

    def sign(
        self, heads: dict[int, Head], kind: str, at: datetime, starts: list[ChainStart] | None = None
    ) -> AuditCheckpoint:
        return sign(self.key, self.chain, self.instance, heads, kind, at, starts)

    def written(self, heads: dict[int, Head]) -> None:
        self._last = dict(heads)
