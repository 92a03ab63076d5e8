"""The step graph evaluated as text: formulas and substitutions of the worked solution.

The same cell code that computes a value exactly is run here on :class:`Shown` numbers, which
build text instead of computing. With symbols as leaves this gives the entry's formula
(``z1[1] = W1[1,1] × x[1] + ...``); with rounded numbers as leaves, its substitution
(``0.5 × 1 + 0.6 × 2 + 0.1``). A :class:`Notation` decides whether the text is plain Unicode
(the terminal) or LaTeX (typeset documents).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from exgen.names import tex_name, text_item
from exgen.numbers import exact_string, is_exact, terminates

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


def rounded(value, parameter: bool = False) -> Rounded:
    """Display rounding: exact if short, else 4 significant figures (parameters: 6 decimals)."""
    text = exact_string(value)
    d = Decimal(text)
    exact = _is_true_exact(value, text)
    if d == 0:
        return Rounded("0", exact)
    short = d.normalize()
    if parameter:
        if exact and -short.as_tuple().exponent <= PARAMETER_DECIMALS:
            return Rounded(_plain(short), True)
        q = d.quantize(Decimal(1).scaleb(-PARAMETER_DECIMALS), rounding=ROUND_HALF_UP)
        return Rounded(_plain(q), False)
    if exact and len(short.as_tuple().digits) <= SHORT_DIGITS:
        return Rounded(_plain(short), True)
    q = d.quantize(Decimal(1).scaleb(d.adjusted() - SIGNIFICANT + 1), rounding=ROUND_HALF_UP)
    if q.adjusted() != d.adjusted():  # 9.9996 -> 10.00: one digit more before the point
        q = d.quantize(Decimal(1).scaleb(q.adjusted() - SIGNIFICANT + 1), rounding=ROUND_HALF_UP)
    return Rounded(_plain(q), False)


def _is_true_exact(value, text: str) -> bool:
    """Exact rational with a terminating expansion, or an mpfr that printed as a short decimal."""
    if is_exact(value):
        return terminates(value)
    return len(Decimal(text).normalize().as_tuple().digits) < 40


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
    """An expression as text; ``value`` is kept for leaves that decide a case (ReLU')."""

    __slots__ = ("text", "prec", "negative", "value")

    def __init__(self, text: str, prec: int = ATOM, negative: bool = False, value=None):
        self.text, self.prec, self.negative, self.value = text, prec, negative, value


class DisplayArithmetic:
    """Builds text with the operations the cells use (see ``exgen.arithmetic``)."""

    exact = False

    def __init__(self, notation: Notation, symbolic: bool):
        self.n = notation
        self.symbolic = symbolic

    # -- helpers -------------------------------------------------------------------------------
    def _wrap(self, x: Shown, prec: int, first: bool = False) -> str:
        if x.prec < prec or (x.negative and not first):
            return self.n.paren(x.text)
        return x.text

    def _shown(self, x) -> Shown:
        if isinstance(x, Shown):
            return x
        text = exact_string(x)
        return Shown(self.n.number(text), ATOM, text.startswith("-"), x)

    # -- the arithmetic interface ----------------------------------------------------------------
    def const(self, p, q=1):
        return Shown(self.n.const(p, q), ATOM)

    def sum(self, terms):
        terms = [self._shown(t) for t in terms]
        text = self.n.plus.join(self._wrap(t, SUM, i == 0) for i, t in enumerate(terms))
        return Shown(text, SUM if len(terms) > 1 else terms[0].prec, terms[0].negative and len(terms) == 1)

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
        x = self._shown(x)
        return Shown(self.n.exp(x.text), ATOM)

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
        return Shown("1" if x.value > 0 else "0", ATOM)

    def leaky_relu(self, x, slope):
        return Shown(self.n.func("LeakyReLU", self._shown(x).text), ATOM)

    def leaky_relu_grad(self, x, slope):
        if self.symbolic:
            return Shown(self.n.leaky_grad(x.text), ATOM)
        return self._shown(1 if x.value > 0 else slope)


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
    """A value store that answers with symbols or rounded numbers instead of values."""

    def __init__(self, values: dict, notation: Notation, symbolic: bool, parameters: set):
        super().__init__()
        self.values, self.n, self.symbolic, self.parameters = values, notation, symbolic, parameters

    def __getitem__(self, key):
        value = self.values[key]
        name, *index = key
        if self.symbolic:
            return Shown(self.n.symbol(name, self.index_of(key)), ATOM, False, value)
        shown = rounded(value, parameter=name in self.parameters)
        return Shown(self.n.number(shown.text), ATOM, shown.text.startswith("-"), value)

    index_of = staticmethod(lambda key: tuple(key[1:]))


def cell_text(graph, cell, values: dict, notation: Notation, symbolic: bool) -> str:
    """A cell's right-hand side as a formula in symbols (``symbolic``) or as a substitution."""
    leaves = _Leaves(values, notation, symbolic, _parameter_names(graph))
    if graph.architecture.batch_size is None:
        per_sample = {q.name for q in graph.quantities.values() if q.per_sample}
        leaves.index_of = lambda key: tuple(key[2:]) if key[0] in per_sample else tuple(key[1:])
    arithmetic = DisplayArithmetic(notation, symbolic)
    _current.append(arithmetic)
    try:
        return arithmetic._shown(cell.compute(leaves, arithmetic)).text
    finally:
        _current.pop()


def _parameter_names(graph) -> set:
    return {s.name for s in graph.steps if s.stage == "update"}
