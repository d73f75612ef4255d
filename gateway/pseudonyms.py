"""Chain pseudonyms: one stable, keyed, non-reversible name per person across the chain.

Used for Kafka keys (all signals about one person stay in order), the involvement index and the
audit log, so none of them needs the BSN.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import date
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
    return _pseudonym(key, person.bsn, person.given_name, person.family_name, person.birth_date)


def name_pseudonym(person: Person, key: bytes) -> ChainPseudonym:
    """The chain pseudonym of the person's name and birth date, whether the BSN is known or not."""
    return _pseudonym(key, None, person.given_name, person.family_name, person.birth_date)


_Asked = tuple[bytes, str | None, str, str, date | None]
_known: dict[_Asked, ChainPseudonym] = {}
KNOWN_AT_MOST = 1024


def forget_known() -> None:
    """Forget the pseudonyms worked out so far: the router calls it after each signal, so what
    identifies a person (the BSN, the name) is held here no longer than the signal is."""
    _known.clear()


def _pseudonym(key: bytes, bsn: str | None, given: str, family: str, born: date | None) -> ChainPseudonym:
    """Worked out once while a signal is routed: its steps ask for its persons' pseudonyms about
    ten times (an HMAC and a normalisation each)."""
    asked = (key, bsn, given, family, born)
    found = _known.get(asked)
    if found is None:
        if bsn is not None:
            material = f"bsn:{bsn}"
        else:
            material = f"name:{normalise_name(given, family)}|{born.isoformat() if born else 'unknown'}"
        digest = hmac.new(key, material.encode(), hashlib.sha256).hexdigest()
        if len(_known) >= KNOWN_AT_MOST:
            _known.clear()
        found = _known[asked] = ChainPseudonym(f"kp-{digest[:32]}")
    return found


def pseudonym_of_bsn(bsn: str, key: bytes) -> ChainPseudonym:
    """The chain pseudonym of whoever has this BSN (checked with the 11-test first)."""
    return chain_pseudonym(Person(bsn=bsn, given_name="-", family_name="-"), key)
