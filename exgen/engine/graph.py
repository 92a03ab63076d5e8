"""The step graph: every quantity of a backprop exercise as an ordered list of named steps.

A :class:`Step` is one quantity (``z1``, ``dL/dW2``, ``W1_new`` ...): its stage (forward, loss,
backprop, update), the quantities it reads, its formula, and one :class:`Cell` per entry. A cell
knows how to compute its entry from other cells in any arithmetic (see ``exgen.engine.arithmetic``)
and which cells it reads (recorded, not declared, so the two cannot disagree).

The graph depends only on the network's shape (the :class:`Architecture`), never on values, so
it is built once per shape and then evaluated: exactly (the solution), in float64 over numpy
arrays (screening candidate variants), from a student's own answers (follow-through grading),
or as text (the worked solution).

Cell keys are tuples ``(name, *indices)`` with 0-based indices. Per-sample quantities always
carry the sample index first, even for a single sample; ``item`` names (1-based, design §4) drop
it when the exercise is not a batch.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from exgen.engine.activations import ACTIVATIONS
from exgen.engine.arithmetic import ScalarFloatArithmetic
from exgen.engine.losses import LOSSES
from exgen.notation.names import tex_name, text_name

STAGES = ("given", "forward", "loss", "backprop", "update")
LEARNING_RATE = ("learning_rate",)
LOSS = ("loss",)


@dataclass(frozen=True)
class LayerShape:
    size: int
    activation: str
    negative_slope: object = None  # exact slope, leaky_relu only


@dataclass(frozen=True)
class Architecture:
    input_size: int
    layers: tuple[LayerShape, ...]
    loss: str
    batch_size: int | None = None  # None: a single sample, not a batch of one

    @property
    def samples(self) -> int:
        return self.batch_size or 1

    @property
    def depth(self) -> int:
        return len(self.layers)

    @property
    def output_size(self) -> int:
        return self.layers[-1].size


@dataclass(frozen=True)
class Quantity:
    """A named array of cells; ``shape`` includes the sample axis of per-sample quantities."""

    name: str
    stage: str
    shape: tuple[int, ...]
    per_sample: bool
    layer: int | None = None

    def keys(self):
        for index in itertools.product(*(range(n) for n in self.shape)):
            yield (self.name, *index)


@dataclass
class Cell:
    key: tuple
    compute: Callable  # (values, arithmetic) -> value
    inputs: tuple = ()  # keys read, in the order first read


@dataclass
class Step:
    quantity: Quantity
    formula: str  # plain text, e.g. "z1 = W1 · x + b1"
    formula_latex: str
    cells: list[Cell] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.quantity.name

    @property
    def stage(self) -> str:
        return self.quantity.stage

    @property
    def inputs(self) -> tuple[str, ...]:
        """Names of the quantities this step reads, in the order first read (cached)."""
        names = self.__dict__.get("_inputs")
        if names is None:
            seen: dict[str, None] = {}
            for cell in self.cells:
                for key in cell.inputs:
                    seen.setdefault(key[0], None)
            names = self.__dict__["_inputs"] = tuple(seen)
        return names


class _Recorder(dict):
    """A value store that answers every read with 1/2 and remembers what was read."""

    def __init__(self):
        super().__init__()
        self.read: dict[tuple, None] = {}

    def __getitem__(self, key):
        self.read.setdefault(key, None)
        return 0.5


def _record_inputs(cell: Cell) -> Cell:
    recorder = _Recorder()
    cell.compute(recorder, ScalarFloatArithmetic())
    cell.inputs = tuple(recorder.read)
    return cell


class StepGraph:
    """Given quantities plus the ordered steps that compute everything else."""

    def __init__(self, architecture: Architecture, givens: list[Quantity], steps: list[Step]):
        self.architecture = architecture
        self.givens = givens
        self.steps = steps
        self.quantities = {q.name: q for q in givens} | {s.name: s.quantity for s in steps}
        self.step_of = {s.name: s for s in steps}
        self.cells = [cell for step in steps for cell in step.cells]
        self.cell_of = {cell.key: cell for cell in self.cells}
        self._items: dict[tuple, str] = {}
        self._layouts: dict[str, object] = {}

    def evaluate(self, values: dict, arithmetic, cells=None) -> dict:
        """Compute every cell (or the given ones, in graph order) into ``values``."""
        for cell in self.cells if cells is None else cells:
            values[cell.key] = cell.compute(values, arithmetic)
        return values

    # -- names -------------------------------------------------------------------------------
    def item(self, key: tuple) -> str:
        """The answer-sheet name of a cell: ``z1[2]``, ``dL/dW1[1,2]``, ``loss``."""
        item = self._items.get(key)
        if item is None:
            item = self._items[key] = self._item(key)
        return item

    def _item(self, key: tuple) -> str:
        name, *index = key
        quantity = self.quantities[name]
        if quantity.per_sample and self.architecture.batch_size is None:
            index = index[1:]
        if not index:
            return name
        return f"{name}[{','.join(str(i + 1) for i in index)}]"

    def external_shape(self, name: str) -> tuple[int, ...]:
        quantity = self.quantities[name]
        if quantity.per_sample and self.architecture.batch_size is None:
            return quantity.shape[1:]
        return quantity.shape

    def layout(self, name: str):
        """The cell keys of a quantity as nested lists in its external shape (cached)."""
        layouts = self._layouts
        if name not in layouts:
            quantity = self.quantities[name]
            drop_sample = quantity.per_sample and self.architecture.batch_size is None

            def build(prefix, dims):
                if not dims:
                    return (name, 0, *prefix) if drop_sample else (name, *prefix)
                return [build(prefix + (i,), dims[1:]) for i in range(dims[0])]

            layouts[name] = build((), self.external_shape(name))
        return layouts[name]

    def nested(self, name: str, values: dict, convert=lambda v: v):
        """A quantity as nested lists (vectors, matrices, lists of vectors) or a scalar."""
        return map_nested(self.layout(name), lambda key: convert(values[key]))


def map_nested(layout, f):
    if isinstance(layout, tuple):
        return f(layout)
    if layout and isinstance(layout[0], tuple):
        return [f(key) for key in layout]
    return [map_nested(part, f) for part in layout]


@lru_cache(maxsize=64)
def build_graph(arch: Architecture) -> StepGraph:
    """The step graph of one network shape (cached: shapes repeat across a class)."""
    return _Builder(arch).graph()


class _Builder:
    def __init__(self, arch: Architecture):
        self.arch = arch
        self.B = arch.samples
        self.L = arch.depth
        self.steps: list[Step] = []

    # names of the activations feeding layer l and produced by layer l
    def _below(self, l: int) -> str:
        return "x" if l == 1 else f"a{l - 1}"

    def _out(self, l: int) -> str:
        return "yhat" if l == self.L else f"a{l}"

    def _size(self, l: int) -> int:
        return self.arch.input_size if l == 0 else self.arch.layers[l - 1].size

    def _step(self, name, stage, shape, per_sample, formula, latex, make, layer=None):
        quantity = Quantity(name, stage, shape, per_sample, layer)
        step = Step(quantity, formula, latex)
        for key in quantity.keys():
            step.cells.append(_record_inputs(Cell(key, make(*key[1:]))))
        self.steps.append(step)

    def givens(self) -> list[Quantity]:
        a = self.arch
        out = [Quantity("x", "given", (self.B, a.input_size), True)]
        for l in range(1, self.L + 1):
            out.append(Quantity(f"W{l}", "given", (self._size(l), self._size(l - 1)), False, l))
            out.append(Quantity(f"b{l}", "given", (self._size(l),), False, l))
        out.append(Quantity("y", "given", (self.B, a.output_size), True))
        out.append(Quantity("learning_rate", "given", (), False))
        return out

    def graph(self) -> StepGraph:
        givens = self.givens()
        for l in range(1, self.L + 1):
            self.forward(l)
        self.loss()
        for l in range(self.L, 0, -1):
            self.backprop(l)
        for l in range(1, self.L + 1):
            self.update(l)
        return StepGraph(self.arch, givens, self.steps)

    # -- forward pass ------------------------------------------------------------------------
    def forward(self, l: int):
        B, W, b, z, below, out = self.B, f"W{l}", f"b{l}", f"z{l}", self._below(l), self._out(l)
        n_in, size = self._size(l - 1), self._size(l)
        layer = self.arch.layers[l - 1]
        act = ACTIVATIONS[layer.activation]
        slope = layer.negative_slope
        batch = "[s]" if self.arch.batch_size else ""

        def make_z(s, j):
            # keys built once per shape, not on every evaluation
            pairs, bias = [((W, j, i), (below, s, i)) for i in range(n_in)], (b, j)
            return lambda v, A: A.sum([v[w] * v[a] for w, a in pairs] + [v[bias]])

        self._step(
            z, "forward", (B, size), True,
            f"{z}{batch} = {W} · {_txt(below)}{batch} + {b}",
            rf"{_tex(z)} = {_tex(W)}\,{_tex(below)} + {_tex(b)}",
            make_z, l,
        )

        def make_a(s, j):
            return lambda v, A: act.value(A, lambda k: v[z, s, k], j, size, slope)

        label = {"identity": "", "relu": "ReLU", "leaky_relu": "LeakyReLU", "sigmoid": "σ",
                 "tanh": "tanh", "softmax": "softmax"}[act.name]
        self._step(
            out, "forward", (B, size), True,
            f"{_txt(out)}{batch} = {label}({z}{batch})" if label else f"{_txt(out)}{batch} = {z}{batch}",
            rf"{_tex(out)} = {_tex_act(act.name)}({_tex(z)})" if label else rf"{_tex(out)} = {_tex(z)}",
            make_a, l,
        )

    # -- loss ----------------------------------------------------------------------------------
    def loss(self):
        B, K, loss = self.B, self.arch.output_size, LOSSES[self.arch.loss]

        def sample_loss(v, A, s):
            return loss.sample_loss(A, lambda k: v["y", s, k], lambda k: v["yhat", s, k], K)

        def make_loss():
            if B == 1:
                return lambda v, A: sample_loss(v, A, 0)
            return lambda v, A: A.const(1, B) * A.sum([sample_loss(v, A, s) for s in range(B)])

        rhs, rhs_tex = (loss.definition.partition(" = ")[2], loss.definition_latex.partition(" = ")[2])
        self._step(
            "loss", "loss", (), False,
            f"L = (1/{B}) Σ_s ℓ_s,  ℓ_s = {rhs}" if B > 1 else loss.definition,
            rf"L = \frac{{1}}{{{B}}} \sum_s \ell_s, \quad \ell_s = {rhs_tex}" if B > 1
            else loss.definition_latex,
            make_loss,
        )

        def make_grad(s, k):
            def compute(v, A):
                g = loss.gradient(A, lambda i: v["y", s, i], lambda i: v["yhat", s, i], k, K)
                return A.const(1, B) * g if B > 1 else g

            return compute

        lhs, _, rhs = loss.gradient_text.partition(" = ")
        lhs_tex, _, rhs_tex = loss.gradient_latex.partition(" = ")
        self._step(
            "dL/dyhat", "backprop", (B, K), True,
            f"{lhs} = (1/{B}) · ({rhs})   for each sample" if B > 1 else loss.gradient_text,
            rf"{lhs_tex} = \frac{{1}}{{{B}}} \left( {rhs_tex} \right)" if B > 1 else loss.gradient_latex,
            make_grad,
        )

    # -- backpropagation -----------------------------------------------------------------------
    def backprop(self, l: int):
        B, W, z, below, out = self.B, f"W{l}", f"z{l}", self._below(l), self._out(l)
        n_in, size = self._size(l - 1), self._size(l)
        layer = self.arch.layers[l - 1]
        act, slope = ACTIVATIONS[layer.activation], layer.negative_slope
        g_name = "dL/dyhat" if l == self.L else f"dL/da{l}"
        dz, dW, db = f"dL/dz{l}", f"dL/dW{l}", f"dL/db{l}"

        def make_dz(s, j):
            return lambda v, A: act.delta(
                A,
                lambda k: v[g_name, s, k],
                lambda k: v[out, s, k],
                lambda k: v[z, s, k],
                j, size, slope,
            )

        if act.name == "softmax":
            text = f"{_txt(dz)}_j = {_txt(out)}_j ({_txt(g_name)}_j − Σ_k {_txt(out)}_k · {_txt(g_name)}_k)"
        elif act.name == "identity":
            text = f"{_txt(dz)} = {_txt(g_name)}"
        else:
            text = f"{_txt(dz)} = {_txt(g_name)} ⊙ {_derivative_text(act.name, _txt(out), z)}"
        self._step(dz, "backprop", (B, size), True, text, _tex_delta(act.name, dz, g_name, out, z),
                   make_dz, l)

        def make_dW(j, i):
            if B == 1:
                return lambda v, A: v[dz, 0, j] * v[below, 0, i]
            pairs = [((dz, s, j), (below, s, i)) for s in range(B)]
            return lambda v, A: A.sum([v[d] * v[a] for d, a in pairs])

        total = "Σ_s " if B > 1 else ""
        total_tex = r"\sum_s " if B > 1 else ""
        self._step(dW, "backprop", (size, n_in), False,
                   f"{_txt(dW)} = {total}{_txt(dz)} · {_txt(below)}ᵀ",
                   rf"{_tex(dW)} = {total_tex}{_tex(dz)}\,{{{_tex(below)}}}^{{\top}}",
                   make_dW, l)

        def make_db(j):
            if B == 1:
                return lambda v, A: v[dz, 0, j]
            return lambda v, A: A.sum([v[dz, s, j] for s in range(B)])

        self._step(db, "backprop", (size,), False, f"{_txt(db)} = {total}{_txt(dz)}",
                   rf"{_tex(db)} = {total_tex}{_tex(dz)}", make_db, l)

        if l > 1:
            da = f"dL/da{l - 1}"

            def make_da(s, i):
                pairs = [((W, j, i), (dz, s, j)) for j in range(size)]
                return lambda v, A: A.sum([v[w] * v[d] for w, d in pairs])

            self._step(da, "backprop", (B, n_in), True, f"{_txt(da)} = {W}ᵀ · {_txt(dz)}",
                       rf"{_tex(da)} = {{{_tex(W)}}}^{{\top}} {_tex(dz)}", make_da, l - 1)

    # -- gradient-descent step -----------------------------------------------------------------
    def update(self, l: int):
        for param, shape in ((f"W{l}", (self._size(l), self._size(l - 1))), (f"b{l}", (self._size(l),))):
            grad = f"dL/d{param}"

            def make(*index, param=param, grad=grad):
                old, gradient = (param, *index), (grad, *index)
                return lambda v, A: A.sub(v[old], v[LEARNING_RATE] * v[gradient])

            self._step(f"{param}_new", "update", shape, False,
                       f"{param}_new = {param} − η · {_txt(grad)}",
                       rf"{_tex(param + '_new')} = {_tex(param)} - \eta\,{_tex(grad)}",
                       make, l)


def _derivative_text(activation: str, out: str, z: str) -> str:
    return {
        "relu": f"ReLU'({z})",
        "leaky_relu": f"f'({z})",
        "sigmoid": f"{out} ⊙ (1 − {out})",
        "tanh": f"(1 − {out}²)",
    }[activation]


_txt = text_name


def _tex(name: str) -> str:
    return tex_name(name)


def _tex_act(activation: str) -> str:
    return {"identity": "", "relu": r"\operatorname{ReLU}", "leaky_relu": r"f",
            "sigmoid": r"\sigma", "tanh": r"\tanh", "softmax": r"\operatorname{softmax}"}[activation]


def _tex_delta(activation, dz, g, out, z) -> str:
    lhs, tg, to, tz = _tex(dz), _tex(g), _tex(out), _tex(z)
    if activation == "identity":
        return f"{lhs} = {tg}"
    if activation == "softmax":
        return rf"{lhs}_j = {to}_j \left( {tg}_j - \sum_k {to}_k {tg}_k \right)"
    local = {
        "relu": rf"\operatorname{{ReLU}}'({tz})",
        "leaky_relu": rf"f'({tz})",
        "sigmoid": rf"{to} \odot (1 - {to})",
        "tanh": rf"(1 - ({to})^{{2}})",
    }[activation]
    return rf"{lhs} = {tg} \odot {local}"
