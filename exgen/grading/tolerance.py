"""How far from an expected value an answer may be and still be right: one rule, used by the
grader and, as a fixed interval per blank, by every LMS export.

The generator guarantees that rounding every intermediate to 3 or 4 significant figures moves
no answer by more than 1 %, so 1 % of the expected value accepts honest hand work. Updated
parameters are judged by their update (W_new − W): 1 % of the update, plus the rounding to the
instructed decimals — so copying the old weight is never close enough.
"""

from __future__ import annotations

from exgen.instructions import DEFAULT_INSTRUCTIONS, Instructions

RELATIVE = 0.01
FLOAT_SLACK = 1e-12


def relative_tolerance(significant_figures: int = DEFAULT_INSTRUCTIONS.significant_figures) -> float:
    """1 %, or more when the instructions ask for fewer figures (2 figures: 10 %)."""
    return max(RELATIVE, 10.0 ** (1 - significant_figures))


def tolerance(expected: float, old: float | None = None,
              instructions: Instructions = DEFAULT_INSTRUCTIONS) -> float:
    """Absolute tolerance around ``expected``; ``old`` is the parameter's value before the update
    when ``expected`` is an updated parameter."""
    rel = relative_tolerance(instructions.significant_figures)
    if old is not None:
        return rel * abs(expected - old) + 0.5 * 10.0**-instructions.parameter_decimals + FLOAT_SLACK
    return rel * abs(expected) + FLOAT_SLACK
