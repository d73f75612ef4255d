"""The fictional persons of the shared scenario (adapters/scenario.py), as the catalogue models them.
Their BSNs pass the 11-test and belong to nobody known to the chain: all persons here are made up."""

from __future__ import annotations

from datetime import date

from gateway.schemas import Person

BRAM = Person(bsn="111222333", given_name="Bram", family_name="Verhoef", birth_date=date(1990, 4, 12))
LOTTE = Person(bsn="123456782", given_name="Lotte", family_name="Dekker", birth_date=date(1993, 8, 30))
NOOR = Person(bsn="234567806", given_name="Noor", family_name="Dekker", birth_date=date(2019, 2, 14))
