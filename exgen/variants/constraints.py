"""What makes a variant well-posed: one function per constraint, each screening thousands of
candidates at once (numpy columns, one entry per candidate), and each described from the same
thresholds it checks.

What an activation contributes (a kink, units that die, a saturation band) is read from the
activation itself (``exgen.engine.activations``); the thresholds below are the generator's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import numpy as np

from exgen.engine import names
from exgen.engine.activations import ACTIVATIONS
from exgen.engine.arithmetic import FloatArithmetic
from exgen.engine.graph import LEARNING_RATE, LOSS, Architecture, Kind, StepGraph
from exgen.instructions import DEFAULT_INSTRUCTIONS

MIN_OUTPUT_ERROR = 0.05  # some |ŷ_k − y_k| per sample: the loss is clearly not zero
MIN_LOSS = 1e-3
KINK_MARGIN = 0.05  # |z| of a unit whose activation has a kink at 0
MIN_UPDATE = 1e-4  # every update visible at 4 decimals
DISTINCT_ACTIVATIONS = 0.01
# Hand rounding may move an answer by at most 1 %, whether a student rounds every result to the
# significant figures the worksheet asks (4) or to one fewer: honest work then stays inside a
# fixed LMS tolerance. Updated parameters are written to 6 decimals, so their update may be off
# by 1e-6 more.
ROUNDING_DRIFT = 0.01
HAND_FIGURES = (DEFAULT_INSTRUCTIONS.significant_figures, DEFAULT_INSTRUCTIONS.significant_figures - 1)
PARAMETER_DECIMALS = DEFAULT_INSTRUCTIONS.parameter_decimals
PARAMETER_SLACK = 10.0**-PARAMETER_DECIMALS


def _round(x: np.ndarray, digits: int, away: bool, significant: bool = True) -> np.ndarray:
    """Round like a person: to ``digits`` significant figures (or decimals), a tie (…5) away
    from zero or towards it. Float noise is removed first so that 1.925 is seen as a tie."""
    if significant:
        magnitude = np.floor(np.log10(np.where(x == 0, 1.0, np.abs(x))))
        scale = 10.0 ** (digits - 1 - magnitude)
    else:
        scale = 10.0**digits
    y = np.round(np.abs(x) * scale, 6)
    return np.sign(x) * (np.floor(y + 0.5) if away else np.ceil(y - 0.5)) / scale


def hand_rounded(graph: StepGraph, values: dict, figures: int, away: bool = True) -> dict:
    """The step graph evaluated the way a careful student works: every result rounded to
    ``figures`` significant figures (updated parameters to their decimals) before it is used
    again."""
    values = dict(values)
    arithmetic = FloatArithmetic()
    for step in graph.steps:
        update = step.kind == Kind.UPDATE
        for cell in step.cells:
            v = cell.compute(values, arithmetic)
            if update:
                values[cell.key] = _round(v, PARAMETER_DECIMALS, away, significant=False)
            else:
                values[cell.key] = _round(v, figures, away)
    return values


class Screened:
    """Candidates evaluated in float64, exactly and rounded by hand: what every constraint reads.

    ``given`` holds the candidates' given values as numpy columns (one entry per candidate).
    """

    def __init__(self, family, arch: Architecture, graph: StepGraph, candidates, given: dict,
                 asked: set[str]):
        self.family, self.arch, self.graph, self.candidates = family, arch, graph, candidates
        self.given, self.asked = given, asked
        self.n = len(candidates.lr)
        self._units: dict[str, np.ndarray] = {}
        with np.errstate(all="ignore"):
            self.values = graph.evaluate(dict(given), FloatArithmetic())
            # ties of hand-friendly numbers (1.925) may be rounded either way: screen both
            self.hands = [hand_rounded(graph, given, f, away) for f in HAND_FIGURES for away in (True, False)]

    def units(self, name: str, size: int) -> np.ndarray:
        """A per-sample quantity of one layer as an array (units, candidates, samples); built
        once, several constraints read it."""
        array = self._units.get(name)
        if array is None:
            v = self.values
            array = self._units[name] = np.stack(
                [[v[name, s, j] for j in range(size)] for s in range(self.arch.samples)], axis=-1)
        return array

    @cached_property
    def dead(self) -> dict[int, np.ndarray]:
        """Per layer whose units can die: (candidates, units), True where a unit is dead in
        every sample."""
        out = {}
        for l, layer in enumerate(self.arch.layers, 1):
            if ACTIVATIONS[layer.activation].dies:
                out[l] = np.all(self.units(names.pre_activation(l), layer.size) < 0, axis=2).T
        return out


# -- the constraints -------------------------------------------------------------------------------
def clear_loss(s: Screened) -> np.ndarray:
    v, K = s.values, s.arch.output_size
    ok = np.ones(s.n, dtype=bool)
    for sample in range(s.arch.samples):
        err = np.max([np.abs(v[names.OUTPUT, sample, k] - v[names.TARGET, sample, k]) for k in range(K)], axis=0)
        ok &= err >= MIN_OUTPUT_ERROR
    return ok & (v[LOSS] >= MIN_LOSS)


def away_from_kinks(s: Screened) -> np.ndarray:
    ok = np.ones(s.n, dtype=bool)
    for l, layer in enumerate(s.arch.layers, 1):
        if ACTIVATIONS[layer.activation].kink:
            z = s.units(names.pre_activation(l), layer.size)
            ok &= np.all(np.abs(z) >= KINK_MARGIN, axis=(0, 2))
    return ok


def few_dead_units(s: Screened) -> np.ndarray:
    ok = np.ones(s.n, dtype=bool)
    dead_count = np.zeros(s.n, dtype=int)
    for dead in s.dead.values():
        dead_count += dead.sum(axis=1)
        ok &= ~np.all(dead, axis=1)  # a live unit in every layer
    return ok & (dead_count <= s.family.dead_units)


def unsaturated(s: Screened) -> np.ndarray:
    ok = np.ones(s.n, dtype=bool)
    for l, layer in enumerate(s.arch.layers, 1):
        band = ACTIVATIONS[layer.activation].saturation
        if band is not None:
            a = s.units(names.layer_output(l, s.arch.depth), layer.size)
            ok &= np.all(band.contains(a), axis=(0, 2))
    return ok


def visible_updates(s: Screened) -> np.ndarray:
    ok = np.ones(s.n, dtype=bool)
    lr = s.given[LEARNING_RATE]
    for l, layer in enumerate(s.arch.layers, 1):
        dead = s.dead.get(l, np.zeros((s.n, layer.size), dtype=bool))
        dW, db = names.gradient(names.weights(l)), names.gradient(names.bias(l))
        for j in range(layer.size):
            grads = [s.values[dW, j, i] for i in range(s.arch.fan_in(l))]
            grads.append(s.values[db, j])
            visible = np.all(np.abs(lr * np.array(grads)) >= MIN_UPDATE, axis=0)
            ok &= visible | dead[:, j]  # a dead unit's parameters do not move
    return ok


def distinct_units(s: Screened) -> np.ndarray:
    """Hidden units must differ, in parameters and in activation."""
    ok = np.ones(s.n, dtype=bool)
    c = s.candidates
    for l, layer in enumerate(s.arch.layers[:-1], 1):
        if layer.size < 2:
            continue
        a = s.units(names.layer_output(l, s.arch.depth), layer.size)
        W, b = c.W[l - 1], c.b[l - 1]
        for j in range(layer.size):
            for k in range(j + 1, layer.size):
                same_params = np.all(W[:, j] == W[:, k], axis=1) & (b[:, j] == b[:, k])
                close = np.all(np.abs(a[j] - a[k]) < DISTINCT_ACTIVATIONS, axis=1)
                ok &= ~(same_params | close)
    return ok


def honest_rounding(s: Screened) -> np.ndarray:
    """Hand rounding moves no asked answer by more than 1 % (updates: of the update itself)."""
    ok = np.ones(s.n, dtype=bool)
    v = s.values
    for step in s.graph.steps:
        if step.name not in s.asked:
            continue
        for cell in step.cells:
            key = cell.key
            if step.kind == Kind.UPDATE:
                old = s.given[(names.before_update(key[0]), *key[1:])]
                scale, slack = np.abs(old - v[key]), PARAMETER_SLACK
            else:
                scale, slack = np.abs(v[key]), 1e-9
            for hand in s.hands:
                ok &= np.abs(hand[key] - v[key]) <= ROUNDING_DRIFT * scale + slack
    return ok


# -- descriptions, from the same thresholds ----------------------------------------------------
def _saturation_text() -> str:
    bands: dict = {}
    for act in ACTIVATIONS.values():
        if act.saturation is not None:
            bands.setdefault(act.saturation, []).append(act.name)
    parts = []
    for band, which in bands.items():
        who = "/".join(which)
        if band.closed and band.low is not None and band.high is not None and band.low == -band.high:
            parts.append(f"|{who}| ≤ {band.high:g}")
        else:
            parts.append(f"{who} outputs within {band.brackets()}")
    return ", ".join(parts)


@dataclass(frozen=True)
class Constraint:
    name: str
    check: Callable[[Screened], np.ndarray]
    describe: Callable[[], str]

    @property
    def description(self) -> str:
        return self.describe()


CONSTRAINTS: dict[str, Constraint] = {c.name: c for c in (
    Constraint("loss", clear_loss, lambda: (
        f"the loss is clearly non-zero (some |ŷ − y| ≥ {MIN_OUTPUT_ERROR:g} in every sample)")),
    Constraint("kink", away_from_kinks, lambda: f"no ReLU pre-activation within {KINK_MARGIN:g} of 0"),
    Constraint("dead", few_dead_units, lambda: (
        "no dead ReLU units beyond what the family allows, and a live unit in every ReLU layer")),
    Constraint("saturation", unsaturated, _saturation_text),
    Constraint("updates", visible_updates, lambda: (
        f"every parameter update visible at {round(-math.log10(MIN_UPDATE))} decimals "
        f"(|η·gradient| ≥ {MIN_UPDATE:g})")),
    Constraint("distinct", distinct_units, lambda: "no two hidden units identical"),
    Constraint("rounding", honest_rounding, lambda: (
        f"hand rounding to {' or '.join(str(f) for f in sorted(HAND_FIGURES))} significant figures "
        f"moves no answer by more than {ROUNDING_DRIFT * 100:g} %")),
)}


def screen(screened: Screened) -> dict[str, np.ndarray]:
    """Which candidates pass each constraint (a boolean column per constraint); a candidate
    whose loss is not finite passes none."""
    finite = np.isfinite(screened.values[LOSS])
    return {name: c.check(screened) & finite for name, c in CONSTRAINTS.items()}
