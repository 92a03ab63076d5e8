"""Well-posed random variants: sample candidates from a family's grids, screen them all at once
in float64 (numpy, through the same step graph the engine uses), keep the first candidate of
each student's own random stream that passes every constraint, then solve it exactly.

A variant depends only on (assignment seed, student id, exercise id): each student has a
private random stream, and the choice is the first passing candidate *in that stream*, so the
roster's order or size never changes anyone's variant.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

import numpy as np
from gmpy2 import mpq

from exgen.engine.arithmetic import FloatArithmetic
from exgen.variants.families import Family
from exgen.engine.graph import LEARNING_RATE, Architecture, LayerShape, build_graph
from exgen.engine.spec import Spec

#: Candidates drawn per student per round, and rounds before a student is given up on.
CANDIDATES_PER_ROUND = 48
MAX_ROUNDS = 25
#: A family whose first this-many candidates (over all students) all fail is impossible.
IMPOSSIBLE_AFTER = 4096

# Thresholds of "well-posed" (design §3, issue: generator).
KINK_MARGIN = 0.05  # |z| of a ReLU-type unit
MIN_OUTPUT_ERROR = 0.05  # some |ŷ_k − y_k| per sample: the loss is clearly not zero
MIN_LOSS = 1e-3
SATURATION = (0.02, 0.98)  # sigmoid and softmax outputs
TANH_SATURATION = 0.96
MIN_UPDATE = 1e-4  # every update visible at 4 decimals
DISTINCT_ACTIVATIONS = 0.01
# Hand rounding may move an answer by at most 1 %, whether a student rounds every result to 4
# significant figures (as the worksheet asks) or to 3: honest work then stays inside a fixed LMS
# tolerance. Updated parameters are written to 6 decimals, so their update may be off by 1e-6 more.
ROUNDING_DRIFT = 0.01
HAND_FIGURES = (4, 3)
PARAMETER_DECIMALS = 6
PARAMETER_SLACK = 1e-6

CONSTRAINTS = {
    "loss": "the loss is clearly non-zero (some |ŷ − y| ≥ 0.05 in every sample)",
    "kink": "no ReLU pre-activation within 0.05 of 0",
    "dead": "no dead ReLU units beyond what the family allows, and a live unit in every ReLU layer",
    "saturation": "sigmoid/softmax outputs within (0.02, 0.98), |tanh| ≤ 0.96",
    "updates": "every parameter update visible at 4 decimals (|η·gradient| ≥ 0.0001)",
    "distinct": "no two hidden units identical",
    "rounding": "hand rounding to 3 or 4 significant figures moves no answer by more than 1 %",
}


class GenerationError(ValueError):
    """No well-posed variant could be found; the message names the constraint."""


def architecture(family: Family) -> Architecture:
    return Architecture(
        family.inputs,
        tuple(
            LayerShape(size, act, family.negative_slope if act == "leaky_relu" else None)
            for size, act in zip(family.layers, family.activations)
        ),
        family.loss,
        family.batch_size,
    )


def student_rng(seed: int, student_id: str, exercise_id: str) -> np.random.Generator:
    """The private random stream of one student and exercise."""
    material = f"exgen-variant\x1f{seed}\x1f{student_id}\x1f{exercise_id}".encode()
    return np.random.Generator(np.random.PCG64(int.from_bytes(hashlib.sha256(material).digest()[:16], "big")))


@dataclass
class Candidates:
    """Grid indices of k candidate specs (one row each)."""

    x: np.ndarray  # (k, B, inputs)
    y: np.ndarray  # (k, B, K): grid indices, or one-hot classes for cross-entropy
    W: list[np.ndarray]  # per layer (k, size, fan-in)
    b: list[np.ndarray]  # per layer (k, size)
    lr: np.ndarray  # (k,)

    @staticmethod
    def concatenate(parts: list["Candidates"]) -> "Candidates":
        return Candidates(
            np.concatenate([p.x for p in parts]),
            np.concatenate([p.y for p in parts]),
            [np.concatenate([p.W[l] for p in parts]) for l in range(len(parts[0].W))],
            [np.concatenate([p.b[l] for p in parts]) for l in range(len(parts[0].b))],
            np.concatenate([p.lr for p in parts]),
        )

    def row(self, i: int) -> "Candidates":
        return Candidates(self.x[i], self.y[i], [w[i] for w in self.W], [b[i] for b in self.b], self.lr[i])


def draw(family: Family, rng: np.random.Generator, k: int) -> Candidates:
    """k candidates from one student's stream (always drawn in this order: determinism)."""
    B, K = family.batch_size or 1, family.layers[-1]
    x = rng.integers(0, len(family.input.values), size=(k, B, family.inputs))
    if family.loss == "cross_entropy":
        y = rng.integers(0, K, size=(k, B, 1))  # the true class of a one-hot target
    else:
        y = rng.integers(0, len(family.target.values), size=(k, B, K))
    W, b, fan_in = [], [], family.inputs
    for size in family.layers:
        W.append(rng.integers(0, len(family.weights.values), size=(k, size, fan_in)))
        b.append(rng.integers(0, len(family.bias.values), size=(k, size)))
        fan_in = size
    lr = rng.integers(0, len(family.learning_rate.values), size=k)
    return Candidates(x, y, W, b, lr)


