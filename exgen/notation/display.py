"""The step graph evaluated as text: formulas and substitutions of the worked solution.

The same cell code that computes a value exactly is run here on :class:`Shown` numbers, which
build text instead of computing. With symbols as leaves this gives the entry's formula
(``z1[1] = W1[1,1] × x[1] + ...``); with rounded numbers as leaves, its substitution
(``0.5 × 1 + 0.6 × 2 + 0.1``). A :class:`Notation` decides whether the text is plain Unicode
(the terminal) or LaTeX (typeset documents).
"""

from __future__ import annotations

from exgen.engine.graph import Kind
from exgen.engine.numbers import exact_string, exact_text
from exgen.instructions import DEFAULT_INSTRUCTIONS
from exgen.notation.names import tex_name, text_item
from exgen.notation.chain import as_instructed, printed_chain
from exgen.notation.rounding import Rounded

# precedence of the outermost operation of an expression
SUM, PRODUCT, UNARY, ATOM = 1, 2, 3, 4

def rounded(value, parameter: bool = False, instructions=DEFAULT_INSTRUCTIONS) -> Rounded:
    """A value as a result is shown: rounded as ``instructions`` ask (4 significant figures,
    updated parameters 6 decimals), exactly if it is that short."""
    return as_instructed(*exact_text(value), parameter, instructions)


class Notation:
    """Plain Unicode text."""

    times, plus, minus_op, minus = " × ", " + ", " − ", "−"

    def number(self, text: str) -> str:
        if "E" in text:
            mantissa, _, exponent = text.partition("E")
            return f"{mantissa}×10^{exponent}".replace("-", self.minus)
        return text.replace("-", self.minus)

    def numbers(self, texts) -> list[str]:
        """:meth:`number` of many texts; a notation writes a text without an exponent with
        its minus signs replaced (every notation here does), so that case stays inline."""
        minus, number = self.minus, self.number
        return [t.replace("-", minus) if "E" not in t else number(t) for t in texts]

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
    once a number is filled into its slot (see :class:`GraphDisplay`)."""

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


def _format_string(text: str, slots: list[tuple], extras: list, field_of) -> str:
    """A template's text with its markers replaced by ``str.format`` fields: ``field_of(kind,
    key, extra)`` numbers the argument a solution fills in (see :class:`SolutionDisplay`)."""
    out = []
    for i, chunk in enumerate(text.split(_OPEN)):
        if i:
            marker, _, chunk = chunk.partition(_CLOSE)
            slot, extra = (int(v) for v in marker[1:].split(","))
            kind = marker[0]
            out.append("{%d}" % field_of(kind, slots[slot], extras[extra] if kind == CHOICE else None))
        out.append(chunk.replace("{", "{{").replace("}", "}}"))
    return "".join(out)


class GraphDisplay:
    """Formulas and substitution templates of every cell of a graph, in one notation, compiled
    once per network shape.

    A substitution is a ``str.format`` string over one argument list per solution: for the
    value of key number i (givens first, then the cells in graph order), field 2i is its text
    and field 2i + 1 its text in brackets if negative; after those come the values chosen by
    sign (``ReLU'``: 1 or 0), one per (key, pair of choices) in :attr:`choices`.
    """

    def __init__(self, graph, notation: Notation):
        self.graph, self.notation = graph, notation
        per_sample = {q.name for q in graph.quantities.values() if q.per_sample}
        if graph.architecture.batch_size is None:
            index_of = lambda key: key[2:] if key[0] in per_sample else key[1:]  # noqa: E731
        else:
            index_of = lambda key: key[1:]  # noqa: E731
        self.keys = [key for q in graph.givens for key in q.keys()] + list(graph.keys)
        self.index = {key: i for i, key in enumerate(self.keys)}
        #: whether each key is an updated parameter (written to decimals, not figures)
        self.parameters = [graph.quantities[key[0]].kind == Kind.UPDATE for key in self.keys]
        self.choices: list[tuple[int, str, str]] = []
        choice_field: dict[tuple, int] = {}
        n = len(self.keys)

        def field_of(kind, key, extra):
            i = self.index[key]
            if kind == PLAIN:
                return 2 * i
            if kind == PAREN_IF_NEGATIVE:
                return 2 * i + 1
            if (i, extra) not in choice_field:
                choice_field[i, extra] = 2 * n + len(self.choices)
                self.choices.append((i, *extra))
            return choice_field[i, extra]

        self.formulas: list[str] = []
        self.formats: list[str] = []
        for cell in graph.cells:
            self.formulas.append(self._run(cell, True, index_of)[0])
            self.formats.append(_format_string(*self._run(cell, False, index_of), field_of))
        self.formula_of = dict(zip(graph.keys, self.formulas))

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
    """A solution as its worked solution prints it: the givens as given, every result computed
    from the numbers printed before it and rounded as ``instructions`` ask (see
    ``exgen.notation.chain``), and each cell's substitution with those numbers."""

    def __init__(self, solution, notation: Notation, instructions=DEFAULT_INSTRUCTIONS):
        self.solution, self.notation = solution, notation
        self.graph = graph = graph_display(solution.graph, notation)
        given = len(graph.keys) - len(graph.formats)
        self.chain = chain = printed_chain(solution, graph.parameters[given:], instructions)
        #: every key's value as printed (givens first, then the cells in graph order)
        self.shown = [Rounded(*form) for form in solution.exact_forms(graph.keys[:given])] + chain.results
        paren = notation.paren
        #: ... in this notation
        self.texts = texts = notation.numbers([r.text for r in self.shown])
        arguments = [""] * (2 * len(texts))
        arguments[0::2] = texts
        arguments[1::2] = [paren(t) if r.text[0] == "-" else t for t, r in zip(texts, self.shown)]
        # a value chosen by sign (ReLU'(z): 1 or 0) follows the printed z
        printed = chain.values
        arguments += [above if printed[i - given] > 0 else below for i, above, below in graph.choices]
        self._arguments = arguments

    def rounded(self, key) -> Rounded:
        return self.shown[self.graph.index[key]]

    def number(self, key) -> tuple[str, bool]:
        """A value as substituted: its rounded text in this notation, and whether negative."""
        i = self.graph.index[key]
        return self.texts[i], self.shown[i].text.startswith("-")

    def formula(self, key) -> str:
        return self.graph.formula_of[key]

    def substitutions(self) -> list[str]:
        """Every cell's substitution, in graph order."""
        arguments = self._arguments
        return [f.format(*arguments) for f in self.graph.formats]

    def substitution(self, key) -> str:
        cell = self.graph.index[key] - (len(self.graph.keys) - len(self.graph.formats))
        return self.graph.formats[cell].format(*self._arguments)
