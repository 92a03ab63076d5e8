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
   tried on the student's own inputs to say what probably went wrong.

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
from exgen.grading.misconceptions import candidates
from exgen.grading.reading import Reading, read_number
from exgen.grading.tolerance import tolerance
from exgen.instructions import Instructions

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
    """Per graph (cached): item -> cell key, and each cell's computed ancestors in graph order."""
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
    return key_of, ancestors


class Marker:
    """Everything needed to judge answers to one variant, prepared once per variant."""

    def __init__(self, graph: StepGraph, givens: dict, exact: dict, asked: list[str],
                 instructions: Mapping | None = None):
        """``givens``: cell key -> float for x, W, b, y, learning rate; ``exact``: cell key ->
        float for every computed cell; ``asked``: the items asked (without exercise prefix)."""
        self.graph = graph
        self.givens = givens
        self.exact = exact
        key_of, self.ancestors = _graph_facts(graph)
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
    def judge(self, answers: Mapping[str, str]) -> list[Verdict]:
        """Judge a student's answers (item -> cell text; absent items are blank), in work order."""
        readings = {key: read_number(answers.get(item) or "") for item, key in self.asked}
        return self.judge_readings(readings, answers)

    def judge_readings(self, readings: Mapping[tuple, Reading], answers: Mapping[str, str]) -> list[Verdict]:
        graph, exact, A = self.graph, self.exact, ARITHMETIC
        answered = {key: r.value for key, r in readings.items() if r.value is not None}
        chain = dict(self.givens)
        # A value is *sound* when it is right (within tolerance, or rounding drift from right
        # inputs); ``culprits`` names the wrong answers an unsound value follows from.
        sound: dict[tuple, bool] = {}
        culprits: dict[tuple, tuple] = {}
        verdicts: dict[tuple, Verdict] = {}
        for cell in graph.cells:
            key = cell.key
            try:
                recomputed = cell.compute(chain, A)
                if not math.isfinite(recomputed):
                    recomputed = None
            except (ArithmeticError, ValueError):
                recomputed = None
            inputs = [k for k in cell.inputs if k in sound]
            if key not in answered:
                chain[key] = exact[key] if recomputed is None else recomputed
                if abs(chain[key] - exact[key]) <= self.tolerance[key] or all(sound[k] for k in inputs):
                    sound[key], culprits[key] = True, ()
                else:
                    sound[key] = False
                    culprits[key] = _union(culprits[k] for k in inputs if not sound[k])
                if key in readings:
                    verdicts[key] = self._unanswered(key, readings[key], answers)
                continue
            value = chain[key] = answered[key]
            verdict = Verdict(self.item_of[key], "correct", answers.get(self.item_of[key], ""),
                              value, exact[key])
            verdicts[key] = verdict
            if abs(value - exact[key]) <= self.tolerance[key]:
                sound[key], culprits[key] = True, ()
                continue
            wrong_inputs = None
            if recomputed is not None and self.close(value, recomputed, key):
                wrong_inputs = [k for k in inputs if not sound[k]]
            else:
                # the gaps filled with exact values instead of what the answers imply
                gap_filled = self._with_exact_gaps(cell, answered)
                if gap_filled is not None and gap_filled != recomputed and self.close(value, gap_filled, key):
                    wrong_inputs = [k for k in inputs if k in answered and not sound[k]]
            if wrong_inputs is None:
                sound[key], culprits[key] = False, (key,)
                verdict.status = "incorrect"
                verdict.feedback = "neither the expected value nor what your earlier answers give"
                self._explain(verdict, key, value, recomputed, chain, answered)
            elif not wrong_inputs:
                sound[key], culprits[key] = True, ()
                verdict.feedback = "within rounding of your own earlier answers"
            else:
                sound[key] = False
                culprits[key] = _union(culprits[k] for k in wrong_inputs)
                verdict.status = "follow_through"
                named = ", ".join(self.item_of.get(k, graph.item(k)) for k in culprits[key])
                verdict.feedback = f"follows correctly from your wrong answer to {named}"
        return [verdicts[key] for _, key in self.asked]

    def _unanswered(self, key, reading: Reading, answers) -> Verdict:
        item = self.item_of[key]
        if reading.problem:
            return Verdict(item, "invalid", answers.get(item, ""), None, self.exact[key],
                           feedback=reading.problem)
        return Verdict(item, "missing", answers.get(item, "") or "", None, self.exact[key],
                       feedback="no answer")

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

    def _explain(self, verdict: Verdict, key, value, recomputed, chain, answered):
        """Name a misconception when the wrong value matches one, computed from the student's
        own inputs and clearly different from the right computation."""
        right = recomputed if recomputed is not None else self.exact[key]
        implied = tuple(k for k in self.ancestors[key] if k not in answered)
        for misconception, alternative, where in candidates(self.graph, key, chain, implied, ARITHMETIC):
            if not math.isfinite(alternative) or self.close(alternative, right, key):
                continue
            if self.close(value, alternative, key):
                verdict.misconception = misconception.name
                verdict.feedback = misconception.feedback(self.graph, where)
                if where != key:
                    verdict.feedback += f" (in {self.graph.item(where)}, which you did not write down)"
                return


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
