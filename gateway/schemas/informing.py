"""The records of `chain.victim-informing` (compacted): per victim and subject (release, measure,
decision), the partner agreed to inform her, as the last `victim_informing_agreed` said."""

from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class InformerAgreed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    victim: str = Field(description="The victim's chain pseudonym; never a BSN.")
    about: str = Field(description="release, measure or decision.")
    informer: str = Field(description="The partner that informs her of it.")
    agreed_by: str = Field(description="case_conference, prosecution or other.")
    signal_id: UUID = Field(description="The victim_informing_agreed signal that said so.")
    at: AwareDatetime
