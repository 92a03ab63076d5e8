"""Answers that fit another student's variant better than one's own: evidence of copying.

Every student has their own variant, so an answer that is wrong for the student's own variant
but right — within the grader's tolerance — for a classmate's is evidence; several such answers
pointing at the same classmate are a flag for the teacher to look at. A flag is only shown
(``exgen results``, its JSON ``"flags"``, the report); it never changes a score.

What is not evidence, so that honest students are never flagged:

- an answer the grader explains from the student's own work: right, follow-through (their own
  wrong chain carried on — one early slip or coincidence would otherwise spread to every later
  item), or wrong with a named misconception; only unexplained wrong answers count;
- an answer right for the student's own variant (identical givens, a fixed spec every student
  shares: the values are the same, nothing points anywhere);
- blank answers, 0 and ±1, and a value that is one of the student's own givens (an update not
  applied copies the old weight) — answers anyone may write;
- a value that fits more than ``MAX_FITS`` classmates' variants (common values, such as the
  pre-activations of a small weight grid): it identifies nobody;
- fewer than ``MIN_ITEMS`` answers, or less than ``MIN_SHARE`` of an exercise's items, pointing
  at the same classmate, or not ``STANDS_OUT`` times as many as point at any other classmate:
  in a large class, single coincidences happen, spread over many classmates.

It scales: each item's accepted intervals over the whole class are indexed once — by the
logarithm of the value (the tolerance is relative), updated parameters by their old value and
the logarithm of the update — so each answer is looked up in a few buckets instead of being
compared with every classmate: about linear in the class size, not quadratic
(``bench/copies.py`` measures it; tests/test_copies.py counts the comparisons).
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

from exgen.grading.feedback import typed_precision
from exgen.grading.tolerance import relative_tolerance, tolerance
from exgen.instructions import DEFAULT_INSTRUCTIONS, Instructions

#: A value that fits more classmates' variants than this identifies nobody.
MAX_FITS = 3
#: A flag needs at least this many answers pointing at one classmate ...
MIN_ITEMS = 3
#: ... at least this share of the exercise's items ...
MIN_SHARE = 0.1
#: ... and this many times as many as point at any other classmate (coincidences spread out).
STANDS_OUT = 2
#: Bucket width in natural-log units: a bucket holds values within about 1 % of each other.
_LOG_STEP = 0.01
_TRIVIAL = frozenset((0.0, 1.0, -1.0))
_PARAMETER = re.compile(r"^([Wb])(\d+)_new\[(\d+)(?:,(\d+))?\]$")


@dataclass
class VariantValues:
    """What the search needs of one student's variant of one exercise."""

    student_id: str
    exercise: str
    code: str  # the variant code: equal codes, equal variants
    exact: dict[str, float]  # asked item (without the exercise prefix) -> exact value
    old: dict[str, float]  # updated-parameter item -> the parameter before the update
    givens: frozenset = frozenset()  # every given value, to 9 decimals (an answer equal to one is trivial)

    @classmethod
    def from_stored(cls, student_id: str, exercise: str, code: str, spec: dict, asked: list,
                    exact: dict) -> "VariantValues":
        old = {}
        for item in asked:
            match = _PARAMETER.match(item)
            if match:
                kind, layer, j, i = match.groups()
                layer_doc = spec["layers"][int(layer) - 1]
                value = (layer_doc["weights"][int(j) - 1][int(i) - 1] if kind == "W"
                         else layer_doc["bias"][int(j) - 1])
                old[item] = _number(value)
        return cls(student_id, exercise, code, {item: float(exact[item]) for item in asked}, old,
                   frozenset(round(g, 9) for g in _flatten(spec)))


class Answer(NamedTuple):
    value: float  # as read
    text: str  # as typed
    evidence: bool  # wrong and not explained by the student's own work (see the module docstring)


@dataclass
class Flag:
    student_id: str
    exercise: str
    other: str  # the classmate whose variant (or answers) the answers fit
    items: list[str] = field(default_factory=list)  # "q2.dL/dW1[1,2]", in sheet order
    variant: int = 0  # of those, right for the classmate's variant
    answers: int = 0  # of those, the classmate's own answers (within tolerance)
    identical: int = 0  # of those, typed character for character as the classmate typed them
    asked: int = 0  # items of the exercise

    def as_json(self) -> dict:
        return {
            "kind": "fits_other_variant",
            "exercise": self.exercise,
            "other": self.other,
            "items": self.items,
            "count": len(self.items),
            "of": self.asked,
            "fit_variant": self.variant,
            "fit_answers": self.answers,
            "identical": self.identical,
            "message": self.message(),
        }

    def message(self) -> str:
        how = []
        if self.variant:
            how.append(f"{self.variant} right for {self.other}'s variant")
        if self.answers:
            how.append(f"{self.answers} as {self.other} answered")
        if self.identical:
            how.append(f"{self.identical} typed identically")
        return (f"{len(self.items)} of {self.asked} answers to {self.exercise} are wrong for this student's "
                f"variant but fit {self.other}'s ({', '.join(how)}): compare the two submissions")


