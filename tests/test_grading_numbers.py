"""Reading what people type into an answer cell."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exgen.grading.reading import locale_uses_decimal_comma, read_number

ACCEPTED = {
    "0.5": 0.5,
    "  0.5  ": 0.5,
    "−0.5": -0.5,  # Unicode minus
    "– 0.25": -0.25,  # en dash from a word processor, a space after the sign
    "+0.25": 0.25,
    "1.2e-3": 0.0012,
    "1.2E+2": 120.0,
    "1.2×10^-3": 0.0012,
    "1.2 x 10^-3": 0.0012,
    "1.2·10⁻³": 0.0012,
    "1/2": 0.5,
    "-3 / 4": -0.75,
    "½": 0.5,
    "1,5": 1.5,
    "-0,176": -0.176,
    "0,500": 0.5,  # a leading 0 cannot be a thousands group
    "1,5000": 1.5,
    "1,5e-3": 0.0015,
    "1 234.5": 1234.5,  # SI digit groups
    "１．５": 1.5,  # fullwidth
    ".5": 0.5,
    "2.": 2.0,
    "0": 0.0,
    "-0": 0.0,
}

REJECTED = {
    "NaN": "NaN",
    "nan": "NaN",
    "inf": "infinity",
    "-Infinity": "infinity",
    "=1+1": "formula",
    "@SUM(A1)": "formula",
    "1+1": "calculation",
    "(0.5)": "calculation",
    "2^3": "calculation",
    "abc": "text",
    "0.5abc": "text",
    "0x10": "text",
    "1,500": "ambiguous",
    "-12,345": "ambiguous",
    "1.234,5": "one decimal separator",
    "1,2,3": "more than one comma",
    "1e999": "out of range",
    "1e-400": "out of range",
    "9" * 400: "not a number",  # too long to be typed by hand
    "1/0": "denominator 0",
    "1/2/3": "more than one '/'",
    "0.5 0.6": "spaces",
    "50%": "percentage",
    "1_000": "not a number",
    "-": "no digits",
    "0.5.1": "not a number",
}


@pytest.mark.parametrize("text, value", ACCEPTED.items())
def test_what_people_type_is_read(text, value):
    reading = read_number(text)
    assert reading.problem == "" and reading.value == value


@pytest.mark.parametrize("text, reason", REJECTED.items())
def test_what_is_not_a_number_is_invalid_with_the_reason(text, reason):
    reading = read_number(text)
    assert reading.value is None and not reading.blank
    assert reason in reading.problem


@pytest.mark.parametrize("text", ["", "   ", "\t", "\u00a0"])
def test_blank_cells_are_blank(text):
    assert read_number(text).blank


# doubles below 1e-300 are subnormal or near it: "out of range", on purpose
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12).filter(
    lambda x: x == 0 or abs(x) > 1e-300)


@given(finite)
def test_every_float_reads_back_exactly(x):
    assert read_number(repr(x)).value == x
    assert read_number(f"{x:.6e}").value == float(f"{x:.6e}")
    assert read_number(f"{x:.6g}".replace("-", "−")).value == float(f"{x:.6g}")


@given(st.integers(-10**6, 10**6), st.integers(1, 10**6))
def test_fractions_are_read_as_the_nearest_double(p, q):
    assert read_number(f"{p}/{q}").value == float(Fraction(p, q))


@given(st.integers(0, 999), st.text("0123456789", min_size=1, max_size=6))
def test_a_decimal_comma_is_read_unless_it_could_be_a_thousands_separator(whole, digits):
    reading = read_number(f"{whole},{digits}")
    if whole != 0 and len(digits) == 3:
        assert "ambiguous" in reading.problem
    else:
        assert reading.value == float(f"{whole}.{digits}")


# -- where the comma is the decimal separator (issue 13, item 2) -----------------------------------
COMMA_DECIMAL = {"1,181": 1.181, "-12,345": -12.345, "0,285": 0.285, "1,500": 1.5, "1 234,5": 1234.5,
                 "1,2e-3": 0.0012, "3/4": 0.75, "0.5": 0.5}
STILL_INVALID = {"1.234,5": "one decimal separator", "1,234.5": "one decimal separator",
                 "1,2,3": "more than one comma", "1.234.567": "not a number"}


@pytest.mark.parametrize("text, value", COMMA_DECIMAL.items())
def test_a_decimal_comma_is_always_a_decimal_where_it_is_the_separator(text, value):
    reading = read_number(text, decimal_comma=True)
    assert reading.problem == "" and reading.value == value


@pytest.mark.parametrize("text, reason", STILL_INVALID.items())
def test_thousands_separators_stay_invalid(text, reason):
    for comma in (False, True):
        reading = read_number(text, decimal_comma=comma)
        assert reading.value is None and reason in reading.problem


@given(st.integers(0, 999), st.text("0123456789", min_size=1, max_size=6))
def test_under_decimal_comma_every_comma_is_a_decimal(whole, digits):
    assert read_number(f"{whole},{digits}", decimal_comma=True).value == float(f"{whole}.{digits}")


@pytest.mark.parametrize("tag, comma", [("de-DE", True), ("de", True), ("fr_CA", True), ("pt-BR", True),
                                        ("ru", True), ("en-US", False), ("en", False), ("de-CH", False),
                                        ("es-MX", False), ("zz", False), ("", False), ("*", False),
                                        ("en;q=0.9", False), ("x" * 100, False)])
def test_which_locales_write_decimal_commas(tag, comma):
    assert locale_uses_decimal_comma(tag) is comma
