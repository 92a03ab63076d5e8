"""What every quiz export holds: per exercise, one question per distinct variant, and per
question one blank per asked item with the interval of answers exgen's grader accepts.

Answers are the stored exact values of the variant (never re-derived); the interval is
:func:`exgen.grading.tolerance.tolerance` around the correctly rounded double of that value — the
grader's rule, fixed per blank, so an LMS that only knows "value ± tolerance" grades alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from exgen.engine import names
from exgen.engine.graph import StepGraph, build_graph
from exgen.engine.solver import solve
from exgen.engine.spec import Spec
from exgen.export.ids import content_id, digest
from exgen.grading.tolerance import tolerance
from exgen.instructions import Instructions
from exgen.storage.records import AssignmentRecord, VariantRecord


@dataclass(frozen=True)
class Blank:
    """One asked item of one variant and the answers that earn its credit."""

    item: str  # answer-sheet name without the exercise prefix: "dL/dW1[1,2]"
    exact: str  # the stored exact value (design §2 string)
    value: float  # its correctly rounded double
    tolerance: float  # absolute: accepted iff |answer − value| ≤ tolerance
    old: float | None  # the parameter before the update, for updated parameters

    @property
    def parameter(self) -> bool:
        """An updated parameter: written to a fixed number of decimals, judged by its update."""
        return self.old is not None

    @property
    def low(self) -> float:
        return self.value - self.tolerance

    @property
    def high(self) -> float:
        return self.value + self.tolerance

    def accepts(self, answer: float) -> bool:
        """The grader's test (:func:`exgen.grading.tolerance.within`) with this blank's numbers."""
        return abs(answer - self.value) <= self.tolerance


@dataclass(frozen=True)
class Question:
    """One distinct variant of one exercise."""

    ident: str  # content-derived
    exercise: str
    code: str  # the variant code printed on the worksheet
    spec: Spec
    blanks: tuple[Blank, ...]
    students: int  # how many students were given this variant

    @property
    def solution(self):
        """The variant's solution (``exgen.engine.solver.Solution``): its worked solution is
        the question's general feedback, laid out from the same steps as the answer key.
        Solved when a writer asks (once per question): kept on every question, the solutions
        of a whole class would stay in memory until the export ends."""
        return solve(self.spec)


@dataclass(frozen=True)
class ExerciseBank:
    key: str
    points: float
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Quiz:
    ident: str
    name: str
    title: str
    course: str
    instructions: Instructions
    exercises: tuple[ExerciseBank, ...]

    @property
    def points(self) -> float:
        return sum(e.points for e in self.exercises)

    @property
    def questions(self) -> list[Question]:
        return [q for e in self.exercises for q in e.questions]


def build_quiz(record: AssignmentRecord) -> Quiz:
    """The quiz of an assignment: its exercises in order, each with its distinct variants.

    Variants that are identical across students (a fixed spec) become one question. Questions
    are ordered by variant code (a content hash), so adding students only inserts questions.
    """
    instructions = Instructions.of(record.definition)
    by_exercise: dict[str, dict[str, list[VariantRecord]]] = {e["key"]: {} for e in record.exercises}
    for variant in record.variants:
        content = digest(variant.spec_doc, variant.asked)
        by_exercise[variant.exercise].setdefault(content, []).append(variant)
    banks = []
    for exercise in record.exercises:
        questions = [
            _question(record.name, variants[0], len(variants), instructions)
            for variants in by_exercise[exercise["key"]].values()
        ]
        questions.sort(key=lambda q: (q.code, q.ident))
        banks.append(ExerciseBank(exercise["key"], float(exercise["points"]), tuple(questions)))
    ident = content_id("Q", record.name, record.title, record.course, instructions.as_dict(),
                       [[b.key, b.points, [q.ident for q in b.questions]] for b in banks])
    return Quiz(ident, record.name, record.title, record.course, instructions, tuple(banks))


def _question(assignment: str, variant: VariantRecord, students: int, instructions: Instructions) -> Question:
    spec = variant.spec
    graph = build_graph(spec.architecture)
    keys = _keys_by_item(graph)
    givens = spec.given_values()
    blanks = []
    for item in variant.asked:
        key = keys[item]
        value = float(variant.exact[item])
        old, before = None, names.before_update(key[0])
        if before is not None:  # W1_new[j,i] was W1[j,i] before the step
            old = float(givens[(before, *key[1:])])
        blanks.append(Blank(item, variant.exact[item], value, tolerance(value, old, instructions), old))
    ident = content_id("V", assignment, variant.exercise, variant.spec_doc, variant.asked,
                       instructions.as_dict())
    return Question(ident, variant.exercise, variant.code, spec, tuple(blanks), students)


@lru_cache(maxsize=64)  # graphs are built once per network shape, so are these maps
def _keys_by_item(graph: StepGraph) -> dict[str, tuple]:
    return {graph.item(cell.key): cell.key for cell in graph.cells}
