"""Conditions imposed on a suspect: shared by releases, measures and prosecution decisions."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from gateway.schemas.times import Day


class ConditionKind(StrEnum):
    CONTACT_BAN = "contact_ban"
    """*Contactverbod*: no contact with named persons, directly or through others."""
    AREA_BAN = "area_ban"
    """*Locatie- of gebiedsverbod*: stay out of a street, neighbourhood or area."""
    REPORTING_DUTY = "reporting_duty"
    """*Meldplicht*: report at set times to the police or probation."""
    ANKLE_TAG = "ankle_tag"
    """*Enkelband*: electronic monitoring of where the suspect is."""
    PROBATION_SUPERVISION = "probation_supervision"
    """*Reclasseringstoezicht*: supervision by probation (3RO)."""
    OTHER = "other"


class Condition(BaseModel):
    """*Voorwaarde*: one condition the suspect must keep to, as the police must enforce it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ConditionKind = Field(description="What kind of condition.")
    description: str = Field(
        description="The condition as imposed, e.g. which persons or which area.",
        min_length=1,
        max_length=1000,
    )
    ends_on: Day | None = Field(
        default=None, description="Last day the condition applies; None while it runs until further notice."
    )
