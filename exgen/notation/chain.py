"""The numbers a worked solution prints: each result computed from the numbers printed before
it and rounded as the worksheet instructs.

The worksheet tells students to round every result (4 significant figures, updated parameters
to 6 decimals, or what the assignment's ``[instructions]`` say) and to keep working with their
rounded values. A key that printed rounded operands beside results computed from unrounded
ones would disagree with a calculator: ``(−0.1129) × 1.9 ≈ −0.2144`` where the calculator
says −0.2145. So the key follows the student: it is the step graph evaluated with rounding
after every step (design §6, the hand-rounded path; ``exgen.engine.program`` with a rounder per
cell). Printed numbers are short decimals, so the chain is computed in decimal arithmetic:
sums and products exactly, quotients and transcendental functions to 60 digits or more (far
beyond the figures printed; a rounding tie is never a matter of the 60th digit). Each printed result
is its printed operands' result rounded half up. Beside a result whose asked digits differ from
those of the exact solution, the exact value (rounded the same way) is printed too; the grader
accepts both.

The givens are printed as given. Where printed operands leave a function's domain (a
saturated ŷ printed as 1 under a logarithm), that one entry is not computed from them: it
shows its formula and the exact result, and the chain goes on from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext

from gmpy2 import mpq

from exgen.engine.arithmetic import START_PRECISION, DomainError, ExactArithmetic, OperatorArithmetic
from exgen.engine.numbers import exact_text, is_exact
from exgen.engine.program import program
from exgen.instructions import DEFAULT_INSTRUCTIONS, Instructions
from exgen.notation.rounding import Rounded, Rule, exact_style, round_decimal, round_text, rounded_style

#: Digits of a quotient or a transcendental value in the printed chain.
DIGITS = 60


def as_instructed(text: str, exact: bool, parameter: bool, instructions: Instructions) -> Rounded:
    """A result's decimal text as the worksheet asks it written: to significant figures, an
    updated parameter to decimals; a value already that short is written exactly."""
    if parameter:
        return round_text(text, exact, decimals=instructions.parameter_decimals)
    figures = instructions.significant_figures
    return round_text(text, exact, figures, short=figures)


def rules(instructions: Instructions) -> tuple[Rule, Rule]:
    """The rule for a result and for an updated parameter."""
    figures = instructions.significant_figures
    return Rule(figures, short=figures), Rule(decimals=instructions.parameter_decimals)


class DecimalArithmetic(OperatorArithmetic):
    """The printed chain's arithmetic: Python decimals, exact for sums, differences and
    products of printed numbers (evaluated in ``_CONTEXT``: 120 digits, which also bound a
    quotient), e^x and ln x to :data:`DIGITS` digits. A function an activation defines (σ,
    tanh, max) is applied to the exact rational of its argument, as the exact arithmetic
    applies it."""

    exact = False

    def __init__(self):
        self._constants: dict = {}
        self._exact = ExactArithmetic(START_PRECISION)

    def const(self, p, q=1):
        return _Ratio(p, q)

    def exp(self, x):
        return _ONE if not x else x.exp(_QUOTIENTS)

    def log(self, x):
        if x <= 0:
            raise DomainError("the logarithm of a number that is not positive")
        return _ZERO if x == 1 else x.ln(_QUOTIENTS)

    def apply(self, f, x, *params):
        with self._exact.working_context():
            return _decimal(f.exact(mpq(*x.as_integer_ratio()), *params))

    def piecewise(self, f, x, above, below):
        chosen = above if x > 0 else below
        value = self._constants.get(chosen)
        if value is None:
            value = self._constants[chosen] = _decimal(chosen)
        return value


_CONTEXT = Context(prec=120, traps=[DivisionByZero, InvalidOperation, Overflow])
_QUOTIENTS = Context(prec=DIGITS, traps=[DivisionByZero, InvalidOperation, Overflow])
_ONE, _ZERO = Decimal(1), Decimal(0)


class _Ratio:
    """A formula's constant p/q (the 1/B of a mean, the 2 of a derivative), which only ever
    multiplies: the product is taken exactly and divided last, as a calculator does it, so
    (1/3) × 3.75 is 1.25 and rounds up, where 0.333…3 × 3.75 = 1.2499… would round down."""

    __slots__ = ("p", "q")

    def __init__(self, p, q):
        self.p, self.q = Decimal(p), Decimal(q)

    def __mul__(self, x):
        product = x * self.p
        return product if self.q == 1 else _divide(product, self.q)

    __rmul__ = __mul__


def _divide(a: Decimal, b: Decimal) -> Decimal:
    return _QUOTIENTS.divide(a, b)


def _decimal(value) -> Decimal:
    """An exact value (mpq, mpfr, int) as a decimal: exactly if it terminates, else to
    :data:`DIGITS` digits."""
    if isinstance(value, int):
        return Decimal(value)
    if is_exact(value):
        text, exact = exact_text(value)
        if exact:
            return Decimal(text)
        return _divide(Decimal(int(value.numerator)), Decimal(int(value.denominator)))
    mantissa, exponent, _ = value.digits(10, DIGITS)
    return Decimal(f"{mantissa}E{exponent - len(mantissa.lstrip('-'))}") if mantissa.strip("-0") else _ZERO


@dataclass
class PrintedChain:
    """Per cell of a graph (graph order): what is printed and how it relates to the exact
    solution."""

    results: list[Rounded]  # the printed result; ``exact``: it is its operands' result exactly
    values: list  # the printed results (decimals): what later entries read
    exact: list[str | None]  # the exact value as instructed, where it differs from the result
    computed: list[bool]  # False: the printed operands leave a function's domain


def printed_chain(solution, parameters: list[bool],
                  instructions: Instructions = DEFAULT_INSTRUCTIONS) -> PrintedChain:
    """The printed chain of a solution; ``parameters`` says per cell whether it is an updated
    parameter."""
    graph = solution.graph
    result_rule, parameter_rule = rules(instructions)
    cell_rules = [parameter_rule if parameter else result_rule for parameter in parameters]
    rounders = [rule.round for rule in cell_rules]
    # the givens, printed as given
    givens = {key: Decimal(text) for key, (text, _) in
              zip(_given_keys(graph), solution.exact_forms(_given_keys(graph)))}
    computed = [True] * len(graph.cells)
    arithmetic = DecimalArithmetic()
    with localcontext(_CONTEXT):
        try:
            # raw: what the printed operands give, unrounded; printed: that rounded
            raw, printed = program(graph, rounded=True)(givens, arithmetic, rounders)
        except (DomainError, ZeroDivisionError, InvalidOperation, Overflow):
            raw, printed = _cell_by_cell(solution, givens, arithmetic, rounders, computed)

    results: list[Rounded] = []
    exact: list[str | None] = []
    forms = solution.exact_forms(graph.keys)
    for (text, is_value), rule, rounder, value, shown in zip(forms, cell_rules, rounders, raw, printed):
        x = Decimal(text)
        x_shown = rounder(x)
        # the exact solution as instructed: exactly if it is that short, else rounded
        if is_value and x_shown == x:  # as short as asked, or shorter
            written = _written(x, "E" not in text, x_shown, rule)
        else:
            written = rounded_style(x_shown)
        short = value == shown  # the printed operands give exactly what is printed
        if x_shown == shown:
            # the exact solution rounds to the same number: written as the exact solution is
            # (-0.01770 for an exact -0.0177 from (-0.01770) × 1), so a number reads the same
            # everywhere
            results.append(Rounded(written, short))
            exact.append(None)
        else:
            results.append(Rounded(_written(value, True, shown, rule) if short else rounded_style(shown), short))
            exact.append(written)
    return PrintedChain(results, list(printed), exact, computed)


def _written(d: Decimal, exact: bool, shown: Decimal, rule: Rule) -> str:
    """``d`` as instructed, given its rounding ``shown``: exactly if exact and that short."""
    if exact and (shown == d if rule.short == rule.figures or rule.figures is None
                  else round_decimal(d, True, rule).exact) and -7 <= d.adjusted() < 21:
        return exact_style(d)
    return rounded_style(rule.padded(d) if shown == d else shown)


def _given_keys(graph) -> list[tuple]:
    keys = graph.__dict__.get("_given_keys")
    if keys is None:
        keys = graph.__dict__["_given_keys"] = [key for q in graph.givens for key in q.keys()]
    return keys


def _cell_by_cell(solution, givens, arithmetic, rounders, computed: list[bool]) -> tuple[list, list]:
    """The printed chain one cell at a time, (raw, printed); a cell its printed operands
    cannot give takes its exact value."""
    chain = dict(givens)
    raw, printed = [], []
    for n, cell in enumerate(solution.graph.cells):
        try:
            value = cell.compute(chain, arithmetic)
        except (DomainError, ZeroDivisionError, InvalidOperation, Overflow):
            value = Decimal(solution.exact_text(cell.key))
            computed[n] = False
        raw.append(value)
        printed.append(rounders[n](value))
        chain[cell.key] = printed[-1]
    return raw, printed
