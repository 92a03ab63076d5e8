"""Numbers rounded for readers: to significant figures, or to decimals for updated parameters.

Rounding is half up (1.2345 → 1.235 at four figures), as students are taught, and works on the
decimal text of a value (``exgen.engine.numbers.exact_text``), digit by digit: a tie is a tie
of the exact decimal, never of a binary approximation.
"""

from __future__ import annotations

from exgen.engine.numbers import exact_text


class Rounded:
    """A number as shown to a reader: its text and whether that text is the value exactly."""

    __slots__ = ("text", "exact")

    def __init__(self, text: str, exact: bool):
        self.text, self.exact = text, exact

    def __repr__(self):
        return f"Rounded({self.text!r}, {self.exact})"


def round_text(text: str, exact: bool, figures: int | None = None, decimals: int | None = None,
               short: int = 0) -> Rounded:
    """A decimal text (as ``exact_text`` writes it) rounded half up to ``figures`` significant
    figures or to ``decimals`` decimals. ``exact`` says whether the text is the value exactly:
    an exact value with at most ``short`` significant digits (for ``figures``) or at most
    ``decimals`` decimals is written as it is.

    Plain notation for everyday magnitudes (1E-5 up to below 1E7), ``1.235E-7`` beyond; a
    rounded result keeps its significant zeros (``-0.01770``, ``0.400000``).
    """
    if text == "0":
        return Rounded(text, exact)
    negative = text[0] == "-"
    body = text[1:] if negative else text
    mantissa, e, power = body.partition("E")
    whole, _, fraction = mantissa.partition(".")
    if exact and not e:  # exact_text writes no trailing zeros
        if decimals is not None:
            if len(fraction) <= decimals:
                return Rounded(text, True)
        elif len((whole + fraction).strip("0")) <= short:
            return Rounded(text, True)
    digits = whole + fraction
    significant = digits.lstrip("0")
    # the value is 0.<significant> × 10^point
    point = len(whole) + (int(power) if e else 0) - (len(digits) - len(significant))
    keep = point + decimals if decimals is not None else figures
    if keep < 0:
        return Rounded("0", False)
    head = significant[:keep]
    m = int(head) if head else 0
    if len(head) < keep:
        m *= 10 ** (keep - len(head))
    elif len(significant) > keep and significant[keep] >= "5":
        m += 1
        if decimals is None and m == 10**keep:  # 9.9996 -> 10.00: one digit more before the point
            m //= 10
            point += 1
    if not m:
        return Rounded("0", False)
    return Rounded(_write(negative, str(m), point - keep), False)


def _write(negative: bool, digits: str, exponent: int) -> str:
    """``±digits × 10^exponent`` (digits without leading zeros) the way Python's Decimal
    formats it: positional (``format(d, "f")``) while the first digit's power of ten lies in
    [-5, 7), else ``1.235E-7`` (the digits kept, trailing zeros too)."""
    sign = "-" if negative else ""
    adjusted = exponent + len(digits) - 1
    if -5 <= adjusted < 7:
        if exponent >= 0:
            return sign + digits + "0" * exponent
        digits = digits.rjust(1 - exponent, "0")
        return sign + digits[:exponent] + "." + digits[exponent:]
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}E{adjusted}"


def rounded(value, figures: int | None = None, decimals: int | None = None, short: int = 0,
            exact_form: tuple[str, bool] | None = None) -> Rounded:
    """:func:`round_text` of a value; ``exact_form`` is its ``exact_text`` if already known."""
    text, exact = exact_form or exact_text(value)
    return round_text(text, exact, figures, decimals, short)
