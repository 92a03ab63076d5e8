"""Intervals of real numbers: what an activation can output, what a loss accepts, where a
unit saturates. One small value type, so that a range is checked and described from the same
two numbers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Interval:
    """``low``..``high``, None for an unbounded end; ``closed`` says whether the finite ends
    belong to it."""

    low: float | None = None
    high: float | None = None
    closed: bool = False

    def contains(self, x):
        """Whether x lies inside: a bool, or elementwise for a numpy array."""
        inside = True
        if self.low is not None:
            inside = (x >= self.low) if self.closed else (x > self.low)
        if self.high is not None:
            inside = inside & ((x <= self.high) if self.closed else (x < self.high))
        return inside

    def within(self, other: Interval) -> bool:
        """Whether every number of this interval lies in ``other``."""
        def end_inside(mine, theirs, beyond):
            if theirs is None:
                return True
            if mine is None:
                return False
            return beyond(mine, theirs) or (mine == theirs and (other.closed or not self.closed))

        return (end_inside(self.low, other.low, lambda a, b: a > b)
                and end_inside(self.high, other.high, lambda a, b: a < b))

    def describe(self) -> str:
        """In words, for messages: ``strictly between 0 and 1``, ``between 0 and 1``,
        ``positive``."""
        low, high = _number(self.low), _number(self.high)
        if self.low is not None and self.high is not None:
            return f"{'' if self.closed else 'strictly '}between {low} and {high}"
        if self.low is not None:
            if self.low == 0:
                return "not negative" if self.closed else "positive"
            return f"{'at least' if self.closed else 'above'} {low}"
        if self.high is not None:
            return f"{'at most' if self.closed else 'below'} {high}"
        return "any number"

    def brackets(self) -> str:
        """As mathematicians write it: ``(0.02, 0.98)``, ``[0, 1]``, ``(0, ∞)``."""
        low = "−∞" if self.low is None else _number(self.low)
        high = "∞" if self.high is None else _number(self.high)
        left = "[" if self.closed and self.low is not None else "("
        right = "]" if self.closed and self.high is not None else ")"
        return f"{left}{low}, {high}{right}"


def _number(x) -> str:
    return "" if x is None else format(x, "g").replace("-", "−")


#: Every real number.
REALS = Interval()
