"""The step graph evaluated as text: formulas and substitutions of the worked solution.

The same cell code that computes a value exactly is run here on :class:`Shown` numbers, which
build text instead of computing. With symbols as leaves this gives the entry's formula
(``z1[1] = W1[1,1] × x[1] + ...``); with rounded numbers as leaves, its substitution
(``0.5 × 1 + 0.6 × 2 + 0.1``). A :class:`Notation` decides whether the text is plain Unicode
(the terminal) or LaTeX (typeset documents).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from exgen.engine.numbers import exact_string, exact_text
from exgen.instructions import DEFAULT_INSTRUCTIONS
from exgen.notation.names import tex_name, text_item

# precedence of the outermost operation of an expression
SUM, PRODUCT, UNARY, ATOM = 1, 2, 3, 4

#: Results shown exactly when they are a decimal with at most this many significant digits.
SHORT_DIGITS = 6
#: Otherwise rounded as the worksheet instructs: significant figures, except updated
#: parameters, which are written to a number of decimals.
SIGNIFICANT = DEFAULT_INSTRUCTIONS.significant_figures
PARAMETER_DECIMALS = DEFAULT_INSTRUCTIONS.parameter_decimals


class Rounded:
    """A number as shown to a reader: its text and whether that text is exact."""

    __slots__ = ("text", "exact")

    def __init__(self, text: str, exact: bool):
        self.text, self.exact = text, exact


def rounded(value, parameter: bool = False, exact_form: tuple[str, bool] | None = None) -> Rounded:
    """Display rounding: exact if short, else 4 significant figures (parameters: 6 decimals).

    ``exact_form`` is the value's ``exact_text`` when the caller already has it.
    """
    text, exact = exact_form or exact_text(value)
    if text == "0":
        return Rounded(text, exact)
    if exact and "E" not in text:  # exact_text writes no trailing zeros
        mantissa = text.lstrip("-")
        whole, _, fraction = mantissa.partition(".")
        if parameter and len(fraction) <= PARAMETER_DECIMALS:
            return Rounded(text, True)
        if not parameter and len((whole + fraction).strip("0")) <= SHORT_DIGITS:
            return Rounded(text, True)
    d = Decimal(text)
    if parameter:
        return Rounded(_plain(d.quantize(_PARAMETER_STEP, rounding=ROUND_HALF_UP)), False)
    q = d.quantize(Decimal(1).scaleb(d.adjusted() - SIGNIFICANT + 1), rounding=ROUND_HALF_UP)
    if q.adjusted() != d.adjusted():  # 9.9996 -> 10.00: one digit more before the point
        q = d.quantize(Decimal(1).scaleb(q.adjusted() - SIGNIFICANT + 1), rounding=ROUND_HALF_UP)
    return Rounded(_plain(q), False)


_PARAMETER_STEP = Decimal(1).scaleb(-PARAMETER_DECIMALS)


def _plain(d: Decimal) -> str:
    """Decimal to text without exponent for everyday magnitudes, keeping significant zeros."""
    if d == 0:
        return "0"
    if -5 <= d.adjusted() < 7:
        text = format(d, "f")
        return text
    mantissa, _, exponent = f"{d:E}".partition("E")
    return f"{mantissa}E{int(exponent)}"


class Notation:
    """Plain Unicode text."""

    times, plus, minus_op, minus = " × ", " + ", " − ", "−"

    def number(self, text: str) -> str:
        if "E" in text:
            mantissa, _, exponent = text.partition("E")
            return f"{mantissa}×10^{exponent}".replace("-", self.minus)
        return text.replace("-", self.minus)

    def symbol(self, name: str, index: tuple) -> str:
        return text_item(name, index)

    def const(self, p, q) -> str:
        return str(p) if q == 1 else f"({p}/{q})"

    def div(self, a: str, b: str) -> str:
        return f"{a} / {b}"

    def paren(self, a: str) -> str:
        return f"({a})"

    def square(self, a: str) -> str:
        return f"{a}²"

    def exp(self, a: str) -> str:
        return f"e^({a})" if not a.startswith("(") else f"e^{a}"

    def log(self, a: str) -> str:
        return f"ln({a})"

    def function(self, symbol: str) -> str:
        """A function's name (``σ``, ``ReLU'``) as this notation writes it."""
        return symbol

    def apply(self, f, a: str) -> str:
        """An :class:`exgen.engine.arithmetic.Elementary` function applied: ``σ(a)``."""
        return f"{self.function(f.symbol)}({f.arguments}{a})"

    def piecewise(self, f, a: str) -> str:
        """A :class:`exgen.engine.arithmetic.Piecewise` value in symbols: ``ReLU'(a)``."""
        return f"{self.function(f.symbol)}({a})"


