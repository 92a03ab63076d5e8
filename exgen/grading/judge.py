"""Judging one student's answers to one variant — one mechanism for every exercise kind.

The grader walks the variant's step graph in work order and keeps the student's *chain*: their
own answer for every cell they answered, and for every other cell (blank, unreadable, not asked)
what their answers imply — the cell recomputed from the chain (``ScalarFloatArithmetic``). Each
answered cell is then compared with

1. the exact value: within ``exgen.grading.tolerance`` → **correct**;
2. the cell recomputed from the student's chain (or, second, from their answers with the exact
   values in every gap): within tolerance → **correct** when every input of the cell was itself
   right (that is rounding drift: ŷ = 0.824 for 0.82491 costs nothing downstream), otherwise
   **follow_through** (wrong only because an earlier answer was wrong, computed right from it);
3. otherwise **incorrect** — and the misconceptions of ``exgen.grading.misconceptions`` are
   tried on the student's own inputs to say what probably went wrong (or, failing that, whether
   the answer is right but written with fewer digits than asked; ``exgen.grading.feedback``
   words every message).

A misconception found in a cell the student did not write (a step the teacher did not ask) is
carried into the chain for its whole quantity, and the walk starts again with it: later answers
computed right from that cell earn follow-through, as if it had been asked, and the first answer
that shows it is the one item the mistake costs (tests/test_grading_unasked.py states this as a
property over every misconception and every ``ask`` subset).

Blank cells are **missing**, unreadable ones **invalid** (with the reason). Updated parameters
are judged by their update (``tolerance(expected, old=W)``), so the old weight is never close.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

from exgen.engine import names
from exgen.engine.arithmetic import ScalarFloatArithmetic
from exgen.engine.graph import StepGraph, build_graph
from exgen.grading import feedback
from exgen.grading.misconceptions import candidates
from exgen.grading.reading import Reading, read_number
from exgen.grading.tolerance import tolerance
from exgen.instructions import Instructions

#: A misconception that matches within this share of the tolerance fits as well as any other.
FIT = 0.1
STATUSES = ("correct", "follow_through", "incorrect", "missing", "invalid")
ARITHMETIC = ScalarFloatArithmetic()


@dataclass
class Verdict:
    """The judgement of one answer-sheet item (the item without its exercise prefix)."""

    item: str
    status: str
    submitted: str  # the cell as typed
    value: float | None  # what it was read as
    expected: float  # the exact value, rounded to a double
    misconception: str = ""
    feedback: str = ""


def credit(status: str, grading: Mapping) -> float:
    """The share of an item's points a status earns under an assignment's grading settings."""
    if status == "correct":
        return 1.0
    if status == "follow_through":
        return float(grading.get("follow_through_credit", 1.0))
    return 0.0


@lru_cache(maxsize=64)
def _graph_facts(graph: StepGraph):
    """Per graph (cached): item -> cell key, each cell's computed ancestors in graph order, and
    each cell's position in the graph."""
    key_of = {graph.item(cell.key): cell.key for cell in graph.cells}
    position = {cell.key: n for n, cell in enumerate(graph.cells)}
    ancestors: dict[tuple, tuple] = {}
    for cell in graph.cells:
        found = set()
        for key in cell.inputs:
            if key in position:
                found.add(key)
                found.update(ancestors[key])
        ancestors[cell.key] = tuple(sorted(found, key=position.__getitem__))
    return key_of, ancestors, position


