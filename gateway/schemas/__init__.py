"""The signal catalogue: the envelope and every signal type the chain partners exchange."""

from __future__ import annotations

from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.envelope import Envelope, EnvelopeError, new_envelope
from gateway.schemas.new_report import NewReport
from gateway.schemas.persons import Address, Person

CATALOGUE: dict[str, type[Signal]] = {model.name: model for model in (NewReport,)}

__all__ = [
    "CATALOGUE",
    "Address",
    "ContactPerson",
    "Envelope",
    "EnvelopeError",
    "NewReport",
    "Person",
    "Signal",
    "new_envelope",
]
