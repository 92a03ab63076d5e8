"""The step graph evaluated as text: formulas and substitutions of the worked solution.

The same cell code that computes a value exactly is run here on :class:`Shown` numbers, which
build text instead of computing. With symbols as leaves this gives the entry's formula
(``z1[1] = W1[1,1] × x[1] + ...``); with rounded numbers as leaves, its substitution
(``0.5 × 1 + 0.6 × 2 + 0.1``). A :class:`Notation` decides whether the text is plain Unicode
(the terminal) or LaTeX (typeset documents).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from exgen.notation.names import tex_name, text_item
from exgen.engine.numbers import exact_string, exact_text

# precedence of the outermost operation of an expression
SUM, PRODUCT, UNARY, ATOM = 1, 2, 3, 4

#: Results shown exactly when they are a decimal with at most this many significant digits.
SHORT_DIGITS = 6
#: Otherwise rounded to this many significant figures (the worksheet's instruction) ...
SIGNIFICANT = 4
#: ... except updated parameters, which are written to this many decimals.
PARAMETER_DECIMALS = 6


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

    def func(self, name: str, a: str) -> str:
        return f"{name}({a})"

    def relu_grad(self, a: str) -> str:
        return f"ReLU'({a})"

    def leaky_grad(self, a: str) -> str:
        return f"f'({a})"


class LatexNotation(Notation):
    times, plus, minus_op, minus = r" \times ", " + ", " - ", "-"
    _funcs = {"ln": r"\ln", "σ": r"\sigma", "tanh": r"\tanh", "max": r"\max"}

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

    def func(self, name: str, a: str) -> str:
        return rf"{self._funcs.get(name, name)}\left({a}\right)"

    def relu_grad(self, a: str) -> str:
        return rf"\operatorname{{ReLU}}'\left({a}\right)"

    def leaky_grad(self, a: str) -> str:
        return rf"f'\left({a}\right)"


class Shown:
    """An expression as text. ``negative`` is None for a leaf whose sign is only known once a
    number is filled into its slot (see :class:`Template`)."""

    __slots__ = ("text", "prec", "negative", "slot")

    def __init__(self, text: str, prec: int = ATOM, negative: bool | None = False, slot=None):
        self.text, self.prec, self.negative, self.slot = text, prec, negative, slot


# Slot markers in template text: private-use characters that never occur in formulas.
_OPEN, _CLOSE = "\ue000", "\ue001"
PLAIN, PAREN_IF_NEGATIVE, RELU_GRAD, LEAKY_GRAD = "p", "n", "r", "l"


class DisplayArithmetic:
    """Builds text with the operations the cells use (see ``exgen.engine.arithmetic``).

    ``symbolic``: leaves are names and ReLU' stays ReLU'(z). Otherwise leaves are slots and the
    result is a template whose slots are filled with each solution's numbers.
    """

    exact = False

    def __init__(self, notation: Notation, symbolic: bool):
        self.n = notation
        self.symbolic = symbolic
        self.extras: list = []  # per LEAKY_GRAD slot: the slope's text

    # -- helpers -------------------------------------------------------------------------------
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
        return Shown(self.n.number(text), ATOM, text.startswith("-"))

    # -- the arithmetic interface ----------------------------------------------------------------
    def const(self, p, q=1):
        return Shown(self.n.const(p, q), ATOM)

    def sum(self, terms):
        terms = [self._shown(t) for t in terms]
        if len(terms) == 1:
            return terms[0]
        return Shown(self.n.plus.join(self._wrap(t, SUM, i == 0) for i, t in enumerate(terms)), SUM)

    def sub(self, a, b):
        a, b = self._shown(a), self._shown(b)
        return Shown(self._wrap(a, SUM, True) + self.n.minus_op + self._wrap(b, PRODUCT), SUM)

    def mul(self, a, b):
        a, b = self._shown(a), self._shown(b)
        # Negative factors always get brackets, "(−0.6) × (−1)", so a product never starts with
        # a minus sign; a product on the right needs none (multiplication is associative).
        return Shown(self._wrap(a, PRODUCT) + self.n.times + self._wrap(b, PRODUCT), PRODUCT)

    def div(self, a, b):
        a, b = self._shown(a), self._shown(b)
        if isinstance(self.n, LatexNotation):
            return Shown(self.n.div(a.text, b.text), ATOM)
        return Shown(self.n.div(self._wrap(a, PRODUCT), self._wrap(b, UNARY)), PRODUCT)

    def neg(self, a):
        a = self._shown(a)
        return Shown(self.n.minus + self._wrap(a, UNARY), UNARY, True)

    def square(self, x):
        x = self._shown(x)
        return Shown(self.n.square(self._wrap(x, ATOM + 1)), ATOM)

    def exp(self, x):
        return Shown(self.n.exp(self._shown(x).text), ATOM)

    def log(self, x):
        return Shown(self.n.func("ln", self._shown(x).text), ATOM)

    def sigmoid(self, x):
        return Shown(self.n.func("σ", self._shown(x).text), ATOM)

    def tanh(self, x):
        return Shown(self.n.func("tanh", self._shown(x).text), ATOM)

    def relu(self, x):
        return Shown(self.n.func("max", "0, " + self._shown(x).text), ATOM)

    def relu_grad(self, x):
        if self.symbolic:
            return Shown(self.n.relu_grad(x.text), ATOM)
        return Shown(_marker(RELU_GRAD, x.slot), ATOM)

    def leaky_relu(self, x, slope):
        return Shown(self.n.func("LeakyReLU", self._shown(x).text), ATOM)

    def leaky_relu_grad(self, x, slope):
        if self.symbolic:
            return Shown(self.n.leaky_grad(x.text), ATOM)
        self.extras.append(self.n.number(exact_string(slope)))
        return Shown(_marker(LEAKY_GRAD, x.slot, len(self.extras) - 1), ATOM)


def _marker(kind: str, slot: int, extra: int = 0) -> str:
    return f"{_OPEN}{kind}{slot},{extra}{_CLOSE}"


# Operators on Shown route to the arithmetic of the expression being built. Each display
# evaluation installs its arithmetic here; display runs are short and single-threaded.
_current: list[DisplayArithmetic] = []


def _op(name):
    def forward(self, other):
        return getattr(_current[-1], name)(self, other)

    def backward(self, other):
        return getattr(_current[-1], name)(other, self)

    return forward, backward


Shown.__mul__, Shown.__rmul__ = _op("mul")
Shown.__truediv__, Shown.__rtruediv__ = _op("div")
Shown.__neg__ = lambda self: _current[-1].neg(self)


class _Leaves(dict):
    """A value store answering with names (symbolic) or numbered slots (templates)."""

    def __init__(self, notation: Notation, symbolic: bool, index_of):
        super().__init__()
        self.n, self.symbolic, self.index_of = notation, symbolic, index_of
        self.slots: list[tuple] = []  # slot number -> cell key

    def __getitem__(self, key):
        if self.symbolic:
            return Shown(self.n.symbol(key[0], self.index_of(key)), ATOM)
        self.slots.append(key)
        slot = len(self.slots) - 1
        return Shown(_marker(PLAIN, slot), ATOM, None, slot)


class Template:
    """One cell's substitution with numbered slots, compiled once per network shape."""

    __slots__ = ("parts",)

    def __init__(self, text: str, slots: list[tuple], extras: list[str]):
        parts: list = []
        for i, chunk in enumerate(text.split(_OPEN)):
            if i == 0:
                parts.append(chunk)
                continue
            marker, _, literal = chunk.partition(_CLOSE)
            kind, _, rest = marker[0], None, marker[1:]
            slot, extra = (int(v) for v in rest.split(","))
            parts.append((kind, slots[slot], extras[extra] if kind == LEAKY_GRAD else None))
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
            elif kind == RELU_GRAD:
                out.append("1" if values[key] > 0 else "0")
            else:
                out.append("1" if values[key] > 0 else extra)
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
            self.formulas[cell.key] = self._run(cell, _Leaves(notation, True, index_of))[0]
            leaves = _Leaves(notation, False, index_of)
            text, extras = self._run(cell, leaves)
            self.templates[cell.key] = Template(text, leaves.slots, extras)

    def _run(self, cell, leaves):
        arithmetic = DisplayArithmetic(self.notation, leaves.symbolic)
        _current.append(arithmetic)
        try:
            return arithmetic._shown(cell.compute(leaves, arithmetic)).text, arithmetic.extras
        finally:
            _current.pop()


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