class Marker:
    """Everything needed to judge answers to one variant, prepared once per variant."""

    def __init__(self, graph: StepGraph, givens: dict, exact: dict, asked: list[str],
                 instructions: Mapping | None = None):
        """``givens``: cell key -> float for x, W, b, y, learning rate; ``exact``: cell key ->
        float for every computed cell; ``asked``: the items asked (without exercise prefix)."""
        self.graph = graph
        self.givens = givens
        self.exact = exact
        key_of, self.ancestors, self.position = _graph_facts(graph)
        unknown = [item for item in asked if item not in key_of]
        if unknown:
            raise ValueError(f"items not in this exercise: {', '.join(unknown)}")
        self.asked = [(item, key_of[item]) for item in asked]
        self.asked_keys = {key for _, key in self.asked}
        self.item_of = {key: item for item, key in self.asked}
        self.instructions = Instructions.from_mapping(instructions)
        # the value before the update, for updated parameters (their tolerance is on the update)
        self.old = {}
        for cell in graph.cells:
            before = names.before_update(cell.key[0])
            if before is not None:
                self.old[cell.key] = givens[(before, *cell.key[1:])]
        self.tolerance = {cell.key: self.tol(exact[cell.key], cell.key) for cell in graph.cells}

    @classmethod
    def for_variant(cls, variant, instructions: Mapping | None = None) -> "Marker":
        """From a stored variant (``exgen.storage.records.VariantRecord``): its spec and exact values."""
        spec = variant.spec
        graph = build_graph(spec.architecture)
        givens = {key: float(value) for key, value in spec.given_values().items()}
        exact = {cell.key: float(variant.exact[graph.item(cell.key)]) for cell in graph.cells}
        return cls(graph, givens, exact, variant.asked, instructions)

    def tol(self, expected: float, key: tuple) -> float:
        return tolerance(expected, self.old.get(key), self.instructions)

    def close(self, value: float, target: float, key: tuple) -> bool:
        return abs(value - target) <= self.tol(target, key)

    # -- judging ---------------------------------------------------------------------------
    def judge(self, answers: Mapping[str, str], decimal_comma: bool = False) -> list[Verdict]:
        """Judge a student's answers (item -> cell text; absent items are blank), in work order;
        ``decimal_comma``: a comma in a cell is the decimal separator (see ``read_number``)."""
        readings = {key: read_number(answers.get(item) or "", decimal_comma) for item, key in self.asked}
        return self.judge_readings(readings, answers)

    def judge_readings(self, readings: Mapping[tuple, Reading], answers: Mapping[str, str]) -> list[Verdict]:
        answered = {key: r.value for key, r in readings.items() if r.value is not None}
        verdicts, walk = self._walk(readings, answers, _Walk(self, answered))
        if walk.origins:
            # A misconception was found in cells the student did not write. Walk again with those
            # cells computed the student's way from the start: answers before the one that showed
            # it (a unit's gradient row that is 0 because of it) follow from it too. The first
            # answer that shows each such cell carries the mistake (incorrect, named).
            # A misconception is a rule: the student applied it to the whole quantity.
            seeds = {}
            for k, (_, misconception, way) in walk.origins.items():
                for cell in self.graph.step_of[k[0]].cells:
                    compute = way(cell.key)
                    if compute is not None:
                        seeds[cell.key] = (compute, misconception, way)
            verdicts, walk = self._walk(readings, answers, _Walk(self, answered, seeds))
        return [verdicts[key] for _, key in self.asked]

    def _walk(self, readings, answers, walk: "_Walk") -> tuple[dict, "_Walk"]:
        exact, answered = self.exact, walk.answered
        verdicts: dict[tuple, Verdict] = {}
        for cell in self.graph.cells:
            key = cell.key
            if key not in answered:
                walk.imply(cell)
                if key in readings:
                    verdicts[key] = self._unanswered(key, readings[key], answers)
                continue
            value = walk.chain[key] = answered[key]  # (a cell never reads itself)
            verdict = Verdict(self.item_of[key], "correct", answers.get(self.item_of[key], ""),
                              value, exact[key])
            verdicts[key] = verdict
            if abs(value - exact[key]) <= self.tolerance[key]:
                walk.mark(key, True)
                continue
            # only an answer that is off is compared with what its inputs give (most are right)
            recomputed = walk.recompute(cell)
            inputs = [k for k in cell.inputs if k in walk.sound]
            wrong_inputs = None
            if recomputed is not None and self.close(value, recomputed, key):
                wrong_inputs = [k for k in inputs if not walk.sound[k]]
            else:
                # the gaps filled with exact values instead of what the answers imply
                gap_filled = self._with_exact_gaps(cell, answered)
                if gap_filled is not None and gap_filled != recomputed and self.close(value, gap_filled, key):
                    wrong_inputs = [k for k in inputs if k in answered and not walk.sound[k]]
            if wrong_inputs is None:
                walk.mark(key, False, (key,))
                verdict.status = "incorrect"
                self._explain(verdict, key, value, recomputed, walk)
            elif not wrong_inputs:
                walk.mark(key, True)
                verdict.feedback = feedback.ROUNDING_DRIFT
            else:
                culprits = _union(walk.culprits[k] for k in wrong_inputs)
                walk.mark(key, False, culprits)
                shown = walk.first_shown(culprits, verdict.item)
                if shown is not None:  # the first answer to show a mistake in an unwritten cell
                    misconception = walk.origins[shown][1]
                    verdict.status, verdict.misconception = "incorrect", misconception.name
                    verdict.feedback = (misconception.feedback(self.graph, shown) +
                                        feedback.unwritten(self.graph.item(shown)))
                else:
                    verdict.status = "follow_through"
                    verdict.feedback = feedback.follows(walk.name_culprits(culprits))
        return verdicts, walk

    def _unanswered(self, key, reading: Reading, answers) -> Verdict:
        item = self.item_of[key]
        if reading.problem:
            return Verdict(item, "invalid", answers.get(item, ""), None, self.exact[key],
                           feedback=feedback.invalid(reading.problem))
        return Verdict(item, "missing", answers.get(item, "") or "", None, self.exact[key],
                       feedback=feedback.missing(self.graph, key, key in self.old, self.instructions))

    def _with_exact_gaps(self, cell, answered) -> float | None:
        """The cell from the student's answers where they gave one, exact values elsewhere."""
        if all(k in answered or k not in self.exact for k in cell.inputs):
            return None  # no gaps among the inputs: the same as the chain
        view = _Overlay(answered, self.exact, self.givens)
        try:
            value = cell.compute(view, ARITHMETIC)
        except (ArithmeticError, ValueError):
            return None
        return value if math.isfinite(value) else None

    def _explain(self, verdict: Verdict, key, value, recomputed, walk: "_Walk"):
        """Name a misconception when the wrong value matches one, computed from the student's
        own inputs and clearly different from the right computation. A misconception found in a
        cell the student did not write is carried into their chain there, so later answers
        computed right from that cell earn follow-through, as if the cell had been asked."""
        right = recomputed if recomputed is not None else self.exact[key]
        verdict.feedback = feedback.incorrect(self.graph, key, value, right)
        implied = tuple(k for k in self.ancestors[key] if k not in walk.answered)
        best = None
        for order, (misconception, alternative, where, upstream, way) in enumerate(
                candidates(self.graph, key, walk.chain, implied, ARITHMETIC)):
            if not math.isfinite(alternative) or self.close(alternative, right, key):
                continue
            miss = abs(value - alternative) / self.tol(alternative, key)
            if miss > 1:
                continue
            # A mistake in the answer itself is the simpler explanation: it wins whenever it fits.
            # Otherwise the one that fits best; within a tenth of the tolerance every fit is as
            # good as exact (hand rounding), and the candidates' own order decides.
            rank = (bool(upstream) or where != key, miss if miss > FIT else 0.0, order)
            if best is None or rank < best[0]:
                best = (rank, misconception, where, upstream, way)
        if best is None:
            # right but written with fewer digits than asked: say so, that is what to fix
            coarse = feedback.rounding(verdict.submitted, value, (self.exact[key], recomputed),
                                       key in self.old, self.instructions)
            if coarse is not None:
                verdict.misconception, verdict.feedback = coarse
            return
        _, misconception, where, upstream, way = best
        verdict.misconception = misconception.name
        verdict.feedback = misconception.feedback(self.graph, where)
        if where != key:
            verdict.feedback += feedback.unwritten(self.graph.item(where))
        if upstream:
            walk.carry(next(iter(upstream)), key, upstream, misconception, way)


