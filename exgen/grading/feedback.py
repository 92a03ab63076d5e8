"""What the grader tells a student about one answer: what was expected — the rule, never the
number — and what their answer looks like, so they know what to fix.

Every message the grader writes for an item is made here (misconceptions describe themselves in
``exgen.grading.misconceptions``; unreadable cells in ``exgen.grading.reading``), and
tests/test_grading_feedback.py holds one test per message.
"""

from __future__ import annotations

import math
import re

from exgen.engine.graph import StepGraph
from exgen.instructions import Instructions
from exgen.notation.formulas import step_formula

#: Names the grader itself gives a wrong answer (the misconceptions add theirs), with the label
#: the teacher's report shows.
LABELS = {
    "coarse_rounding": "right, but rounded more coarsely than asked",
    "cut_off": "right, but cut off instead of rounded",
}

# A decimal as typed, for its precision: sign, digits with one separator, an exponent.
_TYPED = re.compile(
    r"^[+\-\u2212]?\s*(?P<whole>[0-9]*)(?:[.,](?P<fraction>[0-9]*))?"
    r"(?:\s*(?:[eE]|[×xX*·⋅]\s*10\s*\^?)\s*(?P<exp>[+\-\u2212]?[0-9]+))?$")


def typed_precision(text: str) -> tuple[int, int] | None:
    """(position of the last typed digit as a power of ten, significant figures typed) of a
    plain or scientific decimal: ``0.285`` -> (-3, 3), ``1.20e-3`` -> (-5, 3), ``12`` -> (0, 2);
    None for anything else (fractions, grouped digits) or a number without a non-zero digit."""
    match = _TYPED.match(text.strip().replace(" ", ""))
    if not match or not (match.group("whole") or match.group("fraction")):
        return None
    whole, fraction = match.group("whole") or "", match.group("fraction") or ""
    exponent = int(match.group("exp").replace("\u2212", "-")) if match.group("exp") else 0
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return None
    return exponent - len(fraction), len(digits)


def rule(graph: StepGraph, key: tuple) -> str:
    """The step's formula, in plain symbols: ``∂L/∂W1 = ∂L/∂z1 · xᵀ``."""
    return step_formula(graph, graph.step_of[key[0]]).text


def precision_asked(parameter: bool, instructions: Instructions) -> str:
    if parameter:
        n = instructions.parameter_decimals
        return f"{n} decimal{'s' if n != 1 else ''}"
    n = instructions.significant_figures
    return f"{n} significant figure{'s' if n != 1 else ''}"


def _typed_label(parameter: bool, last: int, significant: int) -> str:
    if parameter:
        decimals = max(0, -last)
        return f"{decimals} decimal{'s' if decimals != 1 else ''}"
    return f"{significant} significant figure{'s' if significant != 1 else ''}"


def rounding(text: str, value: float, targets, parameter: bool,
             instructions: Instructions) -> tuple[str, str] | None:
    """(name, feedback) when a wrong answer is one of ``targets`` (the expected value, what the
    student's own answers give) written with fewer digits than asked — rounded, or cut off."""
    typed = typed_precision(text)
    if typed is None:
        return None
    last, significant = typed
    if significant < 2:
        return None  # "1" or "0.3": too few digits to tell a rounded answer from a wrong one
    if parameter:
        fewer = -last < instructions.parameter_decimals
    else:
        fewer = significant < instructions.significant_figures
    if not fewer:
        return None
    unit = 10.0 ** last
    asked = precision_asked(parameter, instructions)
    given = _typed_label(parameter, last, significant)
    for target in targets:
        if target is None or not math.isfinite(target):
            continue
        gap = abs(value - target)
        if gap <= 0.5 * unit * (1 + 1e-9):
            return "coarse_rounding", (f"right, but rounded to {given}: {asked} are asked "
                                       "(a coarser answer is too far from the exact value to count)")
        if gap < unit and abs(value) < abs(target) and value * target >= 0:
            return "cut_off", (f"right, but cut off at {given} instead of rounded, and {asked} are asked: "
                               "round the last digit")
    return None


def looks(value: float, target: float) -> str:
    """What a wrong answer looks like next to what was expected — without giving the number."""
    if target == 0:
        return "is not 0"
    if value == 0:
        return "is 0"
    if value * target < 0:
        if math.isclose(abs(value), abs(target), rel_tol=0.01):
            return "has the wrong sign (its size is right)"
        return "has the wrong sign"
    ratio = abs(value / target)
    power = round(math.log10(ratio))
    if power and math.isclose(ratio, 10.0 ** power, rel_tol=0.01):
        size = f"{10 ** abs(power)} times too {'large' if power > 0 else 'small'}"
        return f"is {size} (a misplaced decimal point?)"
    return "is too large" if ratio > 1 else "is too small"


def incorrect(graph: StepGraph, key: tuple, value: float, target: float) -> str:
    return (f"expected {rule(graph, key)}, computed from the given values or from your own earlier "
            f"answers; your answer {looks(value, target)}")


def unwritten(item: str) -> str:
    """Appended to a misconception found in a cell the student did not write down."""
    return f" (in {item}, which you did not write down)"


def follows(parts: list[str]) -> str:
    return "follows correctly from " + " and ".join(parts)


def wrong_answer(items: list[str]) -> str:
    return f"your wrong answer to {', '.join(items)}"


def carried(item: str, label: str, shown_by: str) -> str:
    return f"{item} as you worked it out ({label}, as your answer to {shown_by} shows)"


ROUNDING_DRIFT = "right: within rounding of what your own earlier answers give"


def missing(graph: StepGraph, key: tuple, parameter: bool, instructions: Instructions) -> str:
    return f"no answer: expected {rule(graph, key)}, to {precision_asked(parameter, instructions)}"


def invalid(problem: str) -> str:
    """An unreadable cell: the reading's reason says what the cell looks like and what to write."""
    return problem
