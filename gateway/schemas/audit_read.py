"""The records of `gateway.audit.reads`: every read of the audit, every lookup of involvements and
every read of a case timeline (who, how, what), written before it is answered (gateway/audit/reads.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Query = Literal[
    "subject", "recipient", "reads", "verify", "export", "history", "involvements", "timeline", "conditions"
]


class AuditRead(BaseModel):
    """One read of the audit, recorded before it is answered."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: UUID = Field(default_factory=uuid4)
    read_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    reader: str = Field(description="Who read: the API token's name, or the user at the command line.")
    role: str = Field(description="The token's role, or the Kafka principal of the command line.")
    channel: Literal["api", "cli"]
    query: Query
    subject: str | None = Field(default=None, description="The chain pseudonym asked about; never a BSN.")
    recipient: str | None = Field(default=None, description="The organisation whose deliveries were asked.")
    since: AwareDatetime | None = None
    org: str | None = Field(
        default=None, description="For a lookup or a timeline: the organisation that looked up."
    )
    shown: list[str] | None = Field(
        default=None, description="For a lookup: the organisations whose involvement it was shown."
    )
