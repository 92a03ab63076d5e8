"""Numbers rounded for readers: to significant figures, or to decimals for updated parameters.

Rounding is half up (1.2345 → 1.235 at four figures, −1.2345 → −1.235), as students are
taught, and works on decimal digits (Python's ``decimal``): a tie is a tie of the exact
decimal, never of a binary approximation.

Two ways of writing a number: a value that is already as short as asked is written exactly,
as ``exact_text`` writes it (``1.8``, ``-0.0177``, ``1.5E-9``); a rounded one keeps the
figures asked, trailing zeros too (``-0.01770``, ``0.400000``, ``1.500E-9``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from functools import partial

from exgen.engine.numbers import exact_text


class Rounded:
    """A number as shown to a reader: its text and whether that text is the value exactly."""

    __slots__ = ("text", "exact")

    def __init__(self, text: str, exact: bool):
        self.text, self.exact = text, exact

    def __repr__(self):
        return f"Rounded({self.text!r}, {self.exact})"


class Rule:
    """How a result is to be written: ``figures`` significant figures, or ``decimals``
    decimals (updated parameters); a value with at most ``short`` significant figures (or at
    most ``decimals`` decimals) is written exactly when it is exact."""

    __slots__ = ("figures", "decimals", "short", "_context", "_step", "round")

    def __init__(self, figures: int | None = None, decimals: int | None = None, short: int = 0):
        self.figures, self.decimals, self.short = figures, decimals, short
        self._context = Context(prec=figures or 1, rounding=ROUND_HALF_UP)
        self._step = Decimal(1).scaleb(-decimals) if decimals is not None else None
        #: ``round(d)``: d rounded half up as this rule asks (a value with fewer figures stays
        #: as it is: see :meth:`padded`). A C method, called once per printed number.
        if decimals is not None:
            self.round = partial(Decimal.quantize, exp=self._step, rounding=ROUND_HALF_UP, context=_WIDE)
        else:
            self.round = self._context.plus

    def padded(self, d: Decimal) -> Decimal:
        """``d`` rounded, with all the figures asked (1.5E-9 → 1.500E-9)."""
        r = self.round(d)
        if r == d and r and self._step is None:  # as short as asked or shorter: pad
            r = r.quantize(Decimal(1).scaleb(r.adjusted() - self.figures + 1), ROUND_HALF_UP, _WIDE)
        return r

    def is_short(self, d: Decimal) -> bool:
        """Whether an exact ``d`` is written as it is."""
        if self._step is not None:
            return d.quantize(self._step, ROUND_HALF_UP, _WIDE) == d
        if self.short == self.figures:
            return self._context.plus(d) == d
        return len(d.normalize(_WIDE).as_tuple().digits) <= self.short


#: Wide enough for every exact sum and product of the numbers a worked solution prints.
_WIDE = Context(prec=120, rounding=ROUND_HALF_UP)


def exact_style(d: Decimal) -> str:
    """An exact value as ``exact_text`` writes it: no trailing zeros, plain from 1E-7 up to
    below 1E21, else ``1.5E-9``."""
    if not d:
        return "0"
    d = d.normalize(_WIDE)
    adjusted = d.adjusted()
    if -7 <= adjusted < 21:
        return format(d, "f")
    mantissa, _, exponent = f"{d:E}".partition("E")
    return f"{mantissa}E{exponent}"


def rounded_style(d: Decimal) -> str:
    """A rounded value with the figures it was rounded to: plain from 1E-5 up to below 1E7
    (``format(d, "f")``), else ``1.500E-9``."""
    if not d:
        return "0"
    if -5 <= d.adjusted() < 7:
        return format(d, "f")
    mantissa, _, exponent = f"{d:E}".partition("E")
    return f"{mantissa}E{int(exponent)}"


def round_decimal(d: Decimal, exact: bool, rule: Rule) -> Rounded:
    """A value (held exactly by ``d`` when ``exact``) written as ``rule`` asks."""
    if exact and -7 <= d.adjusted() < 21 and rule.is_short(d):
        return Rounded(exact_style(d), True)
    return Rounded(rounded_style(rule.padded(d)), False)


def round_text(text: str, exact: bool, figures: int | None = None, decimals: int | None = None,
               short: int = 0) -> Rounded:
    """A decimal text (as ``exact_text`` writes it; ``exact``: it is the value exactly) rounded
    half up to ``figures`` significant figures or to ``decimals`` decimals."""
    if text == "0":
        return Rounded(text, exact)
    return round_decimal(Decimal(text), exact and "E" not in text, Rule(figures, decimals, short))


def rounded(value, figures: int | None = None, decimals: int | None = None, short: int = 0,
            exact_form: tuple[str, bool] | None = None) -> Rounded:
    """:func:`round_text` of a value; ``exact_form`` is its ``exact_text`` if already known."""
    text, exact = exact_form or exact_text(value)
    return round_text(text, exact, figures, decimals, short)
