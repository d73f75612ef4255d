from __future__ import annotations

from datetime import date

from gateway import pseudonyms
from gateway.pseudonyms import chain_pseudonym, name_pseudonym, normalise_name
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


def test_a_pseudonym_is_the_same_whether_worked_out_or_remembered() -> None:
    """Within a signal each pseudonym is worked out once and remembered; remembered or not, it is
    the same, and its name-and-birth-date pseudonym is that of the person without the BSN."""
    person = Person(bsn="111222333", given_name="Bram", family_name="Verhoef", birth_date=date(1990, 4, 12))
    without_bsn = person.model_copy(update={"bsn": None})
    pseudonyms.forget_known()
    first = chain_pseudonym(person, KEY), name_pseudonym(person, KEY)
    assert pseudonyms._known  # remembered
    assert (chain_pseudonym(person, KEY), name_pseudonym(person, KEY)) == first
    pseudonyms.forget_known()
    assert (chain_pseudonym(person, KEY), name_pseudonym(person, KEY)) == first
    assert name_pseudonym(person, KEY) == chain_pseudonym(without_bsn, KEY) != first[0]
    assert chain_pseudonym(person, b"other-key") != first[0]


def test_what_is_remembered_is_bounded() -> None:
    pseudonyms.forget_known()
    for n in range(pseudonyms.KNOWN_AT_MOST + 10):
        chain_pseudonym(Person(given_name="Bram", family_name=f"Verhoef {n}"), KEY)
    assert 0 < len(pseudonyms._known) <= pseudonyms.KNOWN_AT_MOST
