"""Reading the numbers people type into an answer sheet.

Accepted: surrounding spaces, a sign (also the Unicode minus and dashes word processors put in),
decimals with a point or — when unambiguous — a comma, exponents (``1.2e-3``, ``1.2×10^-3``,
``1.2·10⁻³``), fractions (``1/2``, ``½``) and digit groups of three separated by (thin) spaces.

Everything else is *invalid*, with the reason said in words a student understands: text,
formulas (``=1+1``), NaN and infinities, numbers a float cannot hold, and ``1,500`` (one and a
half, or fifteen hundred?). Nothing typed is ever evaluated: the grammar below is all there is.

Where the comma is known to be the decimal separator — ``decimal_comma=True``: a sheet saved
with ``;`` separators by a spreadsheet in such a locale, a web form under such a locale, or an
assignment that says so (``[grading] decimal_comma``) — ``1,500`` is one and a half. Thousands
separators are never read (``1.234,5`` and ``1,234.5`` stay invalid).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

#: Longer cells are certainly not a number someone typed by hand.
MAX_LENGTH = 60

# Characters that mean "minus" in what people paste from word processors and PDFs.
_MINUSES = "\u2212\u2012\u2013\u2014\ufe63\uff0d"
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
# "1.2×10^-3", "1.2x10^-3", "1.2*10^-3", "1.2·10⁻³": a power of ten written out
_TIMES_TEN = re.compile(
    r"\s*[×xX*·⋅]\s*10\s*(?:\^\s*([+\-\u2212]?[0-9]+)|([⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))\s*$")
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f\u2007]+")
_GROUPED = re.compile(r"^[0-9]{1,3}( [0-9]{3})+(\.[0-9]*)?$")  # 1 234.5 (SI digit groups)
_DECIMAL = re.compile(r"^([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$", re.IGNORECASE)
_CALCULATION = set("+-*×^()")
# What nearly every cell holds; float() of it is the correctly rounded value, like Fraction's.
_PLAIN = re.compile(r"^-?[0-9]{1,20}(\.[0-9]{0,20})?([eE][+-]?[0-9]{1,3})?$")
_WORDS = {"nan": "NaN (not a number)", "inf": "infinity", "infinity": "infinity"}


@dataclass(frozen=True)
class Reading:
    """What a cell says: a number, nothing (blank), or why it cannot be read."""

    value: float | None = None
    problem: str = ""  # why the cell is invalid; empty when it was read or is blank

    @property
    def blank(self) -> bool:
        return self.value is None and not self.problem


BLANK = Reading()


def invalid(reason: str) -> Reading:
    return Reading(None, reason)


def read_number(text: str, decimal_comma: bool = False) -> Reading:
    """Read one answer cell (see the module docstring for what is accepted); ``decimal_comma``:
    a comma is the decimal separator, never a thousands separator."""
    cell = text.strip()
    if not cell:
        return BLANK
    if _PLAIN.match(cell):
        value = float(cell)
        if 2.2250738585072014e-308 <= abs(value) < math.inf:
            return Reading(value)
        if value == 0 and not any(ch in "123456789" for ch in cell.lower().partition("e")[0]):
            return Reading(value)
        # out of range: the long way says why
    if len(cell) > MAX_LENGTH:
        return invalid(f"not a number (a text of {len(cell)} characters): write the number alone, e.g. 0.8249")
    if cell[0] in "=@":
        return invalid("a formula is not accepted: write the number itself")
    exponent = 0
    match = _TIMES_TEN.search(cell)
    if match:
        power = (match.group(1) or match.group(2)).translate(_SUPERSCRIPTS).replace("\u2212", "-")
        exponent, cell = int(power), cell[: match.start()]
        if abs(exponent) > 400:
            return invalid("out of range (the exponent is too large): write the number as a decimal, e.g. 0.0012 or 1.2e-3")
    cell = unicodedata.normalize("NFKC", cell)  # fullwidth digits, ½ -> 1⁄2, odd spaces
    for dash in _MINUSES:
        cell = cell.replace(dash, "-")
    cell = cell.replace("\u2044", "/").replace("\u2215", "/").replace("÷", "/").strip()
    sign = 1
    if cell[:1] in "+-":
        sign, cell = (-1 if cell[0] == "-" else 1), cell[1:].strip()
    word = _WORDS.get(cell.lower())
    if word:
        return invalid(f"{word} is not an answer: write a finite number, e.g. 0.8249")
    if "/" in cell:
        parts = [p.strip() for p in cell.split("/")]
        if len(parts) != 2:
            return invalid("not a number (more than one '/'): write one fraction, e.g. 1/2, or a decimal")
        top, bottom = (_unsigned(p, decimal_comma) for p in parts)
        for part in (top, bottom):
            if isinstance(part, Reading):
                return part
        if bottom == 0:
            return invalid("a fraction with denominator 0: write a finite number")
        number = top / bottom
    else:
        number = _unsigned(cell, decimal_comma)
        if isinstance(number, Reading):
            return number
    if exponent:
        number *= Fraction(10) ** exponent
    return _finite(sign * number)


def _unsigned(part: str, decimal_comma: bool = False) -> Fraction | Reading:
    """An unsigned decimal: digits with one separator, an optional exponent."""
    if not part:
        return invalid("not a number (no digits): write the number, e.g. -0.5")
    if part.endswith("%"):
        return invalid("a percentage: write the number itself (0.5, not 50%)")
    if "," in part:
        part_or_problem = _comma(part, decimal_comma)
        if isinstance(part_or_problem, Reading):
            return part_or_problem
        part = part_or_problem
    if _SPACES.search(part):
        spaced = _SPACES.sub(" ", part)
        if not _GROUPED.match(spaced):
            return invalid("not a number (spaces inside it): write the number without spaces (groups of three digits, 1 234.5, are fine)")
        part = spaced.replace(" ", "")
    if not _DECIMAL.match(part):
        if any(ch in _CALCULATION for ch in part):
            return invalid("a calculation is not accepted: write its result")
        if any(ch.isalpha() for ch in part):
            return invalid("not a number (it contains text): write the number alone, without units or words")
        return invalid("not a number: write a decimal such as 0.8249 or -1.25")
    mantissa, _, exp = part.lower().partition("e")
    if exp and abs(int(exp)) > 400:
        return invalid("out of range (the exponent is too large): write the number as a decimal, e.g. 0.0012 or 1.2e-3")
    if mantissa.endswith("."):
        mantissa += "0"
    value = Fraction(mantissa)
    return value * Fraction(10) ** int(exp) if exp else value


def _comma(part: str, decimal_comma: bool) -> str | Reading:
    """Replace a decimal comma by a point, or say why the comma is ambiguous."""
    if part.count(",") > 1:
        return invalid("not a number (more than one comma): write one decimal separator")
    if "." in part:
        return invalid("both a comma and a point: write one decimal separator (thousands separators are not read)")
    whole, _, fraction = part.partition(",")
    whole = whole.strip()
    # "1,500" may be fifteen hundred written with a thousands separator; "0,500" cannot be.
    if (not decimal_comma and len(fraction) == 3 and fraction.isdigit() and whole.isdigit()
            and whole != "0" and len(whole) <= 3):
        return invalid(f"ambiguous: '{whole},{fraction}' could be {whole}.{fraction} or "
                       f"{whole}{fraction}; write it with a decimal point")
    return f"{whole}.{fraction}"


def _finite(number: Fraction) -> Reading:
    try:
        value = float(number)
    except OverflowError:
        return invalid("out of range (too large): check the number, and write it as a decimal such as 1234.5 or 1.2e3")
    if math.isinf(value):
        return invalid("out of range (too large): check the number, and write it as a decimal such as 1234.5 or 1.2e3")
    if number != 0 and (value == 0 or abs(value) < 2.2250738585072014e-308):
        return invalid("out of range (too close to 0 to compare): write 0 if that is what you mean")
    return Reading(value)


def locale_uses_decimal_comma(tag: str) -> bool:
    """Whether people in a locale (a BCP 47 tag such as ``de-DE`` or ``pt_BR``, e.g. the first
    language of a browser's Accept-Language) write decimals with a comma, per CLDR (Babel).
    Unknown or malformed tags: False (the comma stays ambiguous)."""
    from babel import Locale, UnknownLocaleError, numbers

    tag = (tag or "").strip()
    if not tag or len(tag) > 35:
        return False
    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return numbers.get_decimal_symbol(locale) == ","