class LatexNotation(Notation):
    times, plus, minus_op, minus = r" \times ", " + ", " - ", "-"

    def number(self, text: str) -> str:
        if "E" in text:
            mantissa, _, exponent = text.partition("E")
            return rf"{mantissa} \times 10^{{{int(exponent)}}}"
        return text

    def symbol(self, name: str, index: tuple) -> str:
        return tex_name(name, index)

    def const(self, p, q) -> str:
        return str(p) if q == 1 else rf"\frac{{{p}}}{{{q}}}"

    def div(self, a: str, b: str) -> str:
        return rf"\frac{{{a}}}{{{b}}}"

    def paren(self, a: str) -> str:
        return rf"\left({a}\right)"

    def square(self, a: str) -> str:
        return f"{{{a}}}^{{2}}"

    def exp(self, a: str) -> str:
        return f"e^{{{a}}}"

    def log(self, a: str) -> str:
        return rf"\ln\left({a}\right)"

    def apply(self, f, a: str) -> str:
        return rf"{f.symbol_latex}\left({f.arguments}{a}\right)"

    def piecewise(self, f, a: str) -> str:
        return rf"{f.symbol_latex}\left({a}\right)"


class Shown:
    """An expression as text, built by the :class:`DisplayArithmetic` it carries (its ``*``,
    ``/`` and unary ``-`` go there). ``negative`` is None for a leaf whose sign is only known
    once a number is filled into its slot (see :class:`Template`)."""

    __slots__ = ("text", "prec", "negative", "slot", "arithmetic")

    def __init__(self, text: str, prec: int = ATOM, negative: bool | None = False, slot=None,
                 arithmetic: DisplayArithmetic | None = None):
        self.text, self.prec, self.negative, self.slot = text, prec, negative, slot
        self.arithmetic = arithmetic

    def __mul__(self, other):
        return self.arithmetic.mul(self, other)

    def __rmul__(self, other):
        return self.arithmetic.mul(other, self)

    def __truediv__(self, other):
        return self.arithmetic.div(self, other)

    def __rtruediv__(self, other):
        return self.arithmetic.div(other, self)

    def __neg__(self):
        return self.arithmetic.neg(self)


# Slot markers in template text: private-use characters that never occur in formulas.
_OPEN, _CLOSE = "\ue000", "\ue001"
#: A slot's number as is; in brackets if negative; a piecewise value chosen by the slot's sign.
PLAIN, PAREN_IF_NEGATIVE, CHOICE = "p", "n", "c"


