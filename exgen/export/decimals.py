"""Numbers as LMS files write them: plain decimals, no exponent, no leading '+'.

Moodle rejects a leading '+' and some importers misread exponents, so every number an export
writes goes through :func:`plain`: the shortest decimal that reads back as the same double
(what ``repr`` gives), written out positionally.
"""

from __future__ import annotations

import math
from decimal import Decimal


def plain(x: float) -> str:
    """``0.8249137``, ``-0.00001``, ``12``: the double's shortest round-trip decimal, positional."""
    if not math.isfinite(x):
        raise ValueError(f"not a finite number: {x!r}")
    if x == 0:
        return "0"  # also for -0.0
    text = format(Decimal(repr(x)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def score_text(x: float) -> str:
    """A gradebook score: at most 4 decimals, no trailing zeros (``12.5``, ``14``, ``9.3333``)."""
    text = plain(round(x, 4))
    return "0" if text in ("-0", "") else text
