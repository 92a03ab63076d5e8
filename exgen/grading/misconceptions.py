"""Likely misconceptions: wrong ways to compute a step, written against the step graph.

Each misconception is a set of *variants*; a variant says, for a cell of the step graph, how a
student with that misconception would compute it (or ``None`` where it does not apply). The
grader evaluates the variant on the student's OWN values (their answers, and what those imply
for the cells they did not write), so a wrong answer is explained in terms of the student's
work, not of the answer key. Everything reads what a step is (its kind and layer, recorded in
the step graph), so a new network shape needs no new code here; an activation or a loss says
which misconceptions apply to it (its ``slips``).

The list follows what teachers see most in hand-worked backprop: the activation's derivative
left out, the update stepping the wrong way (or not at all, or without η), the factor 2 of
(half) squared error, a transposed weight matrix, z used where a belongs, and — the mistake of
the seed's second example — weight gradients used in place of δ:
``∂L/∂a_h = Σ_k ∂L/∂v_k · v_k`` instead of ``Σ_k v_k · ∂L/∂z_k``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Callable

from exgen.engine import names
from exgen.engine.activations import ACTIVATIONS, Activation
from exgen.engine.graph import LEARNING_RATE, Cell, Kind, StepGraph
from exgen.engine.losses import LOSSES
from exgen.notation.formulas import step_formula
from exgen.notation.names import text_name

#: How a student computes a cell: (values, arithmetic) -> value, like ``Cell.compute``.
Compute = Callable
#: A variant: for one cell of a graph, the student's way of computing it, or None.
Variant = Callable[[StepGraph, Cell], "Compute | None"]

# Misconceptions that only some activations and losses open the door to: each activation and
# loss lists the ones that apply to it (``slips``).
FORGOTTEN_DERIVATIVE = "forgotten_activation_derivative"
Z_FOR_A = "z_for_a"
FACTOR_2 = "squared_error_factor_2"


@dataclass(frozen=True)
class Misconception:
    name: str  # stored with the item result (at most 50 characters)
    label: str  # for the teacher's report
    variants: tuple[Variant, ...]
    explain: Callable[[StepGraph, tuple], str]  # feedback for the student, for one cell

    def feedback(self, graph: StepGraph, key: tuple) -> str:
        return self.explain(graph, key)


# -- helpers: what a cell is ----------------------------------------------------------------
def _what(graph: StepGraph, key: tuple) -> tuple[str, int | None]:
    """(kind, layer) of the quantity a cell belongs to."""
    quantity = graph.quantities[key[0]]
    return quantity.kind, quantity.layer


def _activation(graph: StepGraph, l: int) -> Activation:
    return ACTIVATIONS[graph.architecture.layers[l - 1].activation]


def _sizes(graph: StepGraph, l: int) -> tuple[int, int]:
    """(units, fan-in) of layer l."""
    arch = graph.architecture
    return arch.layers[l - 1].size, arch.fan_in(l)


def _formula(graph: StepGraph, key: tuple) -> str:
    return step_formula(graph, graph.step_of[key[0]]).text


# -- the activation's derivative left out -----------------------------------------------------
def _no_derivative(graph, cell):
    kind, l = _what(graph, cell.key)
    if kind != Kind.DELTA or FORGOTTEN_DERIVATIVE not in _activation(graph, l).slips:
        return None
    g = names.output_gradient(l, graph.architecture.depth)
    s, j = cell.key[1:]
    return lambda v, A: v[g, s, j]


def _explain_no_derivative(graph, key):
    _, l = _what(graph, key)
    act = _activation(graph, l)
    g = names.output_gradient(l, graph.architecture.depth)
    return (f"the derivative of the {act.label} activation was left out: "
            f"{text_name(key[0])} = {text_name(g)} · f'({names.pre_activation(l)}), with {act.derivative}")


# -- the gradient-descent step ------------------------------------------------------------------
def _update(kind: str) -> Variant:
    def variant(graph, cell):
        param = names.before_update(cell.key[0])
        if param is None:
            return None
        index = cell.key[1:]
        old, grad = (param, *index), (names.gradient(param), *index)
        if kind == "sign":
            return lambda v, A: v[old] + v[LEARNING_RATE] * v[grad]
        if kind == "no_learning_rate":
            return lambda v, A: A.sub(v[old], v[grad])
        return lambda v, A: v[old]  # not applied

    return variant


def _explain_update(kind: str):
    def explain(graph, key):
        param, rule = names.before_update(key[0]), _formula(graph, key)
        if kind == "sign":
            return f"the update went the wrong way: {rule} (a step against the gradient)"
        if kind == "no_learning_rate":
            return f"the gradient was not multiplied by the learning rate: {rule}"
        return f"this is the old value of {param}: the update was not applied ({rule})"

    return explain


# -- the factor 2 of (half) squared error ----------------------------------------------------------
def _factor(factor: float) -> Variant:
    def variant(graph, cell):
        kind, _ = _what(graph, cell.key)
        if kind not in (Kind.LOSS, Kind.LOSS_GRADIENT) or FACTOR_2 not in LOSSES[graph.architecture.loss].slips:
            return None
        compute = cell.compute
        return lambda v, A: factor * compute(v, A)

    return variant


def _explain_factor(graph, key):
    loss = LOSSES[graph.architecture.loss]
    kind, _ = _what(graph, key)
    rule = loss.definition if kind == Kind.LOSS else f"{loss.definition}, so {loss.gradient_text}"
    return f"off by a factor of 2: the {loss.label} is {rule}"


# -- a transposed weight matrix ------------------------------------------------------------------
def _transposed(graph, cell):
    (kind, l), index = _what(graph, cell.key), cell.key[1:]
    B = graph.architecture.samples
    if kind == Kind.PRE_ACTIVATION:
        size, fan_in = _sizes(graph, l)
        if size != fan_in:
            return None
        s, j = index
        W, b, below = names.weights(l), names.bias(l), names.layer_input(l)
        return lambda v, A: A.sum([v[W, i, j] * v[below, s, i] for i in range(fan_in)] + [v[b, j]])
    if kind == Kind.ACTIVATION_GRADIENT:  # dL/da{l} reads W{l+1}
        size, fan_in = _sizes(graph, l + 1)
        if size != fan_in:
            return None
        s, i = index
        W, dz = names.weights(l + 1), names.gradient(names.pre_activation(l + 1))
        return lambda v, A: A.sum([v[W, i, j] * v[dz, s, j] for j in range(size)])
    if kind == Kind.WEIGHT_GRADIENT:
        size, fan_in = _sizes(graph, l)
        if size != fan_in:
            return None
        j, i = index
        dz, below = names.gradient(names.pre_activation(l)), names.layer_input(l)
        return lambda v, A: A.sum([v[dz, s, i] * v[below, s, j] for s in range(B)])
    return None


def _explain_transposed(graph, key):
    kind, l = _what(graph, key)
    if kind == Kind.WEIGHT_GRADIENT:
        dz, below = names.gradient(names.pre_activation(l)), names.layer_input(l)
        return (f"this is the transposed gradient: {text_name(key[0])} = {text_name(dz)} · "
                f"{text_name(below)}ᵀ, row j for unit j")
    W = names.weights(l + 1 if kind == Kind.ACTIVATION_GRADIENT else l)
    return (f"the weight matrix {W} was transposed: {_formula(graph, key)}, "
            f"row j of {W} holding the weights into unit j")


# -- z used where a belongs ---------------------------------------------------------------------
class _ZForA:
    """A view of the values that answers reads of an activation with its pre-activation."""

    def __init__(self, values, swaps: dict[str, str]):
        self.values, self.swaps = values, swaps

    def __getitem__(self, key):
        swap = self.swaps.get(key[0])
        return self.values[key] if swap is None else self.values[(swap, *key[1:])]


@lru_cache(maxsize=64)
def _swaps(graph: StepGraph) -> dict[str, str]:
    depth = graph.architecture.depth
    return {names.layer_output(l, depth): names.pre_activation(l) for l in range(1, depth + 1)
            if Z_FOR_A in _activation(graph, l).slips}


def _z_for_a(graph, cell):
    swaps = _swaps(graph)
    if not any(key[0] in swaps for key in cell.inputs):
        return None
    compute = cell.compute
    return lambda v, A: compute(_ZForA(v, swaps), A)


def _explain_z_for_a(graph, key):
    swaps = _swaps(graph)
    used = [name for name in dict.fromkeys(k[0] for k in graph.cell_of[key].inputs) if name in swaps]
    pairs = ", ".join(f"{swaps[name]} where {text_name(name)} belongs: {_formula(graph, (name,))}"
                      for name in used)
    return f"the pre-activation was used in place of the activation ({pairs})"


# -- weight gradients in place of δ (the seed's mistake) -----------------------------------------
def _weight_gradients(seed_form: bool) -> Variant:
    def variant(graph, cell):
        kind, l = _what(graph, cell.key)
        if kind != Kind.ACTIVATION_GRADIENT:
            return None
        size, fan_in = _sizes(graph, l + 1)
        W = names.weights(l + 1)
        dW = names.gradient(W)
        _, i = cell.key[1:]
        if seed_form:  # Σ_k ∂L/∂v_k · v_k over the whole weight matrix, the same for every unit
            pairs = [((W, j, k), (dW, j, k)) for j in range(size) for k in range(fan_in)]
        else:  # entry by entry: Σ_j W[j,i] · ∂L/∂W[j,i]
            pairs = [((W, j, i), (dW, j, i)) for j in range(size)]
        return lambda v, A: A.sum([v[w] * v[g] for w, g in pairs])

    return variant


def _explain_weight_gradients(graph, key):
    _, l = _what(graph, key)
    dz = text_name(names.gradient(names.pre_activation(l + 1)))
    dW = text_name(names.gradient(names.weights(l + 1)))
    return f"the weight gradients {dW} were used in place of δ = {dz}: {_formula(graph, key)}"


#: In order of how often teachers meet them: when two explain a value equally well, the first wins.
MISCONCEPTIONS: tuple[Misconception, ...] = (
    Misconception(FORGOTTEN_DERIVATIVE, "activation derivative left out",
                  (_no_derivative,), _explain_no_derivative),
    Misconception(FACTOR_2, "factor 2 of (half) squared error",
                  (_factor(2.0), _factor(0.5)), _explain_factor),
    Misconception("update_sign", "update with the wrong sign", (_update("sign"),), _explain_update("sign")),
    Misconception("update_not_applied", "old value copied (no update)", (_update("none"),),
                  _explain_update("none")),
    Misconception("learning_rate_omitted", "learning rate left out", (_update("no_learning_rate"),),
                  _explain_update("no_learning_rate")),
    Misconception("weight_gradients_for_delta", "weight gradients used in place of δ",
                  (_weight_gradients(True), _weight_gradients(False)), _explain_weight_gradients),
    Misconception("transposed_weights", "transposed weight matrix", (_transposed,), _explain_transposed),
    Misconception(Z_FOR_A, "z used in place of a", (_z_for_a,), _explain_z_for_a),
)
BY_NAME = {m.name: m for m in MISCONCEPTIONS}


@lru_cache(maxsize=4096)
def _variant_compute(graph: StepGraph, misconception: str, variant: int, key: tuple):
    """The variant's way of computing one cell (cached: graphs and their cells are shared)."""
    return BY_NAME[misconception].variants[variant](graph, graph.cell_of[key])


