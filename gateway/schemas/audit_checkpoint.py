"""The records of `gateway.audit.checkpoints`, also delivered to every partner's inbox: the heads of
a gateway instance's audit chains at one moment, signed with the gateway's audit key
(gateway/audit/checkpoints.py signs and checks them)."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class CheckpointHead(BaseModel):
    model_config = ConfigDict(frozen=True)

    partition: int = Field(description="The audit partition.")
    sequence: int = Field(description="The number of the chain's last record in that partition.")
    hash: str = Field(description="That record's hash.")


class ChainStart(BaseModel):
    """Where a chain's verifiable part now starts in a partition, after retention removed what came
    before: the first record kept, and the hash of the last one removed."""

    model_config = ConfigDict(frozen=True)

    partition: int
    chain: str
    sequence: int = Field(description="The number of the first record kept.")
    prev_hash: str = Field(description="The hash of the last record removed: the first kept one's prev_hash.")
    offset: int = Field(description="The partition's offset before which records were removed.")


class AuditCheckpoint(BaseModel):
    """*Controlepunt*: where the audit chains of one gateway instance stood; a record the topic no
    longer holds, or holds with another hash, was cut off or rewritten."""

    model_config = ConfigDict(frozen=True)

    name: ClassVar[str] = "audit_checkpoint"
    version: ClassVar[str] = "1.0"

    checkpoint_id: UUID
    chain: str = Field(description="The gateway deployment whose chains these are.")
    instance: int = Field(description="The gateway instance that wrote those partitions.")
    kind: Literal["interval", "shutdown", "retention"] = Field(
        description="interval: written at the fixed interval; shutdown: written as the instance stopped; "
        "retention: written before retention removed the audit's oldest records, naming where each "
        "chain's verifiable part then starts."
    )
    heads: list[CheckpointHead]
    starts: list[ChainStart] | None = Field(
        default=None, description="With kind retention: each chain's start."
    )
    signed_at: AwareDatetime
    key_id: str = Field(description="SHA-256 of the raw Ed25519 public key, first 16 hex digits.")
    signature: str = Field(description="Ed25519 over the canonical JSON of everything else, base64.")