class DisplayArithmetic:
    """Builds text with the operations the cells use (see ``exgen.engine.arithmetic``).

    ``symbolic``: leaves are names and ReLU' stays ReLU'(z). Otherwise leaves are slots and the
    result is a template whose slots are filled with each solution's numbers.
    """

    exact = False

    def __init__(self, notation: Notation, symbolic: bool):
        self.n = notation
        self.symbolic = symbolic
        self.extras: list = []  # per CHOICE marker: the texts of its two values

    # -- helpers -------------------------------------------------------------------------------
    def _new(self, text: str, prec: int = ATOM, negative: bool | None = False, slot=None) -> Shown:
        return Shown(text, prec, negative, slot, self)

    def _wrap(self, x: Shown, prec: int, first: bool = False) -> str:
        if x.negative is None:  # a slot: brackets only if the number filled in is negative
            return _marker(PAREN_IF_NEGATIVE if not first else PLAIN, x.slot)
        if x.prec < prec or (x.negative and not first):
            return self.n.paren(x.text)
        return x.text

    def _shown(self, x) -> Shown:
        if isinstance(x, Shown):
            return x
        text = exact_string(x)
        return self._new(self.n.number(text), ATOM, text.startswith("-"))

    def leaf(self, key, index_of, slots: list) -> Shown:
        """A value read by a cell: its name (symbolic), else a numbered slot."""
        if self.symbolic:
            return self._new(self.n.symbol(key[0], index_of(key)), ATOM)
        slots.append(key)
        slot = len(slots) - 1
        return self._new(_marker(PLAIN, slot), ATOM, None, slot)

    # -- the arithmetic interface ----------------------------------------------------------------
    def const(self, p, q=1):
        return self._new(self.n.const(p, q), ATOM)

    def sum(self, terms):
        terms = [self._shown(t) for t in terms]
        if len(terms) == 1:
            return terms[0]
        return self._new(self.n.plus.join(self._wrap(t, SUM, i == 0) for i, t in enumerate(terms)), SUM)

    def sub(self, a, b):
        a, b = self._shown(a), self._shown(b)
        return self._new(self._wrap(a, SUM, True) + self.n.minus_op + self._wrap(b, PRODUCT), SUM)

    def mul(self, a, b):
        a, b = self._shown(a), self._shown(b)
        # Negative factors always get brackets, "(−0.6) × (−1)", so a product never starts with
        # a minus sign; a product on the right needs none (multiplication is associative).
        return self._new(self._wrap(a, PRODUCT) + self.n.times + self._wrap(b, PRODUCT), PRODUCT)

    def div(self, a, b):
        a, b = self._shown(a), self._shown(b)
        if isinstance(self.n, LatexNotation):
            return self._new(self.n.div(a.text, b.text), ATOM)
        return self._new(self.n.div(self._wrap(a, PRODUCT), self._wrap(b, UNARY)), PRODUCT)

    def neg(self, a):
        a = self._shown(a)
        return self._new(self.n.minus + self._wrap(a, UNARY), UNARY, True)

    def square(self, x):
        x = self._shown(x)
        return self._new(self.n.square(self._wrap(x, ATOM + 1)), ATOM)

    def exp(self, x):
        return self._new(self.n.exp(self._shown(x).text), ATOM)

    def log(self, x):
        return self._new(self.n.log(self._shown(x).text), ATOM)

    def apply(self, f, x, *params):
        return self._new(self.n.apply(f, self._shown(x).text), ATOM)

    def piecewise(self, f, x, above, below):
        if self.symbolic:
            return self._new(self.n.piecewise(f, x.text), ATOM)
        # the value itself, chosen when a solution's number fills the slot of x
        self.extras.append((self._shown(above).text, self._shown(below).text))
        return self._new(_marker(CHOICE, x.slot, len(self.extras) - 1), ATOM)


def _marker(kind: str, slot: int, extra: int = 0) -> str:
    return f"{_OPEN}{kind}{slot},{extra}{_CLOSE}"


class _Leaves(dict):
    """A value store answering with names (symbolic) or numbered slots (templates)."""

    def __init__(self, arithmetic: DisplayArithmetic, index_of):
        super().__init__()
        self.arithmetic, self.index_of = arithmetic, index_of
        self.slots: list[tuple] = []  # slot number -> cell key

    def __getitem__(self, key):
        return self.arithmetic.leaf(key, self.index_of, self.slots)


