from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.schemas.persons import check_bsn

VALID = ["111222333", "123456782", "100000009"]


@pytest.mark.parametrize("bsn", VALID)
def test_valid_bsns_pass_the_11_test(bsn: str) -> None:
    assert check_bsn(bsn) == bsn


@pytest.mark.parametrize("bsn", ["123456789", "12345678", "1234567890", "12345678a", "000000000", ""])
def test_invalid_bsns_are_refused(bsn: str) -> None:
    with pytest.raises(ValueError):
        check_bsn(bsn)


@pytest.mark.parametrize(
    "bsn",
    [
        "\uff11\uff11\uff11\uff12\uff12\uff12\uff13\uff13\uff13",  # 111222333 in full-width digits
        "\u0661\u0661\u0661\u0662\u0662\u0662\u0663\u0663\u0663",  # in Arabic-Indic digits
        "11122233\uff13",  # one of them is enough
        "\u00b9\u00b9\u00b9222333",  # superscript ones: str.isdigit() says yes, int() says no
    ],
)
def test_only_ascii_digits_make_a_bsn(bsn: str) -> None:
    """Other scripts' digits pass str.isdigit() and int(), and would name a person nobody has."""
    with pytest.raises(ValueError, match="nine digits 0-9"):
        check_bsn(bsn)


@given(
    bsn=st.sampled_from(VALID),
    position=st.integers(min_value=0, max_value=8),
    delta=st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_typo_fails_the_11_test(bsn: str, position: int, delta: int) -> None:
    """The 11-test catches every single-digit error: its weights are all non-zero modulo 11."""
    digit = (int(bsn[position]) + delta) % 10
    typo = bsn[:position] + str(digit) + bsn[position + 1 :]
    with pytest.raises(ValueError):
        check_bsn(typo)