def _target_values(family: Family, y_index: np.ndarray, floats: bool):
    """Targets of candidates: grid values, or one-hot rows for cross-entropy."""
    K = family.layers[-1]
    if family.loss == "cross_entropy":
        onehot = (np.arange(K) == y_index).astype(float)  # (..., B, K)
        return onehot
    grid = np.array(family.target.floats) if floats else None
    return grid[y_index]


def float_values(family: Family, c: Candidates) -> dict:
    """The given values of all candidates as a value store of numpy columns."""
    values: dict = {}
    xs = np.array(family.input.floats)[c.x]
    ys = _target_values(family, c.y, True)
    for s in range(xs.shape[1]):
        for i in range(xs.shape[2]):
            values["x", s, i] = xs[:, s, i]
        for k in range(ys.shape[2]):
            values["y", s, k] = ys[:, s, k]
    w_grid, b_grid = np.array(family.weights.floats), np.array(family.bias.floats)
    for l, (W, b) in enumerate(zip(c.W, c.b), 1):
        Wf, bf = w_grid[W], b_grid[b]
        for j in range(Wf.shape[1]):
            values[f"b{l}", j] = bf[:, j]
            for i in range(Wf.shape[2]):
                values[f"W{l}", j, i] = Wf[:, j, i]
    values[LEARNING_RATE] = np.array(family.learning_rate.floats)[c.lr]
    return values


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


def hand_rounded(graph, values: dict, figures: int, away: bool = True) -> dict:
    """The step graph evaluated the way a careful student works: every result rounded to
    ``figures`` significant figures (updated parameters to 6 decimals) before it is used again."""
    values = dict(values)
    arithmetic = FloatArithmetic()
    for step in graph.steps:
        update = step.stage == "update"
        for cell in step.cells:
            v = cell.compute(values, arithmetic)
            if update:
                values[cell.key] = _round(v, PARAMETER_DECIMALS, away, significant=False)
            else:
                values[cell.key] = _round(v, figures, away)
    return values


def screen(family: Family, arch: Architecture, graph, c: Candidates, asked: set[str]) -> dict[str, np.ndarray]:
    """Which candidates pass each constraint (a boolean column per constraint)."""
    given = float_values(family, c)
    with np.errstate(all="ignore"):
        v = graph.evaluate(dict(given), FloatArithmetic())
        # ties of hand-friendly numbers (1.925) may be rounded either way: screen both
        hands = [hand_rounded(graph, given, f, away) for f in HAND_FIGURES for away in (True, False)]
    n = len(c.lr)
    ok = {name: np.ones(n, dtype=bool) for name in CONSTRAINTS}
    B, L, K = arch.samples, arch.depth, arch.output_size

    # the loss is clearly non-zero
    for s in range(B):
        err = np.max([np.abs(v["yhat", s, k] - v["y", s, k]) for k in range(K)], axis=0)
        ok["loss"] &= err >= MIN_OUTPUT_ERROR
    ok["loss"] &= v[("loss",)] >= MIN_LOSS

    dead_rows: dict[int, np.ndarray] = {}  # layer -> (n, size) unit is dead in every sample
    dead_count = np.zeros(n, dtype=int)
    for l, layer in enumerate(arch.layers, 1):
        out = "yhat" if l == L else f"a{l}"
        z = np.stack([[v[f"z{l}", s, j] for j in range(layer.size)] for s in range(B)], axis=-1)  # (size, n, B)
        if layer.activation in ("relu", "leaky_relu"):
            ok["kink"] &= np.all(np.abs(z) >= KINK_MARGIN, axis=(0, 2))
        if layer.activation == "relu":
            dead = np.all(z < 0, axis=2).T  # (n, size)
            dead_rows[l] = dead
            dead_count += dead.sum(axis=1)
            ok["dead"] &= ~np.all(dead, axis=1)
        a = np.stack([[v[out, s, j] for j in range(layer.size)] for s in range(B)], axis=-1)
        if layer.activation in ("sigmoid", "softmax"):
            ok["saturation"] &= np.all((a > SATURATION[0]) & (a < SATURATION[1]), axis=(0, 2))
        elif layer.activation == "tanh":
            ok["saturation"] &= np.all(np.abs(a) <= TANH_SATURATION, axis=(0, 2))
        if l < L and layer.size > 1:  # hidden units must differ, in parameters and in activation
            for j in range(layer.size):
                for k in range(j + 1, layer.size):
                    same_params = np.all(c.W[l - 1][:, j] == c.W[l - 1][:, k], axis=1) & (c.b[l - 1][:, j] == c.b[l - 1][:, k])
                    close = np.all(np.abs(a[j] - a[k]) < DISTINCT_ACTIVATIONS, axis=1)
                    ok["distinct"] &= ~(same_params | close)
    ok["dead"] &= dead_count <= family.dead_units

    lr = given[LEARNING_RATE]
    for l, layer in enumerate(arch.layers, 1):
        dead = dead_rows.get(l, np.zeros((n, layer.size), dtype=bool))
        for j in range(layer.size):
            grads = [v[f"dL/dW{l}", j, i] for i in range(arch.layers[l - 2].size if l > 1 else arch.input_size)]
            grads.append(v[f"dL/db{l}", j])
            visible = np.all(np.abs(lr * np.array(grads)) >= MIN_UPDATE, axis=0)
            ok["updates"] &= visible | dead[:, j]

    # hand rounding must not move any asked answer by more than 1 % (updates: the update itself)
    for step in graph.steps:
        if step.name not in asked:
            continue
        for cell in step.cells:
            key = cell.key
            if step.stage == "update":
                old = given[(key[0][:-4], *key[1:])]
                scale, slack = np.abs(old - v[key]), PARAMETER_SLACK
            else:
                scale, slack = np.abs(v[key]), 1e-9
            for hand in hands:
                ok["rounding"] &= np.abs(hand[key] - v[key]) <= ROUNDING_DRIFT * scale + slack
    for name in ok:
        ok[name] &= np.isfinite(v[("loss",)])
    return ok


