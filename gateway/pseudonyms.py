"""Chain pseudonyms: one stable, keyed, non-reversible name per person across the chain.

Used for Kafka keys (all signals about one person stay in order), the involvement index and the
audit log, so none of them needs the BSN.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from typing import NewType

from gateway.schemas.persons import Person

ChainPseudonym = NewType("ChainPseudonym", str)


def normalise_name(given_name: str, family_name: str) -> str:
    """Case-, accent- and spacing-insensitive: 'Ayşe  de Vries' and 'ayse de vries' are one name."""
    text = f"{given_name} {family_name}"
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(letters.casefold().split())


def chain_pseudonym(person: Person, key: bytes) -> ChainPseudonym:
    """HMAC-SHA256 of the BSN, or of the normalised name and birth date when there is no BSN."""
    if person.bsn is not None:
        material = f"bsn:{person.bsn}"
    else:
        born = person.birth_date.isoformat() if person.birth_date else "unknown"
        material = f"name:{normalise_name(person.given_name, person.family_name)}|{born}"
    digest = hmac.new(key, material.encode(), hashlib.sha256).hexdigest()
    return ChainPseudonym(f"kp-{digest[:32]}")


def pseudonym_of_bsn(bsn: str, key: bytes) -> ChainPseudonym:
    """The chain pseudonym of whoever has this BSN (checked with the 11-test first)."""
    return chain_pseudonym(Person(bsn=bsn, given_name="-", family_name="-"), key)