class _Walk:
    """The student's chain while one set of answers is judged, cell by cell in work order: a value
    for every cell (their answer, or what their answers imply), whether it is *sound* (right, or
    rounding drift from right inputs), and for an unsound one its *culprits*: the wrong answers
    — or the unwritten cells a misconception was found in — that it follows from."""

    def __init__(self, marker: Marker, answered: dict, seeds: dict | None = None):
        self.marker = marker
        self.answered = answered
        self.chain = dict(marker.givens)
        self.sound: dict[tuple, bool] = {}
        self.culprits: dict[tuple, tuple] = {}
        #: unwritten cell -> (the item whose answer showed it, the misconception found there, and
        #: how that misconception computes a cell)
        self.origins: dict[tuple, tuple] = {}
        #: unwritten cells taken as computed a misconception's way: key -> (compute, misconception, way)
        self.seeds = seeds or {}

    def recompute(self, cell) -> float | None:
        try:
            value = cell.compute(self.chain, ARITHMETIC)
        except (ArithmeticError, ValueError):
            return None
        return value if math.isfinite(value) else None

    def mark(self, key, sound: bool, culprits: tuple = ()):
        self.sound[key], self.culprits[key] = sound, (() if sound else culprits)

    def imply(self, cell, value: float | None = None, origin: bool = False):
        """An unwritten cell: what the answers imply (``value``, or recomputed from the chain).
        An ``origin`` was computed the student's wrong way: when off, it is its own culprit."""
        marker, key = self.marker, cell.key
        seed = self.seeds.get(key)
        if seed is not None:
            compute, misconception, way = seed
            try:
                value = compute(self.chain, ARITHMETIC)
            except (ArithmeticError, ValueError):
                value = None
            if value is not None and math.isfinite(value):
                plain = self.recompute(cell)
                origin = plain is None or not marker.close(value, plain, key)
                if origin and abs(value - marker.exact[key]) > marker.tolerance[key]:
                    self.origins[key] = (None, misconception, way)  # shown by the first answer from it
            else:
                value = None
        if value is None:
            value = self.recompute(cell)
        value = self.chain[key] = marker.exact[key] if value is None else value
        if abs(value - marker.exact[key]) <= marker.tolerance[key]:
            self.mark(key, True)
            return
        if origin:
            self.mark(key, False, (key,))
            return
        wrong = [k for k in cell.inputs if k in self.sound and not self.sound[k]]
        self.mark(key, not wrong, _union(self.culprits[k] for k in wrong))

    def carry(self, where: tuple, key: tuple, upstream: dict, misconception, way) -> None:
        """The answer to ``key`` shows that the student computed the unwritten cells ``upstream``
        (from ``where`` on) their wrong way: put those values into the chain and redo every
        unwritten cell between ``where`` and ``key`` from them."""
        marker = self.marker
        graph = marker.graph
        position = marker.position
        for cell in graph.cells[position[where]:position[key]]:
            k = cell.key
            if k in self.answered:
                continue
            if k in upstream:
                value = upstream[k]
                plain = self.recompute(cell)
                origin = plain is None or not marker.close(value, plain, k)
                self.imply(cell, value, origin)
                if origin and not self.sound[k]:
                    self.origins[k] = (marker.item_of[key], misconception, way)
            else:
                self.imply(cell)

    def first_shown(self, culprits: tuple, item: str) -> tuple | None:
        """The first unwritten culprit that no earlier answer has shown yet (now shown by ``item``)."""
        fresh = [k for k in culprits if k in self.origins and self.origins[k][0] is None]
        for k in fresh:
            self.origins[k] = (item, *self.origins[k][1:])
        return fresh[0] if fresh else None

    def name_culprits(self, culprits: tuple) -> list[str]:
        """``your wrong answer to z2[1]``, or for a cell not written down, how it was found."""
        marker = self.marker
        asked = [marker.item_of[k] for k in culprits if k in marker.item_of and k not in self.origins]
        parts = [feedback.wrong_answer(asked)] if asked else []
        for k in culprits:
            if k in self.origins:
                item, misconception, _ = self.origins[k]
                parts.append(feedback.carried(marker.graph.item(k), misconception.label, item))
        return parts


class _Overlay:
    """Student answers over exact values over givens, read-only."""

    __slots__ = ("answered", "exact", "givens")

    def __init__(self, answered, exact, givens):
        self.answered, self.exact, self.givens = answered, exact, givens

    def __getitem__(self, key):
        value = self.answered.get(key)
        if value is not None:
            return value
        value = self.exact.get(key)
        return self.givens[key] if value is None else value


def _union(groups) -> tuple:
    out: dict = {}
    for group in groups:
        for key in group:
            out[key] = None
    return tuple(out)