def _number(value) -> float:
    return float(Fraction(value)) if isinstance(value, str) else float(value)


def _flatten(doc):
    if isinstance(doc, dict):
        for value in doc.values():
            yield from _flatten(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from _flatten(value)
    elif isinstance(doc, (int, float)) and not isinstance(doc, bool):
        yield float(doc)
    elif isinstance(doc, str):
        try:
            yield _number(doc)
        except (ValueError, ZeroDivisionError):
            return


def _log_key(x: float) -> tuple[int, int]:
    return (1 if x > 0 else -1), math.floor(math.log(abs(x)) / _LOG_STEP)


VARIANT, ANSWER = 0, 1  # what an indexed interval is around: a classmate's exact value, or answer


class ItemIndex:
    """The accepted intervals of one item over the whole class — around each student's exact
    value and around each student's own answer — for fast look-up."""

    def __init__(self, instructions: Instructions):
        self.instructions = instructions
        self.buckets: dict = defaultdict(list)  # (old or None, sign, log bucket) -> entries
        self.olds: list[float] = []  # distinct old values (updated parameters), sorted
        self.largest_update = 0.0
        self.checks = 0  # intervals tested (the cost), for tests and benchmarks
        relative = relative_tolerance(instructions.significant_figures)
        # the tolerance is relative: a fit may lie in a neighbouring bucket
        self.reach = 1 + int(math.ceil(math.log1p(1.02 * relative) / _LOG_STEP))

    def add(self, student: int, value: float, width: float, old: float | None, kind: int):
        """``value`` (an exact value, or an answer written to ``width``: half its last digit)."""
        centre = value if old is None else value - old
        if centre == 0:
            return  # 0, or an update not applied: never evidence (trivial)
        self.buckets[(old, *_log_key(centre))].append((value, width, student, kind))
        if old is not None:
            self.largest_update = max(self.largest_update, abs(centre) + width)
            position = bisect.bisect_left(self.olds, old)
            if position == len(self.olds) or self.olds[position] != old:
                self.olds.insert(position, old)

    def fits(self, answer: float, width: float, limit: int) -> dict[int, set]:
        """student -> kinds of the values within ``answer`` ± ``width`` (+ their own width):
        the same number at the precision written (stops past ``limit`` students)."""
        found: dict[int, set] = {}
        for old in self._olds_near(answer):
            centre = answer if old is None else answer - old
            if centre == 0:
                continue
            sign, key = _log_key(centre)
            for k in range(key - self.reach, key + self.reach + 1):
                for value, own_width, student, kind in self.buckets.get((old, sign, k), ()):
                    self.checks += 1
                    if abs(answer - value) <= own_width + width:
                        found.setdefault(student, set()).add(kind)
                        if len(found) > limit:
                            return found
        return found

    def _olds_near(self, answer: float):
        if not self.olds:
            return (None,)
        lo = bisect.bisect_left(self.olds, answer - self.largest_update)
        hi = bisect.bisect_right(self.olds, answer + self.largest_update)
        return self.olds[lo:hi]


def find_copies(variants: list[VariantValues], answers: dict[str, dict[str, Answer]],
                instructions: Instructions = DEFAULT_INSTRUCTIONS,
                order: dict[str, int] | None = None) -> tuple[list[Flag], int]:
    """Flags for every student whose answers fit a classmate's variant or answers; and the
    number of intervals tested. ``answers``: student id -> item (with exercise prefix) -> the
    student's current answer; ``order``: item -> position in the sheet (for listing)."""
    order = order or {}
    ids = sorted({v.student_id for v in variants})
    number = {sid: n for n, sid in enumerate(ids)}
    own: dict[tuple[str, str], VariantValues] = {(v.student_id, v.exercise): v for v in variants}
    indexes: dict[tuple[str, str], ItemIndex] = {}
    codes: dict[str, set] = defaultdict(set)

    def index_of(exercise, item):
        index = indexes.get((exercise, item))
        if index is None:
            index = indexes[(exercise, item)] = ItemIndex(instructions)
        return index

    for v in variants:
        codes[v.exercise].add(v.code)
        for item, exact in v.exact.items():
            index_of(v.exercise, item).add(number[v.student_id], exact, 0.0, v.old.get(item), VARIANT)
    for sid, items in answers.items():
        for full_item, answer in items.items():
            exercise, _, item = full_item.partition(".")
            mine = own.get((sid, exercise))
            if mine is None or item not in mine.exact or not math.isfinite(answer.value):
                continue
            if _trivial(answer.value, mine):
                continue
            index_of(exercise, item).add(number[sid], answer.value, _width(answer, mine, item, instructions),
                                         mine.old.get(item), ANSWER)
    pointing: dict[tuple[str, str, int], dict[str, set]] = defaultdict(dict)
    for sid, items in answers.items():
        for full_item, answer in items.items():
            exercise, _, item = full_item.partition(".")
            mine = own.get((sid, exercise))
            if not answer.evidence or mine is None or item not in mine.exact or len(codes[exercise]) < 2:
                continue  # explained by the student's own work, or a fixed spec everyone shares
            value = answer.value
            if not math.isfinite(value) or _trivial(value, mine):
                continue
            exact, old = mine.exact[item], mine.old.get(item)
            if abs(value - exact) <= tolerance(exact, old, instructions):
                continue  # right for the student's own variant: no evidence of anything
            fits = indexes[(exercise, item)].fits(value, _width(answer, mine, item, instructions), MAX_FITS + 1)
            others = {n: kinds for n, kinds in fits.items()
                      if ids[n] != sid and own[(ids[n], exercise)].code != mine.code}
            if not others or len(fits) > MAX_FITS + 1:  # (+1: the student's own answer is indexed too)
                continue
            for n, kinds in others.items():
                pointing[(sid, exercise, n)][full_item] = kinds
    counts: dict[tuple[str, str], list[int]] = defaultdict(list)
    for (sid, exercise, _), items in pointing.items():
        counts[(sid, exercise)].append(len(items))
    flags = []
    for (sid, exercise, n), items in pointing.items():
        asked = len(own[(sid, exercise)].exact)
        ranked = sorted(counts[(sid, exercise)], reverse=True) + [0]
        runner_up = ranked[1] if len(items) == ranked[0] else ranked[0]  # the best of the others
        if len(items) < max(MIN_ITEMS, MIN_SHARE * asked) or len(items) < STANDS_OUT * runner_up:
            continue
        other = ids[n]
        theirs = answers.get(other, {})
        listed = sorted(items, key=lambda i: order.get(i, 0))
        flags.append(Flag(
            sid, exercise, other, listed,
            variant=sum(1 for kinds in items.values() if VARIANT in kinds),
            answers=sum(1 for kinds in items.values() if ANSWER in kinds),
            identical=sum(1 for i in listed if i in theirs and theirs[i].text.strip() == answers[sid][i].text.strip()),
            asked=asked))
    flags.sort(key=lambda f: (f.student_id, f.exercise, -len(f.items), f.other))
    checks = sum(index.checks for index in indexes.values())
    return flags, checks


def _width(answer: Answer, mine: VariantValues, item: str, instructions: Instructions) -> float:
    """How far a value may lie from an answer and still be that number as written: half a unit
    of its last typed digit (0.0968: 0.00005) — far tighter than the grader's tolerance, so that
    in a large class a value points at one classmate, not at every variant within 1 %. Never
    wider than that tolerance."""
    tol = tolerance(answer.value, mine.old.get(item), instructions)
    typed = typed_precision(answer.text)
    if typed is None:
        return tol
    return min(tol, 0.5 * 10.0 ** typed[0] * (1 + 1e-9) + 1e-15)


def _trivial(value: float, mine: VariantValues) -> bool:
    """0, ±1, or one of the student's own givens (an update not applied): anyone writes these."""
    return value in _TRIVIAL or round(value, 9) in mine.givens


# -- from the database -------------------------------------------------------------------------
def flag_copies(session, assignment, results: dict, answers: dict | None = None) -> int:
    """Add ``"flags"`` to each student of ``results`` (``exgen.storage.results.class_results``);
    returns the number of flags. ``answers`` as for :func:`find_copies`, read from the current
    submissions when not given."""
    from sqlalchemy import select

    from exgen.storage.models import Exercise, ItemResult, Student, Submission, Variant

    rows = session.execute(
        select(Student.student_id, Exercise.key, Variant.code, Variant.spec, Variant.asked, Variant.exact)
        .join(Variant, Variant.student_pk == Student.id)
        .join(Exercise, Exercise.id == Variant.exercise_id)
        .where(Student.assignment_id == assignment.id)).all()
    variants = [VariantValues.from_stored(*row) for row in rows]
    if answers is None:
        answers = defaultdict(dict)
        for sid, item, value, text, status, misconception in session.execute(
                select(Student.student_id, ItemResult.item, ItemResult.value, ItemResult.submitted,
                       ItemResult.status, ItemResult.misconception)
                .join(Submission, Submission.id == ItemResult.submission_id)
                .join(Student, Student.id == Submission.student_pk)
                .where(Submission.assignment_id == assignment.id, Submission.current.is_(True),
                       ItemResult.value.is_not(None))):
            answers[sid][item] = Answer(value, text or "", status == "incorrect" and not misconception)
    instructions = Instructions.of(assignment.definition)
    order = {}
    for student in results["students"].values():
        for n, item in enumerate(student["items"]):
            order.setdefault(item, n)
    flags, _ = find_copies(variants, answers, instructions, order)
    for flag in flags:
        student = results["students"].get(flag.student_id)
        if student is not None:
            student.setdefault("flags", []).append(flag.as_json())
    return len(flags)