def exact_spec(family: Family, arch: Architecture, c: Candidates) -> Spec:
    """The chosen candidate (one row of indices) as an exact spec."""
    xs = tuple(tuple(family.input.values[i] for i in row) for row in c.x)
    if family.loss == "cross_entropy":
        K = family.layers[-1]
        ys = tuple(tuple(mpq(1 if k == row[0] else 0) for k in range(K)) for row in c.y)
    else:
        ys = tuple(tuple(family.target.values[i] for i in row) for row in c.y)
    weights = tuple(tuple(tuple(family.weights.values[i] for i in row) for row in W) for W in c.W)
    biases = tuple(tuple(family.bias.values[i] for i in b) for b in c.b)
    return Spec(arch, xs, ys, weights, biases, family.learning_rate.values[int(c.lr)])


@dataclass
class Screening:
    """What a generation run did, for the summary line and the benchmark."""

    candidates: int = 0
    seconds: float = 0.0
    failures: Counter = None


def generate(family: Family, seed: int, exercise_id: str, student_ids: list[str],
             asked: set[str], report: Screening | None = None) -> dict[str, Spec]:
    """One well-posed exact spec per student."""
    import time

    start = time.perf_counter()
    arch = architecture(family)
    graph = build_graph(arch)
    streams = {sid: student_rng(seed, sid, exercise_id) for sid in student_ids}
    chosen: dict[str, Spec] = {}
    failures: Counter = Counter()
    screened = passed = 0
    for _ in range(MAX_ROUNDS):
        pending = [sid for sid in student_ids if sid not in chosen]
        if not pending:
            break
        batch = Candidates.concatenate([draw(family, streams[sid], CANDIDATES_PER_ROUND) for sid in pending])
        verdicts = screen(family, arch, graph, batch, asked)
        good = np.logical_and.reduce(list(verdicts.values()))
        for name, column in verdicts.items():
            failures[name] += int((~column).sum())
        screened += len(good)
        passed += int(good.sum())
        per_student = good.reshape(len(pending), CANDIDATES_PER_ROUND)
        first = np.argmax(per_student, axis=1)
        for row, sid in enumerate(pending):
            if per_student[row, first[row]]:
                chosen[sid] = exact_spec(family, arch, batch.row(row * CANDIDATES_PER_ROUND + first[row]))
        if passed == 0 and screened >= IMPOSSIBLE_AFTER:
            break
    if report is not None:
        report.candidates += screened
        report.seconds += time.perf_counter() - start
        report.failures = (report.failures or Counter()) + failures
    missing = [sid for sid in student_ids if sid not in chosen]
    if missing:
        name, count = failures.most_common(1)[0] if failures else ("loss", 0)
        tried = screened if passed == 0 else MAX_ROUNDS * CANDIDATES_PER_ROUND
        who = "any student" if passed == 0 else f"student {missing[0]!r}"
        raise GenerationError(
            f"exercise {exercise_id}: no well-posed variant for {who} after {tried} candidates; "
            f"the constraint failed most often: {CONSTRAINTS[name]} ({count} of {screened} candidates failed it). "
            "Widen the value grids or relax the family."
        )
    return chosen
