"""The signal catalogue: the envelope and every signal type the chain partners exchange."""

from __future__ import annotations

from gateway.schemas.arrest import Arrest
from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.breach_of_conditions import BreachOfConditions
from gateway.schemas.case_conference import CaseConference
from gateway.schemas.child_protection import ChildProtection
from gateway.schemas.contact_person import ContactAssigned, ContactChanged
from gateway.schemas.envelope import Envelope, EnvelopeError, new_envelope
from gateway.schemas.involvement import InvolvementClosed, InvolvementOpened
from gateway.schemas.measure import MeasureEnded, MeasureExtended, MeasureImposed
from gateway.schemas.new_report import NewReport
from gateway.schemas.persons import Address, Person
from gateway.schemas.prosecution_decision import ProsecutionDecision
from gateway.schemas.protection_needs import ProtectionNeeds
from gateway.schemas.release_from_custody import ReleaseFromCustody
from gateway.schemas.risk_assessment import RiskAssessment
from gateway.schemas.safety_assessment import SafetyAssessment
from gateway.schemas.victim_informed import VictimInformed
from gateway.schemas.victim_informing import VictimInformingAgreed

CATALOGUE: dict[str, type[Signal]] = {
    model.name: model
    for model in (
        NewReport,
        RiskAssessment,
        BreachOfConditions,
        Arrest,
        ReleaseFromCustody,
        SafetyAssessment,
        MeasureImposed,
        MeasureExtended,
        MeasureEnded,
        ProsecutionDecision,
        ContactAssigned,
        ContactChanged,
        InvolvementOpened,
        InvolvementClosed,
        VictimInformingAgreed,
        ProtectionNeeds,
        VictimInformed,
        ChildProtection,
        CaseConference,
    )
}

__all__ = [
    "CATALOGUE",
    "Address",
    "Arrest",
    "BreachOfConditions",
    "CaseConference",
    "ChildProtection",
    "ContactAssigned",
    "ContactChanged",
    "ContactPerson",
    "Envelope",
    "EnvelopeError",
    "InvolvementClosed",
    "InvolvementOpened",
    "MeasureEnded",
    "MeasureExtended",
    "MeasureImposed",
    "NewReport",
    "Person",
    "ProsecutionDecision",
    "ProtectionNeeds",
    "ReleaseFromCustody",
    "RiskAssessment",
    "SafetyAssessment",
    "Signal",
    "VictimInformed",
    "new_envelope",
]
