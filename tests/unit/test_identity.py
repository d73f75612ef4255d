from __future__ import annotations

from datetime import date

from gateway.pseudonyms import chain_pseudonym, normalise_name
from gateway.schemas import Person

KEY = b"test-key"


def test_the_bsn_decides_the_pseudonym() -> None:
    one = Person(bsn="111222333", given_name="Bram", family_name="Verhoef")
    same_bsn_other_spelling = Person(bsn="111222333", given_name="B.", family_name="Verhoeff")
    assert chain_pseudonym(one, KEY) == chain_pseudonym(same_bsn_other_spelling, KEY)
    assert chain_pseudonym(one, KEY).startswith("kp-")
    assert "111222333" not in chain_pseudonym(one, KEY)


def test_without_a_bsn_name_and_birth_date_decide() -> None:
    born = date(1990, 4, 12)
    a = Person(given_name="Ayşe", family_name="de  Vries", birth_date=born)
    b = Person(given_name="ayse", family_name="De Vries", birth_date=born)
    c = Person(given_name="ayse", family_name="De Vries", birth_date=date(1990, 4, 13))
    assert chain_pseudonym(a, KEY) == chain_pseudonym(b, KEY)
    assert chain_pseudonym(a, KEY) != chain_pseudonym(c, KEY)


def test_another_key_gives_other_pseudonyms() -> None:
    person = Person(bsn="111222333", given_name="Bram", family_name="Verhoef")
    assert chain_pseudonym(person, KEY) != chain_pseudonym(person, b"other-key")


def test_name_normalisation() -> None:
    assert normalise_name(" Zoë ", "van  den Berg") == "zoe van den berg"
