"""The records of `chain.obligations`: what must happen next in the chain, by whom, by when, as
events keyed by obligation id (docs/obligations.md). The gateway opens an obligation in the
transaction of the signal that opens it, and records it met in the transaction of the signal that
meets it; an obligation's state is the fold of its events."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class MeetingSignal(BaseModel):
    """A signal that meets an obligation: its type, from which organisation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    from_: str = Field(alias="from")


class ObligationEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    obligation_id: UUID
    event: Literal["opened", "met"]
    at: AwareDatetime
    kind: str = Field(description="e.g. risk_screening, safety_assessment, measure_extension.")
    owner: str = Field(description="The organisation that must act.")
    subject: str = Field(description="The chain pseudonym of the person it is about; never a BSN.")
    opened_by: UUID = Field(description="The signal that opened it.")
    due_at: AwareDatetime
    remind_at: AwareDatetime
    met_by: list[MeetingSignal] = Field(description="The signals that meet it.")
    tell_on_lapse: list[str] = Field(description="The organisations told when it lapses.")
    source: str = Field(description="Where the chain agreed on it.")
    met_signal: UUID | None = Field(default=None, description="Met: the signal that met it.")
