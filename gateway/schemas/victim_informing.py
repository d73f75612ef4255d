"""Who informs the victim of what: agreed at the case conference, or by the prosecution service
with its decision (DOMAIN.md: "informing and protecting the victim"; 001: with Hümeyra "it went
wrong precisely on this point")."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.persons import Person
from gateway.schemas.times import Day


class InformAbout(StrEnum):
    """What the victim is told of."""

    RELEASE = "release"
    """The suspect's release from custody, before it happens."""
    MEASURE = "measure"
    """A measure imposed, extended or ended: a ban, an order, conditions."""
    DECISION = "decision"
    """The prosecution service's decision in the case."""


class AgreedBy(StrEnum):
    CASE_CONFERENCE = "case_conference"
    """*Actieoverleg* at the safety house."""
    PROSECUTION = "prosecution"
    """The prosecution service, with its decision."""
    OTHER = "other"


class InformingAgreement(BaseModel):
    """One partner informs the victim of one thing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    about: InformAbout = Field(description="What the victim is told of.")
    informer: str = Field(
        pattern=r"^[a-z0-9]{2,20}$", description="The partner's code, e.g. slachtofferhulp, police, om."
    )


class VictimInformingAgreed(Signal):
    """*Afspraak informeren slachtoffer*: which partner informs this victim of what.

    Send it when the case conference or the prosecution service agrees on it, so that a release, a
    measure or a decision opens the obligation "victim warned" for that partner, not for whoever
    the covenant names by default.
    """

    name: ClassVar[str] = "victim_informing_agreed"
    version: ClassVar[str] = "1.0"

    victim: Person = Field(description="The victim the agreement is about.")
    agreements: list[InformingAgreement] = Field(
        min_length=1, max_length=10, description="Per subject, the partner that informs the victim."
    )
    agreed_by: AgreedBy = Field(description="Where it was agreed.")
    agreed_on: Day = Field(description="The day it was agreed.")
    contact: ContactPerson = Field(description="Whom to call about the agreement.")

    @model_validator(mode="after")
    def _one_informer_per_subject(self) -> VictimInformingAgreed:
        abouts = [agreement.about for agreement in self.agreements]
        if len(abouts) != len(set(abouts)):
            raise ValueError("agreements: one informer per subject (release, measure, decision)")
        return self

    def attributes(self) -> dict[str, Any]:
        informers = sorted({agreement.informer for agreement in self.agreements})
        return {**super().attributes(), "agreed_by": self.agreed_by.value, "informers": informers}