@lru_cache(maxsize=4096)
def _applies_upstream(graph: StepGraph, misconception: str, variant: int, keys: tuple) -> tuple:
    return tuple(k for k in keys if _variant_compute(graph, misconception, variant, k) is not None)


def _scopes(here: bool, upstream: tuple) -> list[tuple[bool, tuple]]:
    """Where a misconception may have acted: (at the cell itself?, unwritten cells upstream).
    The cell alone first, then each upstream quantity alone (a student who forgets σ' in the
    output layer may well remember ReLU' below it), then everywhere it applies."""
    groups: dict[str, list] = {}
    for k in upstream:
        groups.setdefault(k[0], []).append(k)
    scopes = [(True, ())] if here else []
    scopes += [(False, tuple(keys)) for keys in groups.values()]
    if upstream and (here or len(groups) > 1):
        scopes.append((here, upstream))
    return scopes


def candidates(graph: StepGraph, key: tuple, values: dict, implied: tuple, arithmetic):
    """(misconception, value, where, upstream, way) tuples: what the cell would be under each
    misconception, the cell where the misconception acts (``key`` itself, or an unwritten cell
    upstream), the unwritten cells recomputed the misconception's way (cell key -> value, in
    graph order; empty when it acts at ``key`` alone), so the grader can carry them on, and
    ``way(cell key)``: how the misconception computes any cell (None where it does not apply).

    ``values`` holds the student's chain (their answers, and what those imply for every cell
    they did not write); ``implied`` lists, in graph order, the unwritten cells upstream of
    ``key``: a misconception there travels down to ``key`` as the student would have carried it.
    Every misconception acting in the cell alone comes first: a mistake in the answer itself is
    the simpler explanation, and only a mistake upstream earns follow-through further down.
    """
    normal = graph.cell_of[key].compute
    later = []
    for misconception in MISCONCEPTIONS:
        for v in range(len(misconception.variants)):
            here = _variant_compute(graph, misconception.name, v, key)
            upstream = _applies_upstream(graph, misconception.name, v, implied)
            for at_key, acting in _scopes(here is not None, upstream):
                if acting:
                    later.append((misconception, v, here, at_key, acting))
                    continue
                try:
                    value = here(values, arithmetic)
                except (ArithmeticError, ValueError):
                    continue
                yield misconception, value, key, {}, partial(_variant_compute, graph, misconception.name, v)
    for misconception, v, here, at_key, acting in later:
        try:
            changed, carried = dict(values), {}
            for k in implied[implied.index(acting[0]):]:
                compute = (_variant_compute(graph, misconception.name, v, k) if k in acting
                           else None) or graph.cell_of[k].compute
                changed[k] = carried[k] = compute(changed, arithmetic)
            value = (here if at_key else normal)(changed, arithmetic)
        except (ArithmeticError, ValueError):
            continue
        yield (misconception, value, key if at_key else acting[0], carried,
               partial(_variant_compute, graph, misconception.name, v))
