"""Rounding for readers (exgen.notation.rounding) against Python's Decimal as the oracle."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exgen.engine.numbers import exact, exact_text
from exgen.notation.rounding import round_text


def decimal_oracle(text: str, figures=None, decimals=None) -> str:
    """Half-up rounding with Decimal.quantize, written as Decimal writes it."""
    with localcontext(prec=200):
        return _oracle(Decimal(text), figures, decimals)


def _oracle(d: Decimal, figures, decimals) -> str:
    if decimals is not None:
        q = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    else:
        q = d.quantize(Decimal(1).scaleb(d.adjusted() - figures + 1), rounding=ROUND_HALF_UP)
        if q.adjusted() != d.adjusted():  # 9.9996 -> 10.00
            q = d.quantize(Decimal(1).scaleb(q.adjusted() - figures + 1), rounding=ROUND_HALF_UP)
    if q == 0:
        return "0"
    if -5 <= q.adjusted() < 7:
        return format(q, "f")
    mantissa, _, exponent = f"{q:E}".partition("E")
    return f"{mantissa}E{int(exponent)}"


# decimal texts as exact_text writes them: integers scaled by a power of ten, and 40-digit ones
values = st.one_of(
    st.builds(lambda n, k: Decimal(n).scaleb(k), st.integers(-10**12, 10**12), st.integers(-14, 8)),
    st.builds(lambda n, k: Decimal(n).scaleb(k), st.integers(10**39, 10**40 - 1) | st.integers(-10**40 + 1, -10**39),
              st.integers(-55, -30)),
    st.sampled_from([Decimal(t) for t in ("9.9996", "-9.99951", "0.99995", "0.0000005", "-0.0000004999",
                                          "1234567.5", "0.000012345", "99999.5", "1.5E-9", "5E+22")]),
)


@given(values, st.integers(1, 7))
def test_significant_figures_round_half_up_like_decimal(value, figures):
    text, is_exact = exact_text(exact(value))
    assert round_text(text, False, figures).text == decimal_oracle(text, figures=figures)


@given(values, st.integers(0, 8))
def test_decimals_round_half_up_like_decimal(value, decimals):
    text, is_exact = exact_text(exact(value))
    assert round_text(text, False, decimals=decimals).text == decimal_oracle(text, decimals=decimals)


@given(values, st.integers(1, 7))
def test_a_short_exact_value_is_written_as_it_is(value, short):
    text, is_exact = exact_text(exact(value))
    shown = round_text(text, is_exact, 4, short=short)
    digits = len(text.lstrip("-").replace(".", "").strip("0"))
    if is_exact and "E" not in text and digits <= short:
        assert (shown.text, shown.exact) == (text, True)
    else:
        assert shown.exact is False


@pytest.mark.parametrize("text, figures, decimals, expected", [
    ("-0.2144482", 4, None, "-0.2144"),
    ("0.12345", 4, None, "0.1235"),  # half up, as taught
    ("-0.01770152", 4, None, "-0.01770"),  # significant zeros kept
    ("9.99996", 4, None, "10.00"),
    ("0.4004551821", None, 6, "0.400455"),
    ("0.1000001", None, 6, "0.100000"),
    ("0.0000004", None, 6, "0"),
    ("1.5E-9", 4, None, "1.500E-9"),
])
def test_examples(text, figures, decimals, expected):
    assert round_text(text, False, figures, decimals).text == expected