class Template:
    """One cell's substitution with numbered slots, compiled once per network shape."""

    __slots__ = ("parts",)

    def __init__(self, text: str, slots: list[tuple], extras: list):
        parts: list = []
        for i, chunk in enumerate(text.split(_OPEN)):
            if i == 0:
                parts.append(chunk)
                continue
            marker, _, literal = chunk.partition(_CLOSE)
            kind, rest = marker[0], marker[1:]
            slot, extra = (int(v) for v in rest.split(","))
            parts.append((kind, slots[slot], extras[extra] if kind == CHOICE else None))
            parts.append(literal)
        self.parts = tuple(p for p in parts if p != "")

    def fill(self, number, values, paren) -> str:
        """``number(key)`` gives a leaf's (text, negative); ``values`` the exact values."""
        out = []
        for part in self.parts:
            if part.__class__ is str:
                out.append(part)
                continue
            kind, key, extra = part
            if kind == PLAIN:
                out.append(number(key)[0])
            elif kind == PAREN_IF_NEGATIVE:
                text, negative = number(key)
                out.append(paren(text) if negative else text)
            else:  # CHOICE: (above, below)
                out.append(extra[0] if values[key] > 0 else extra[1])
        return "".join(out)


class GraphDisplay:
    """Formulas and substitution templates of every cell of a graph, in one notation."""

    def __init__(self, graph, notation: Notation):
        self.graph, self.notation = graph, notation
        per_sample = {q.name for q in graph.quantities.values() if q.per_sample}
        if graph.architecture.batch_size is None:
            index_of = lambda key: key[2:] if key[0] in per_sample else key[1:]  # noqa: E731
        else:
            index_of = lambda key: key[1:]  # noqa: E731
        self.formulas: dict[tuple, str] = {}
        self.templates: dict[tuple, Template] = {}
        for cell in graph.cells:
            self.formulas[cell.key] = self._run(cell, True, index_of)[0]
            text, slots, extras = self._run(cell, False, index_of)
            self.templates[cell.key] = Template(text, slots, extras)

    def _run(self, cell, symbolic: bool, index_of):
        arithmetic = DisplayArithmetic(self.notation, symbolic)
        leaves = _Leaves(arithmetic, index_of)
        text = arithmetic._shown(cell.compute(leaves, arithmetic)).text
        return text, leaves.slots, arithmetic.extras


def graph_display(graph, notation: Notation) -> GraphDisplay:
    """The (cached) display of a graph: graphs are shared by every variant of one shape."""
    cache = graph.__dict__.setdefault("_displays", {})
    key = type(notation)
    if key not in cache:
        cache[key] = GraphDisplay(graph, notation)
    return cache[key]


class SolutionDisplay:
    """A solution's numbers as a reader sees them, and its cells' substitutions."""

    def __init__(self, solution, notation: Notation):
        self.solution, self.notation = solution, notation
        self.graph = graph_display(solution.graph, notation)
        self.parameters = {s.name for s in solution.graph.steps if s.stage == "update"}
        self._numbers: dict[tuple, tuple[str, bool]] = {}
        self._rounded: dict[tuple, Rounded] = {}

    def rounded(self, key) -> Rounded:
        shown = self._rounded.get(key)
        if shown is None:
            shown = self._rounded[key] = rounded(
                self.solution.values[key], key[0] in self.parameters, self.solution.exact_form(key)
            )
        return shown

    def number(self, key) -> tuple[str, bool]:
        """A leaf as substituted: its rounded text in this notation, and whether negative."""
        pair = self._numbers.get(key)
        if pair is None:
            text = self.rounded(key).text
            pair = self._numbers[key] = (self.notation.number(text), text.startswith("-"))
        return pair

    def formula(self, key) -> str:
        return self.graph.formulas[key]

    def substitution(self, key) -> str:
        return self.graph.templates[key].fill(self.number, self.solution.values, self.notation.paren)
