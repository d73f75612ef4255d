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
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import uuid4

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from gateway.audit.records import Head
from gateway.kafka import Record
from gateway.schemas.audit_checkpoint import AuditCheckpoint, CheckpointHead
from gateway.schemas.envelope import new_envelope
from gateway.settings import RECIPIENTS
from gateway.topics import AUDIT_CHECKPOINTS, inbox_topic


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The gateway's audit signing key (PKCS#8 PEM, unencrypted, mode 0600). Made on first use when
    absent, with its public half beside it (`<name>.pub`), for the embedded default and for
    instances sharing a volume; a deployment may provide its own, from its secret store. Two
    instances starting together make one key: the first link wins, the other reads it."""
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        tmp = path.with_name(f".{path.name}.{uuid4().hex}.tmp")
        tmp.write_bytes(pem)
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # fails when another process made it meanwhile
            public_path(path).write_bytes(public_pem(key.public_key()))
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    stored = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(stored, Ed25519PrivateKey):
        raise ValueError(f"{path} holds no Ed25519 private key")
    return stored


def public_path(private_path: Path) -> Path:
    return private_path.with_name(f"{private_path.name}.pub")


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key file (PEM), or the public half of a private key file."""
    data = path.read_bytes()
    if b"PRIVATE KEY" in data:
        private = serialization.load_pem_private_key(data, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError(f"{path} holds no Ed25519 key")
        return private.public_key()
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} holds no Ed25519 public key")
    return key


def _signed_bytes(checkpoint: AuditCheckpoint) -> bytes:
    content = checkpoint.model_dump(mode="json", exclude={"signature"})
    return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)


def sign(
    key: Ed25519PrivateKey, chain: str, instance: int, heads: dict[int, Head], kind: str, at: datetime
) -> AuditCheckpoint:
    """A checkpoint of the chains' heads (partitions not yet written are left out)."""
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

    def sign(self, heads: dict[int, Head], kind: str, at: datetime) -> AuditCheckpoint:
        return sign(self.key, self.chain, self.instance, heads, kind, at)

    def written(self, heads: dict[int, Head]) -> None:
        self._last = dict(heads)
