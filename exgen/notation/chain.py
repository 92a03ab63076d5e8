"""The numbers a worked solution prints: each result computed from the numbers printed before
it and rounded as the worksheet instructs.

The worksheet tells students to round every result (4 significant figures, updated parameters
to 6 decimals, or what the assignment's ``[instructions]`` say) and to keep working with their
rounded values. A key that printed rounded operands beside results computed from unrounded
ones would disagree with a calculator: ``(−0.1129) × 1.9 ≈ −0.2144`` where the calculator
says −0.2145. So the key follows the student: it is the step graph evaluated with rounding
after every step (design §6, the hand-rounded path; ``exgen.engine.program`` with its rounding
hook), exactly — each printed result is its printed operands' exact result, rounded half up.
Beside a result whose asked digits differ from those of the exact solution, the exact value
(rounded the same way) is printed too; the grader accepts both.

The givens are printed as given. Where printed operands leave a function's domain (a
saturated ŷ printed as 1 under a logarithm), that one entry is not computed from them: it
shows its formula and the exact result, and the chain goes on from there.
"""

from __future__ import annotations

from dataclasses import dataclass

from gmpy2 import mpq

from exgen.engine.arithmetic import DomainError, ExactArithmetic, PrecisionLost
from exgen.engine.numbers import exact_text
from exgen.engine.program import program
from exgen.instructions import DEFAULT_INSTRUCTIONS, Instructions
from exgen.notation.rounding import Rounded, round_text

#: Precision limit of the printed chain (bits), as for the exact solution.
MAX_PRECISION = 4096


def as_instructed(text: str, exact: bool, parameter: bool, instructions: Instructions) -> Rounded:
    """A result's decimal text as the worksheet asks it written: to significant figures, an
    updated parameter to decimals; a value already that short is written exactly."""
    if parameter:
        return round_text(text, exact, decimals=instructions.parameter_decimals)
    figures = instructions.significant_figures
    return round_text(text, exact, figures, short=figures)


@dataclass
class PrintedChain:
    """Per cell of a graph (graph order): what is printed and how it relates to the exact
    solution."""

    results: list[Rounded]  # the printed result; ``exact``: it is its operands' result exactly
    values: list  # the printed results as exact rationals: what later entries read
    exact: list[str | None]  # the exact value as instructed, where it differs from the result
    computed: list[bool]  # False: the printed operands leave a function's domain


def printed_chain(solution, parameters: list[bool],
                  instructions: Instructions = DEFAULT_INSTRUCTIONS) -> PrintedChain:
    """The printed chain of a solution; ``parameters`` says per cell whether it is an updated
    parameter."""
    graph = solution.graph
    results: list[Rounded] = []
    values: list = []
    computed = [True] * len(graph.cells)

    def hook(n, value):
        shown = as_instructed(*exact_text(value), parameters[n], instructions)
        results.append(shown)
        printed = value if shown.exact else mpq(shown.text)
        values.append(printed)
        return printed

    precision = solution.precision
    while True:
        del results[:], values[:]
        arithmetic = ExactArithmetic(precision)
        try:
            with arithmetic.working_context():
                try:
                    program(graph, rounded=True)(solution.values, arithmetic, hook)
                except (DomainError, ZeroDivisionError):
                    del results[:], values[:]
                    _cell_by_cell(solution, arithmetic, hook, computed)
            break
        except PrecisionLost:
            if precision >= MAX_PRECISION:
                raise
            precision *= 2
    forms = solution.exact_forms(graph.keys)
    exact = []
    for n, (value, result, form, parameter) in enumerate(zip(values, results, forms, parameters)):
        shown = as_instructed(*form, parameter, instructions).text
        if shown == result.text:
            exact.append(None)
        elif mpq(shown) == value:
            # the same number: written as the exact solution writes it (-0.01770 for an exact
            # -0.0177 from (-0.01770) × 1), so one number reads the same everywhere
            results[n] = Rounded(shown, result.exact)
            exact.append(None)
        else:
            exact.append(shown)
    return PrintedChain(results, values, exact, computed)


def _cell_by_cell(solution, arithmetic, hook, computed: list[bool]) -> None:
    """The printed chain one cell at a time; a cell its printed operands cannot give takes its
    exact value."""
    chain = dict(solution.values)
    for n, cell in enumerate(solution.graph.cells):
        try:
            value = cell.compute(chain, arithmetic)
        except (DomainError, ZeroDivisionError):
            value = solution.values[cell.key]
            computed[n] = False
        chain[cell.key] = hook(n, value)
