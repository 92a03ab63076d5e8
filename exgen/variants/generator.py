"""Well-posed random variants: sample candidates from a family's grids, screen them thousands at
once in float64 (numpy, through the same step graph the engine uses), keep the first candidate
of each student's own random stream that passes every constraint, then solve it exactly.

A variant depends only on (assignment seed, student id, exercise id): each student has a
private random stream, and the choice is the first passing candidate *in that stream*, so the
roster's order or size never changes anyone's variant. The constraints themselves are in
``exgen.variants.constraints``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

import numpy as np
from gmpy2 import mpq

from exgen.engine import names
from exgen.engine.activations import ACTIVATIONS
from exgen.engine.graph import LEARNING_RATE, Architecture, LayerShape, build_graph
from exgen.engine.losses import LOSSES
from exgen.engine.spec import Spec
from exgen.variants.constraints import CONSTRAINTS, Screened, screen
from exgen.variants.families import Family

#: Candidates drawn per student per round, and rounds before a student is given up on.
CANDIDATES_PER_ROUND = 48
MAX_ROUNDS = 25
#: A family whose first this-many candidates (over all students) all fail is impossible.
IMPOSSIBLE_AFTER = 4096
#: Students whose candidates are screened at once. Screening holds every cell of the step graph
#: as a float64 column, exactly and rounded by hand four ways (~1.7 KB per candidate for
#: hw3's 2-2-1 network): 256 students × 48 candidates take ~20 MB; all of 10,000 took 850 MB.
#: Larger chunks gain almost nothing: numpy's per-call cost is already small at this size.
SCREEN_CHUNK = 256


class GenerationError(ValueError):
    """No well-posed variant could be found; the message names the constraint."""


def architecture(family: Family) -> Architecture:
    return Architecture(
        family.inputs,
        tuple(
            LayerShape(size, act, family.negative_slope if ACTIVATIONS[act].takes_slope else None)
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
    y: np.ndarray  # (k, B, K): grid indices, or (k, B, 1) true classes for one-hot targets
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
    if LOSSES[family.loss].one_hot_targets:
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


def _target_values(family: Family, y_index: np.ndarray) -> np.ndarray:
    """Targets of candidates as floats: grid values, or one-hot rows (..., B, K)."""
    if LOSSES[family.loss].one_hot_targets:
        return (np.arange(family.layers[-1]) == y_index).astype(float)
    return np.array(family.target.floats)[y_index]


def float_values(family: Family, c: Candidates) -> dict:
    """The given values of all candidates as a value store of numpy columns."""
    values: dict = {}
    xs = np.array(family.input.floats)[c.x]
    ys = _target_values(family, c.y)
    for s in range(xs.shape[1]):
        for i in range(xs.shape[2]):
            values[names.INPUT, s, i] = xs[:, s, i]
        for k in range(ys.shape[2]):
            values[names.TARGET, s, k] = ys[:, s, k]
    w_grid, b_grid = np.array(family.weights.floats), np.array(family.bias.floats)
    for l, (W, b) in enumerate(zip(c.W, c.b), 1):
        Wf, bf = w_grid[W], b_grid[b]
        weights, bias = names.weights(l), names.bias(l)
        for j in range(Wf.shape[1]):
            values[bias, j] = bf[:, j]
            for i in range(Wf.shape[2]):
                values[weights, j, i] = Wf[:, j, i]
    values[LEARNING_RATE] = np.array(family.learning_rate.floats)[c.lr]
    return values


def exact_spec(family: Family, arch: Architecture, c: Candidates) -> Spec:
    """The chosen candidate (one row of indices) as an exact spec."""
    xs = tuple(tuple(family.input.values[i] for i in row) for row in c.x)
    if LOSSES[family.loss].one_hot_targets:
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
             asked: set[str], report: Screening | None = None,
             chunk: int | None = None) -> dict[str, Spec]:
    """One well-posed exact spec per student.

    Each round draws the next candidates of every student still without a variant and screens
    them ``chunk`` students at a time (default ``SCREEN_CHUNK``): memory follows the chunk, not
    the class. A student's candidates come from their own stream in the same order whatever
    the chunk, and the rounds are the same, so the variants (and the counts reported) do not
    depend on it."""
    import time

    start = time.perf_counter()
    chunk = chunk or SCREEN_CHUNK
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
        for first_student in range(0, len(pending), chunk):
            part = pending[first_student:first_student + chunk]
            batch = Candidates.concatenate([draw(family, streams[sid], CANDIDATES_PER_ROUND) for sid in part])
            verdicts = screen(Screened(family, arch, graph, batch, float_values(family, batch), asked))
            good = np.logical_and.reduce(list(verdicts.values()))
            for name, column in verdicts.items():
                failures[name] += int((~column).sum())
            screened += len(good)
            passed += int(good.sum())
            per_student = good.reshape(len(part), CANDIDATES_PER_ROUND)
            first = np.argmax(per_student, axis=1)
            for row, sid in enumerate(part):
                if per_student[row, first[row]]:
                    chosen[sid] = exact_spec(family, arch, batch.row(row * CANDIDATES_PER_ROUND + first[row]))
            del batch, verdicts, good  # before the next chunk is drawn: one chunk in memory at a time
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
            f"the constraint failed most often: {CONSTRAINTS[name].description} ({count} of {screened} candidates failed it). "
            "Widen the value grids or relax the family."
        )
    return chosen
