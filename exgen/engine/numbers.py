"""Exact numbers and how they are written down.

Values are ``gmpy2.mpq`` (exact rationals) wherever they are rational and ``gmpy2.mpfr`` at a
working precision once a transcendental function (exp, log, tanh) has been applied. This module
turns literals into exact rationals and exact values into the strings the outside world sees
(``float()`` gives the correctly rounded double of either); it knows nothing about networks.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Context, Decimal, Inexact

import gmpy2
from gmpy2 import mpfr, mpq

from exgen.engine.documents import Unreadable, describe
from exgen.engine.limits import MAGNITUDE, MAX_NUMBER_CHARACTERS, MAX_SIGNIFICANT_DIGITS

#: Significant digits written for a value that is not a terminating decimal. The contract asks
#: for at least 30 correct ones; 40 leaves room, and lets a value that is rational in disguise
#: (e.g. a batch mean where two sigmoids cancel) show up as its short exact decimal.
EXACT_DIGITS = 40

ZERO = mpq(0)
ONE = mpq(1)


def exact(literal) -> mpq:
    """The exact rational a literal denotes: ``0.1`` means one tenth, not the nearest double."""
    if isinstance(literal, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(literal, (int, Decimal, str)):
        return mpq(str(literal)) if not isinstance(literal, int) else mpq(literal)
    if isinstance(literal, float):
        # repr() is the shortest decimal that reads back as this double: what was typed.
        return mpq(repr(literal))
    if isinstance(literal, type(ZERO)):
        return literal
    raise TypeError(f"not a number: {literal!r}")


def is_exact(value) -> bool:
    """True when the value is a rational held exactly (not a rounded mpfr)."""
    return type(value) is type(ZERO)


def terminates(q: mpq) -> bool:
    """Whether a rational has a finite decimal expansion (denominator 2^a·5^b)."""
    d = q.denominator
    d = gmpy2.remove(d, 2)[0]
    d = gmpy2.remove(d, 5)[0]
    return d == 1


def decimal_text(negative: bool, digits: str, exponent: int) -> str:
    """Write ``±0.<digits> × 10^exponent`` as a decimal string.

    ``digits`` has no leading or trailing zeros. Plain notation for everyday magnitudes,
    scientific (``1.5E-9``) otherwise, so strings stay short and Decimal/float can read them.
    """
    sign = "-" if negative else ""
    adjusted = exponent - 1  # power of ten of the first digit
    if -7 <= adjusted < 21:
        if exponent <= 0:
            text = "0." + "0" * (-exponent) + digits
        elif exponent >= len(digits):
            text = digits + "0" * (exponent - len(digits))
        else:
            text = digits[:exponent] + "." + digits[exponent:]
    else:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        text = f"{mantissa}E{'+' if adjusted > 0 else '-'}{abs(adjusted)}"
    return sign + text


_DIVISION = Context(prec=EXACT_DIGITS, rounding=ROUND_HALF_EVEN, traps=[])
_MPFR = type(mpfr(0))


def exact_text(value) -> tuple[str, bool]:
    """The ``exact`` form of design §2, and whether it is the value exactly.

    A terminating rational is written exactly; anything else with 40 correctly rounded
    significant digits. An mpfr whose 40 digits end in zeros is a rational in disguise (e.g. a
    batch mean in which two sigmoids cancel) and is written as that short decimal.
    """
    if type(value) is _MPFR:
        if not value:
            return "0", True
        mantissa, exponent, _ = value.digits(10, EXACT_DIGITS)
        negative = mantissa.startswith("-")
        digits = mantissa.lstrip("-").rstrip("0")
        return decimal_text(negative, digits, exponent), len(digits) < EXACT_DIGITS
    if isinstance(value, int):
        value = mpq(value)
    form = _RATIONAL_TEXTS.get(value)
    if form is None:
        if len(_RATIONAL_TEXTS) >= _CACHED_RATIONALS:
            _RATIONAL_TEXTS.clear()
        form = _RATIONAL_TEXTS[value] = _rational_text(value)
    return form


#: Rationals repeat (the givens of a class come from a few grids): their texts are kept.
_RATIONAL_TEXTS: dict = {}
_CACHED_RATIONALS = 4096


def _rational_text(value) -> tuple[str, bool]:
    if not value:
        return "0", True
    # Decimal division is correctly rounded; it is exact (no Inexact flag) iff the quotient
    # terminates within 40 digits.
    _DIVISION.clear_flags()
    d = _DIVISION.divide(Decimal(int(value.numerator)), Decimal(int(value.denominator)))
    if not _DIVISION.flags[Inexact]:
        d = d.normalize(_DIVISION)
        return (format(d, "f") if -7 <= d.adjusted() < 21 else _scientific(d)), True
    if terminates(value):  # terminates, but after more than 40 digits: write it all out
        n, den = abs(value.numerator), value.denominator
        k = max(gmpy2.remove(den, 2)[1], gmpy2.remove(den, 5)[1])
        m = str(n * 10**k // den)
        return decimal_text(value < 0, m.rstrip("0"), len(m) - k), True
    return (format(d, "f") if -7 <= d.adjusted() < 21 else _scientific(d)), False


def _scientific(d: Decimal) -> str:
    sign, digits, _ = d.as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    return decimal_text(bool(sign), text, d.adjusted() + 1)


def exact_string(value) -> str:
    """The ``exact`` form of design §2: exact if a terminating decimal, else 40 digits."""
    return exact_text(value)[0]


# -- literals people write (specs, families, assignment files) ---------------------------------
class LiteralError(ValueError):
    """A literal cannot be used; the message says why (the caller names the field).
    ``too_large`` marks a number beyond the size limit: a field with a narrower range of its
    own says that range instead."""

    too_large = False


_BOUND = mpq(10) ** MAGNITUDE
_LEAST = 1 / _BOUND


def shown(value) -> str:
    """A number as its writer wrote it, for messages: ``1e308``, ``nan``, ``-inf``, ``0.1`` —
    never ``Decimal('1E+308')``, and never thousands of digits."""
    if type(value) is type(ZERO):
        return exact_string(value)
    return describe(value)


def literal(value) -> mpq:
    """The exact rational of a number written in a spec, family or assignment file (an int, a
    Decimal from the parser, a float or mpq from Python), within the limits: finite, at most
    ``MAX_SIGNIFICANT_DIGITS`` significant digits, 0 or between 10^-MAGNITUDE and 10^MAGNITUDE
    in size. Every check takes time bounded by the length of the literal as written (no
    10^999999999 is ever built)."""
    if type(value) is Decimal and value.is_finite():  # (a signalling NaN cannot be hashed)
        q = _LITERALS.get(value)  # the values of a class come from a few grids
        if q is None:
            q = _literal(value)
            if len(_LITERALS) >= _CACHED_LITERALS:
                _LITERALS.clear()
            _LITERALS[value] = q
        return q
    return _literal(value)


#: Decimal literal -> its rational (equal decimals, 0.5 and 0.50, are the same rational)
_LITERALS: dict = {}
_CACHED_LITERALS = 4096


def _literal(value) -> mpq:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, Unreadable)) \
            and type(value) is not type(ZERO):
        raise LiteralError(f"must be a number, got {describe(value)}")
    if isinstance(value, Unreadable):
        if not value.finite:
            raise LiteralError(f"must be a finite number, got {value}")
        raise LiteralError(f"must be written with at most {MAX_NUMBER_CHARACTERS} characters, got {value}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise LiteralError(f"must be a finite number, got {shown(value)}")
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise LiteralError(f"must be a finite number, got {shown(value)}")
        _, digits, exponent = value.as_tuple()
        if len(digits) > MAX_SIGNIFICANT_DIGITS:  # trailing zeros do not count (1.50 is 1.5)
            kept = len(digits)
            while kept > 1 and digits[kept - 1] == 0:
                kept -= 1
            if kept > MAX_SIGNIFICANT_DIGITS:
                raise LiteralError(f"has more than {MAX_SIGNIFICANT_DIGITS} significant digits: {shown(value)}")
        if not value:
            return ZERO
        first = exponent + len(digits) - 1  # power of ten of the first digit
        if first > MAGNITUDE or first < -MAGNITUDE - 1:
            raise _size_error(value, first > 0)
        q = mpq(str(value))  # the exponent is bounded now; 7x faster than mpq(Decimal)
        if -MAGNITUDE <= first < MAGNITUDE:  # 10^-MAGNITUDE ≤ |q| < 10^MAGNITUDE
            return q
    elif isinstance(value, int):
        if value.bit_length() > 64:
            raise _size_error(value, True)
        q = mpq(value)
    else:
        q = value
    if abs(q) > _BOUND or (q and abs(q) < _LEAST):
        raise _size_error(value, abs(q) > _BOUND)
    return q


def _size_error(value, large: bool) -> LiteralError:
    if large:
        error = LiteralError(f"must be between -1e{MAGNITUDE} and 1e{MAGNITUDE}, got {shown(value)}")
        error.too_large = True
        return error
    return LiteralError(f"must be 0 or at least 1e-{MAGNITUDE} away from 0, got {shown(value)}")
