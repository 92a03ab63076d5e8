"""The step graph: every quantity of a backprop exercise as an ordered list of named steps.

A :class:`Step` is one quantity (``z1``, ``dL/dW2``, ``W1_new`` ...): its kind (a layer's
pre-activation, a weight gradient, an update ...), its stage (forward, loss, backprop, update),
its layer, the quantities it reads, and one :class:`Cell` per entry. A cell knows how to compute
its entry from other cells in any arithmetic (see ``exgen.engine.arithmetic``) and which cells
it reads (recorded, not declared, so the two cannot disagree). The graph holds structure, not
text: ``exgen.notation`` writes each step's formula from its kind and layer.

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

from exgen.engine import names
from exgen.engine.activations import ACTIVATIONS
from exgen.engine.arithmetic import ScalarFloatArithmetic
from exgen.engine.losses import LOSSES

STAGES = ("given", "forward", "loss", "backprop", "update")
#: Cell keys of the two scalars.
LEARNING_RATE = (names.LEARNING_RATE,)
LOSS = (names.LOSS,)


class Kind:
    """What a quantity is (``Quantity.kind``): formulas, misconceptions and screening ask this
    instead of taking names apart."""

    # givens
    INPUT, TARGET, WEIGHTS, BIAS, LEARNING_RATE = "input", "target", "weights", "bias", "learning_rate"
    # steps
    PRE_ACTIVATION = "pre_activation"  # z{l} = W{l} a{l-1} + b{l}
    ACTIVATION = "activation"  # a{l} (yhat) = f(z{l})
    LOSS = "loss"
    LOSS_GRADIENT = "loss_gradient"  # dL/dyhat
    DELTA = "delta"  # dL/dz{l}
    WEIGHT_GRADIENT = "weight_gradient"  # dL/dW{l}
    BIAS_GRADIENT = "bias_gradient"  # dL/db{l}
    ACTIVATION_GRADIENT = "activation_gradient"  # dL/da{l} for l < L (its layer is l)
    UPDATE = "update"  # W{l}_new, b{l}_new


#: The stage of each kind of step.
STAGE_OF = {
    Kind.PRE_ACTIVATION: "forward", Kind.ACTIVATION: "forward", Kind.LOSS: "loss",
    Kind.LOSS_GRADIENT: "backprop", Kind.DELTA: "backprop", Kind.WEIGHT_GRADIENT: "backprop",
    Kind.BIAS_GRADIENT: "backprop", Kind.ACTIVATION_GRADIENT: "backprop", Kind.UPDATE: "update",
}


@dataclass(frozen=True)
class LayerShape:
    size: int
    activation: str
    negative_slope: object = None  # exact slope of an activation that takes one (leaky_relu)


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

    def fan_in(self, l: int) -> int:
        """How many values layer l reads: the input size, or the units of layer l − 1."""
        return self.input_size if l == 1 else self.layers[l - 2].size


@dataclass(frozen=True)
class Quantity:
    """A named array of cells; ``shape`` includes the sample axis of per-sample quantities."""

    name: str
    stage: str
    shape: tuple[int, ...]
    per_sample: bool
    layer: int | None = None
    kind: str = ""  # a Kind

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
    cells: list[Cell] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.quantity.name

    @property
    def stage(self) -> str:
        return self.quantity.stage

    @property
    def kind(self) -> str:
        return self.quantity.kind

    @property
    def layer(self) -> int | None:
        return self.quantity.layer

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
        self.keys = tuple(cell.key for cell in self.cells)  # of the computed cells, in order
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

    def _size(self, l: int) -> int:
        return self.arch.input_size if l == 0 else self.arch.layers[l - 1].size

    def _step(self, name, kind, shape, per_sample, make, layer=None):
        quantity = Quantity(name, STAGE_OF[kind], shape, per_sample, layer, kind)
        step = Step(quantity)
        for key in quantity.keys():
            step.cells.append(_record_inputs(Cell(key, make(*key[1:]))))
        self.steps.append(step)

    def givens(self) -> list[Quantity]:
        a = self.arch
        out = [Quantity(names.INPUT, "given", (self.B, a.input_size), True, None, Kind.INPUT)]
        for l in range(1, self.L + 1):
            out.append(Quantity(names.weights(l), "given", (self._size(l), self._size(l - 1)), False, l, Kind.WEIGHTS))
            out.append(Quantity(names.bias(l), "given", (self._size(l),), False, l, Kind.BIAS))
        out.append(Quantity(names.TARGET, "given", (self.B, a.output_size), True, None, Kind.TARGET))
        out.append(Quantity(names.LEARNING_RATE, "given", (), False, None, Kind.LEARNING_RATE))
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
        B, W, b, z = self.B, names.weights(l), names.bias(l), names.pre_activation(l)
        below, out = names.layer_input(l), names.layer_output(l, self.L)
        n_in, size = self._size(l - 1), self._size(l)
        layer = self.arch.layers[l - 1]
        act = ACTIVATIONS[layer.activation]
        slope = layer.negative_slope

        def make_z(s, j):
            # keys built once per shape, not on every evaluation
            pairs, bias = [((W, j, i), (below, s, i)) for i in range(n_in)], (b, j)
            return lambda v, A: A.sum([v[w] * v[a] for w, a in pairs] + [v[bias]])

        self._step(z, Kind.PRE_ACTIVATION, (B, size), True, make_z, l)

        def make_a(s, j):
            return lambda v, A: act.value(A, lambda k: v[z, s, k], j, size, slope)

        self._step(out, Kind.ACTIVATION, (B, size), True, make_a, l)

    # -- loss ----------------------------------------------------------------------------------
    def loss(self):
        B, K, loss = self.B, self.arch.output_size, LOSSES[self.arch.loss]
        y, yhat = names.TARGET, names.OUTPUT

        def sample_loss(v, A, s):
            return loss.sample_loss(A, lambda k: v[y, s, k], lambda k: v[yhat, s, k], K)

        def make_loss():
            if B == 1:
                return lambda v, A: sample_loss(v, A, 0)
            return lambda v, A: A.const(1, B) * A.sum([sample_loss(v, A, s) for s in range(B)])

        self._step(names.LOSS, Kind.LOSS, (), False, make_loss)

        def make_grad(s, k):
            def compute(v, A):
                g = loss.gradient(A, lambda i: v[y, s, i], lambda i: v[yhat, s, i], k, K)
                return A.const(1, B) * g if B > 1 else g

            return compute

        self._step(names.gradient(yhat), Kind.LOSS_GRADIENT, (B, K), True, make_grad)

    # -- backpropagation -----------------------------------------------------------------------
    def backprop(self, l: int):
        B, W, z = self.B, names.weights(l), names.pre_activation(l)
        below, out = names.layer_input(l), names.layer_output(l, self.L)
        n_in, size = self._size(l - 1), self._size(l)
        layer = self.arch.layers[l - 1]
        act, slope = ACTIVATIONS[layer.activation], layer.negative_slope
        g_name = names.output_gradient(l, self.L)
        dz, dW, db = names.gradient(z), names.gradient(W), names.gradient(names.bias(l))

        def make_dz(s, j):
            return lambda v, A: act.delta(
                A,
                lambda k: v[g_name, s, k],
                lambda k: v[out, s, k],
                lambda k: v[z, s, k],
                j, size, slope,
            )

        self._step(dz, Kind.DELTA, (B, size), True, make_dz, l)

        def make_dW(j, i):
            if B == 1:
                return lambda v, A: v[dz, 0, j] * v[below, 0, i]
            pairs = [((dz, s, j), (below, s, i)) for s in range(B)]
            return lambda v, A: A.sum([v[d] * v[a] for d, a in pairs])

        self._step(dW, Kind.WEIGHT_GRADIENT, (size, n_in), False, make_dW, l)

        def make_db(j):
            if B == 1:
                return lambda v, A: v[dz, 0, j]
            return lambda v, A: A.sum([v[dz, s, j] for s in range(B)])

        self._step(db, Kind.BIAS_GRADIENT, (size,), False, make_db, l)

        if l > 1:
            da = names.gradient(below)

            def make_da(s, i):
                pairs = [((W, j, i), (dz, s, j)) for j in range(size)]
                return lambda v, A: A.sum([v[w] * v[d] for w, d in pairs])

            self._step(da, Kind.ACTIVATION_GRADIENT, (B, n_in), True, make_da, l - 1)

    # -- gradient-descent step -----------------------------------------------------------------
    def update(self, l: int):
        shapes = ((names.weights(l), (self._size(l), self._size(l - 1))), (names.bias(l), (self._size(l),)))
        for param, shape in shapes:
            grad = names.gradient(param)

            def make(*index, param=param, grad=grad):
                old, gradient = (param, *index), (grad, *index)
                return lambda v, A: A.sub(v[old], v[LEARNING_RATE] * v[gradient])

            self._step(names.updated(param), Kind.UPDATE, shape, False, make, l)
