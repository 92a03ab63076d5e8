"""Exact numbers and how they are written down.

Values are ``gmpy2.mpq`` (exact rationals) wherever they are rational and ``gmpy2.mpfr`` at a
working precision once a transcendental function (exp, log, tanh) has been applied. This module
turns literals into exact rationals and exact values into the strings and floats the outside
world sees; it knows nothing about networks.
"""

from __future__ import annotations

from decimal import Decimal

import gmpy2
from gmpy2 import mpfr, mpq

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


def to_float(value) -> float:
    """The correctly rounded double (gmpy2 converts mpq and mpfr with round-to-nearest)."""
    return float(value)


def _decimal_text(negative: bool, digits: str, exponent: int) -> str:
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


def _rational_digits(q: mpq, significant: int) -> tuple[str, int]:
    """Correctly rounded (half-even) significant digits of |q| > 0, as (digits, exponent)."""
    n, d = abs(q.numerator), q.denominator
    # 10^(e-1) <= n/d < 10^e holds for e = len(n) - len(d) or one more.
    exponent = len(str(n)) - len(str(d))
    if (n * 10 ** max(0, -exponent)) >= (d * 10 ** max(0, exponent)):
        exponent += 1
    shift = significant - exponent
    num, den = (n * 10**shift, d) if shift >= 0 else (n, d * 10 ** (-shift))
    m, r = divmod(num, den)
    if 2 * r > den or (2 * r == den and m % 2 == 1):
        m += 1
    if m == 10**significant:  # rounding carried into a new digit
        m //= 10
        exponent += 1
    return str(m), exponent


def exact_string(value) -> str:
    """The ``exact`` form of design §2: exact if a terminating decimal, else 40 digits."""
    if isinstance(value, int):
        value = mpq(value)
    if value == 0:
        return "0"
    negative = value < 0
    if is_exact(value):
        if terminates(value):
            n, d = abs(value.numerator), value.denominator
            twos = gmpy2.remove(d, 2)[1]
            fives = gmpy2.remove(d, 5)[1]
            k = max(twos, fives)
            m = str(n * 10**k // d)
            stripped = m.rstrip("0")
            return _decimal_text(negative, stripped, len(m) - k)
        digits, exponent = _rational_digits(value, EXACT_DIGITS)
        return _decimal_text(negative, digits, exponent)
    mantissa, exponent, _ = value.digits(10, EXACT_DIGITS)
    mantissa = mantissa.lstrip("-").rstrip("0")
    return _decimal_text(negative, mantissa, exponent)


def decimal(value) -> Decimal:
    """The value as a Decimal (exact for terminating rationals, else 40 digits)."""
    return Decimal(exact_string(value))
