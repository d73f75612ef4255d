"""The records of `gateway.retention`: what retention removed, and when (gateway/retention.py)."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Removed(BaseModel):
    """One removal by retention: which kind of data, which key, why, when. No content: the key of
    an involvement is a chain pseudonym and an organisation."""

    model_config = ConfigDict(frozen=True)

    kind: str = Field(description="The kind of data (gateway/retention.py), e.g. involvements.")
    topic: str
    key: str = Field(description="The removed record's key, e.g. <chain pseudonym>/<organisation>.")
    reason: str = Field(description="Why, e.g. closed on 2024-01-31, kept 24 months after closing.")
    removed_at: AwareDatetime
