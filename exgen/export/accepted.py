"""Every string a student may type into a Canvas fill-in-the-blank and get credit for.

Canvas compares a blank's answer with a list of accepted strings, not with an interval. So for
each blank we write every decimal, at the precision the worksheet asks (4 significant figures;
updated parameters to 6 decimals), that exgen's grader would accept — plus the same numbers
without trailing zeros (``0.8200`` and ``0.82``).

The list stays sane: 1 % around a value holds at most ~200 four-figure decimals, but 1 % of a
large update to 6 decimals can hold thousands. A blank that would need more than
``MAX_PER_BLANK`` strings (trailing-zero forms included) is asked one digit coarser — and says
so next to the blank, which is the only precision the question and the quiz's description tell
the student to use — and a question whose blanks together need more than ``MAX_PER_QUESTION``
strings coarsens its largest blanks first. A coarser grid still covers the whole interval, so
no honest answer at the stated precision is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal, localcontext

from exgen.export.quiz import Blank
from exgen.instructions import Instructions

MAX_PER_BLANK = 250
MAX_PER_QUESTION = 10_000
#: Enough digits that sums of doubles (≤ 1100 binary digits apart) stay exact.
_EXACT = Context(prec=1200)


@dataclass(frozen=True)
class Precision:
    """``significant`` figures or ``decimals`` after the point."""

    kind: str
    digits: int

    def label(self) -> str:
        if self.kind == "significant":
            return f"{self.digits} significant figure{'s' if self.digits != 1 else ''}"
        return f"{self.digits} decimal{'s' if self.digits != 1 else ''}"

    def coarser(self) -> Precision | None:
        floor = 1 if self.kind == "significant" else 0
        return Precision(self.kind, self.digits - 1) if self.digits > floor else None


@dataclass(frozen=True)
class Accepted:
    precision: Precision
    strings: tuple[str, ...]  # the grid decimal nearest the value first, then ascending


def requested(blank: Blank, instructions: Instructions) -> Precision:
    if blank.parameter:
        return Precision("decimals", instructions.parameter_decimals)
    return Precision("significant", instructions.significant_figures)


def for_question(blanks, instructions: Instructions) -> list[Accepted]:
    """The accepted strings of every blank of one question, within both caps (counted in
    strings: a decimal with trailing zeros is listed twice, ``0.8200`` and ``0.82``)."""
    results = []
    for blank in blanks:
        precision = requested(blank, instructions)
        while True:
            # count() is cheap and a lower bound of the strings: build only lists that may fit
            result = accepted(blank, precision) if count(blank, precision) <= MAX_PER_BLANK else None
            if (result is not None and len(result.strings) <= MAX_PER_BLANK) or precision.coarser() is None:
                break
            precision = precision.coarser()
        results.append(result if result is not None else accepted(blank, precision))
    while sum(len(r.strings) for r in results) > MAX_PER_QUESTION:
        coarsenable = [i for i, r in enumerate(results) if r.precision.coarser() and len(r.strings) > 1]
        if not coarsenable:
            break
        i = max(coarsenable, key=lambda n: (len(results[n].strings), -n))
        results[i] = accepted(blanks[i], results[i].precision.coarser())
    return results


def accepted(blank: Blank, precision: Precision) -> Accepted:
    grid = grid_strings(blank, precision)
    out: dict[str, None] = {}
    nearest = min(grid, key=lambda s: (abs(float(s) - blank.value), s)) if grid else None
    if nearest is not None:
        out[nearest] = None
        out.setdefault(_stripped(nearest), None)
    for text in grid:
        out.setdefault(text, None)
        out.setdefault(_stripped(text), None)
    return Accepted(precision, tuple(out))


def grid_strings(blank: Blank, precision: Precision) -> list[str]:
    """The decimals written at ``precision`` that the grader accepts, ascending."""
    return [text for text in _candidates(blank, precision) if blank.accepts(float(text))]


def count(blank: Blank, precision: Precision) -> int:
    """How many grid decimals the blank's interval holds (cheap: no strings are built)."""
    return sum(hi - lo + 1 for _, lo, hi in _ranges(blank, precision) if hi >= lo)


# -- the grid ------------------------------------------------------------------------------
def _ranges(blank: Blank, precision: Precision) -> list[tuple[int, int, int]]:
    """(scale, k_low, k_high): the grid numbers k·10^scale inside the interval, one step wider
    on each side (the float test in :func:`grid_strings` has the last word)."""
    with localcontext(_EXACT):
        value, tol = Decimal(blank.value), Decimal(blank.tolerance)
        lo, hi = value - tol, value + tol
        if precision.kind == "decimals":
            scale = -precision.digits
            return [(scale, _k(lo, scale, ROUND_CEILING) - 1, _k(hi, scale, ROUND_FLOOR) + 1)]
        if lo <= 0 <= hi:
            # Only an expected value of (almost) exactly 0: significant figures of numbers near
            # 0 are endless, so the sensible answers are 0 itself: 0, 0.0, ... 0.0000.
            return [(-decimals, 0, 0) for decimals in range(precision.digits + 1)]
        negative = hi < 0
        a, b = (-hi, -lo) if negative else (lo, hi)
        n = precision.digits
        smallest, largest = 10 ** (n - 1), 10**n - 1  # the n-digit mantissas
        out = []
        for band in range(a.adjusted(), b.adjusted() + 1):  # power of ten of the leading digit
            scale = band - n + 1
            k_lo = max(_k(a, scale, ROUND_CEILING) - 1, smallest)
            k_hi = min(_k(b, scale, ROUND_FLOOR) + 1, largest)
            out.append((scale, -k_hi, -k_lo) if negative else (scale, k_lo, k_hi))
        return out


def _candidates(blank: Blank, precision: Precision) -> list[str]:
    numbers = sorted(Decimal(k).scaleb(scale)
                     for scale, k_lo, k_hi in _ranges(blank, precision) for k in range(k_lo, k_hi + 1))
    return [format(d, "f") for d in numbers]


def _k(x: Decimal, scale: int, rounding) -> int:
    return int(x.scaleb(-scale).to_integral_value(rounding=rounding))


def _stripped(text: str) -> str:
    """The same number without trailing zeros: ``0.8200`` -> ``0.82``, ``0.000000`` -> ``0``."""
    if "." not in text:
        return text
    text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
