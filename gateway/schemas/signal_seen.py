"""The records of `gateway.signal-ids`: each copy of a signal id the gateway read, and whether it was
the copy that was routed or a later one (gateway/signal_ids.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class SignalSeen(BaseModel):
    """One record on `gateway.signal-ids`: a copy of a signal id the gateway read, and what it was."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    signal_id: str
    outcome: Literal["first", "duplicate"] = Field(
        description="first: this copy was routed; duplicate: an earlier copy with the same content was."
    )
    digest: str = Field(
        description="SHA-256 of the signal's content (body, ce_type, ce_dataschema, ce_source)."
    )
    topic: str
    partition: int
    offset: int
    first: str = Field(description="Where the routed copy was read, e.g. signals.police[0]@12.")
    seen_at: AwareDatetime
