"""Risk assessment of a stalking case: SASH by the police, or a probation tool."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.times import Day


class RiskLevel(StrEnum):
    """The SASH levels. The values are the Dutch terms every partner uses."""

    LOW = "laag"
    MEDIUM = "midden"
    HIGH = "hoog"

    def above(self, other: RiskLevel) -> bool:
        """Whether this level is higher than `other` (laag < midden < hoog)."""
        order = list(RiskLevel)
        return order.index(self) > order.index(other)


class Instrument(StrEnum):
    SASH = "sash"
    """Screening Assessment for Stalking and Harassment: the police screening at every stalking report."""
    SRP = "srp"
    """Stalking Risk Profile (probation)."""
    B_SAFER = "b_safer"
    """Brief Spousal Assault Form for the Evaluation of Risk (probation)."""
    RISC = "risc"
    """Recidive Inschattings Schalen: probation's general risk assessment."""


ALARM_ITEMS = ("no_way_out_but_violence", "victim_fears_for_life")


class RiskAssessment(Signal):
    """*Risicotaxatie*: a SASH screening (*laag* / *midden* / *hoog*) or a probation risk assessment.

    Send it after every screening and every re-score, so that the prosecution service, Veilig Thuis
    and probation all work from the latest level; a rise to *hoog* means act at once.
    """

    name: ClassVar[str] = "risk_assessment"
    version: ClassVar[str] = "1.0"

    instrument: Instrument = Field(description="The tool the risk was assessed with.")
    no_way_out_but_violence: bool | None = Field(
        default=None,
        validate_default=True,
        description="SASH alarm item: the stalker sees no way out but violence. SASH only; forces 'hoog'.",
    )
    victim_fears_for_life: bool | None = Field(
        default=None,
        validate_default=True,
        description="SASH alarm item: the victim fears for their life. SASH only; forces 'hoog'.",
    )
    risk_level: RiskLevel = Field(description="The assessed level: laag, midden or hoog.")
    previous_risk_level: RiskLevel | None = Field(
        default=None, description="The level of the previous assessment in this case, if there was one."
    )
    assessed_on: Day = Field(description="The day of the assessment.")
    assessor: ContactPerson = Field(description="Who made the assessment.")
    contact: ContactPerson = Field(description="Whom to call about the case, e.g. the casusregisseur.")

    @field_validator(*ALARM_ITEMS)
    @classmethod
    def _alarm_items_belong_to_sash(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        instrument = info.data.get("instrument")
        if instrument is Instrument.SASH and value is None:
            raise ValueError(f"{info.field_name} is a SASH alarm item: send true or false")
        if instrument is not None and instrument is not Instrument.SASH and value is not None:
            raise ValueError(f"{info.field_name} is a SASH alarm item: leave it out for {instrument.value}")
        return value

    @field_validator("risk_level")
    @classmethod
    def _alarm_item_forces_high(cls, value: RiskLevel, info: ValidationInfo) -> RiskLevel:
        alarms = [item for item in ALARM_ITEMS if info.data.get(item)]
        if alarms and value is not RiskLevel.HIGH:
            raise ValueError(
                f"risk_level must be 'hoog' when a SASH alarm item is true ({', '.join(alarms)})"
            )
        return value

    def risk_rising(self) -> bool:
        """Whether this assessment scores higher than the previous one."""
        return self.previous_risk_level is not None and self.risk_level.above(self.previous_risk_level)

    def attributes(self) -> dict[str, Any]:
        previous = self.previous_risk_level.value if self.previous_risk_level else None
        return {
            **super().attributes(),
            "instrument": self.instrument.value,
            "risk_level": self.risk_level.value,
            "previous_risk_level": previous,
            "risk_rising": self.risk_rising(),
        }
