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
