"""Assignments in the database: create or extend one from its definition and a roster, and read
it back as the variants every later command (render, grade, export) works on."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterable

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from exgen.variants.assignment import AssignmentDef, ExerciseDef
from exgen.storage.models import Assignment, Exercise, Student, Submission, Variant
from exgen.variants.generator import GenerationError, Screening, generate
from exgen.engine.graph import build_graph, map_nested
from exgen.variants.roster import RosterEntry
from exgen.engine.solver import Solution, solve
from exgen.engine.spec import Spec, SpecError, parse_spec


#: Variant rows inserted per statement while an assignment is created: memory stays bounded
#: by the chunk, not the class.
INSERT_CHUNK = 1000


class RecordError(ValueError):
    """A request the database cannot satisfy (unknown assignment, a refused change)."""


@dataclass
class AssignSummary:
    name: str
    created: bool
    students: int = 0
    new_students: int = 0
    not_on_roster: int = 0
    exercises: int = 0
    new_variants: int = 0
    replaced: bool = False
    seconds: float = 0.0
    screening: Screening = field(default_factory=Screening)
    #: the stored submissions re-marked because the points or the grading changed
    #: (``exgen.grading.store.RegradeSummary``), or None
    regraded: object = None

    def line(self) -> str:
        screened = self.screening.candidates
        per = f", {1e6 * self.screening.seconds / screened:.1f} µs each" if screened else ""
        parts = [
            f"{self.name}: {'created' if self.created else 'updated'}",
            f"{self.students} students ({self.new_students} new)",
            f"{self.exercises} exercises",
            f"{self.new_variants} new variants{' (all variants replaced)' if self.replaced else ''}",
            f"{screened} candidates screened{per}",
        ]
        if self.not_on_roster:
            parts.append(f"{self.not_on_roster} students not on this roster kept")
        if self.regraded is not None:
            parts.append(f"points or grading changed: {self.regraded.submissions} stored submissions re-marked "
                         f"({self.regraded.changed} scores changed)")
        return ", ".join(parts) + f" in {self.seconds:.1f} s"


def variant_code(assignment: str, exercise: str, spec: dict) -> str:
    """A short code printed on the worksheet: derived from the content, so it is stable."""
    material = json.dumps([assignment, exercise, spec], sort_keys=True).encode()
    return base64.b32encode(hashlib.sha256(material).digest()).decode()[:6]


def asked_items(solution: Solution, asked: tuple[str, ...]) -> list[str]:
    return [item for item, _ in solution.items(set(asked))]


def find_assignment(session: Session, name: str) -> Assignment:
    assignment = session.scalar(select(Assignment).where(Assignment.name == name))
    if assignment is None:
        known = session.scalars(select(Assignment.name).order_by(Assignment.name)).all()
        where = session.get_bind().url.render_as_string(hide_password=True)
        hint = f"known: {', '.join(known)}" if known else "it has none yet: run exgen assign"
        raise RecordError(f"no assignment named {name!r} in {where} ({hint})")
    return assignment


def assign(
    session: Session,
    definition: AssignmentDef,
    roster: list[RosterEntry],
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> AssignSummary:
    """Create the assignment or extend it with new students; never change an existing variant
    unless ``force`` (and then replace them all)."""
    start = time.perf_counter()
    assignment = session.scalar(select(Assignment).where(Assignment.name == definition.name))
    summary = AssignSummary(definition.name, created=assignment is None)
    marked_under = None if assignment is None else _marking(assignment.definition)
    new_hash = definition.variants_hash()
    if assignment is None:
        assignment = Assignment(name=definition.name, seed=definition.seed, variants_hash=new_hash,
                                title=definition.title, course=definition.course,
                                definition=definition.to_json())
        session.add(assignment)
        session.flush()
    elif assignment.variants_hash != new_hash:
        count = session.scalar(
            select(func.count(Variant.id)).join(Exercise).where(Exercise.assignment_id == assignment.id)
        )
        if count and not force:
            raise RecordError(_conflict(assignment, definition, count))
        session.execute(delete(Exercise).where(Exercise.assignment_id == assignment.id))
        session.flush()
        session.expire(assignment, ["exercises"])
        summary.replaced = bool(count)
    assignment.title, assignment.course = definition.title, definition.course
    assignment.seed, assignment.variants_hash = definition.seed, new_hash
    assignment.definition = definition.to_json()

    exercises = _sync_exercises(session, assignment, definition)
    students = _sync_students(session, assignment, roster, summary)
    summary.exercises = len(exercises)

    on_roster = [students[entry.student_id] for entry in roster]
    for exercise_def, exercise in exercises:
        have = set(session.scalars(select(Variant.student_pk).where(Variant.exercise_id == exercise.id)))
        missing = [s for s in on_roster if s.id not in have]
        if not missing:
            continue
        rows: list[dict] = []
        for row in _make_variants(definition, exercise_def, exercise, missing, summary.screening, progress):
            rows.append(row)
            if len(rows) == INSERT_CHUNK:
                session.execute(insert(Variant), rows)
                summary.new_variants += len(rows)
                rows = []
        if rows:
            session.execute(insert(Variant), rows)
            summary.new_variants += len(rows)
    session.flush()
    if marked_under is not None and marked_under != _marking(assignment.definition) and session.scalar(
            select(func.count(Submission.id)).where(Submission.assignment_id == assignment.id)):
        # Stored marks are points (each item's share of its exercise's points, times the credit
        # its verdict earns): they follow the assignment's current points and settings only by
        # being marked again, here, so that nothing ever shows marks out of the old points.
        from exgen.grading.store import regrade

        summary.regraded = regrade(session, definition.name)
    summary.seconds = time.perf_counter() - start
    return summary


def _marking(definition: dict | None) -> dict:
    """What a stored submission's marks depend on, besides its variants: the exercises' points,
    the rounding instructions (tolerances), the grading settings, and which submission counts."""
    definition = definition or {}
    return {
        "points": {e.get("id"): float(e.get("points", 0)) for e in definition.get("exercises", [])},
        "instructions": definition.get("instructions"),
        "grading": definition.get("grading"),
        "keep": (definition.get("service") or {}).get("keep"),
    }


def add_students(session: Session, name: str, roster: list[RosterEntry]) -> AssignSummary:
    """Students added to an assignment later (a learning platform's class list, a learner's
    first launch): exactly what ``exgen assign`` with a longer roster gives them — the stored
    definition, no existing variant changed."""
    assignment = find_assignment(session, name)
    return assign(session, AssignmentDef.from_json(assignment.definition), roster)


def _conflict(assignment: Assignment, definition: AssignmentDef, count: int) -> str:
    old = assignment.definition
    changes = []
    if old.get("seed") != definition.seed:
        changes.append(f"the seed ({old.get('seed')} → {definition.seed})")
    old_ids = [e["id"] for e in old.get("exercises", [])]
    new_ids = [e.key for e in definition.exercises]
    if old_ids != new_ids:
        changes.append(f"the exercise list ({', '.join(old_ids)} → {', '.join(new_ids)})")
    elif not changes:
        changed = [e.key for e, o in zip(definition.exercises, old.get("exercises", []))
                   if {k: o.get(k) for k in ("family", "spec", "ask")} !=
                   {k: v for k, v in e.variant_json().items() if k != "id"}]
        changes.append(f"exercise {', '.join(changed) or 'definitions'}")
    return (
        f"assignment {assignment.name!r} already has {count} variants, and this file changes "
        f"{' and '.join(changes)}: students would get different exercises. Nothing was changed. "
        "Use --force to replace every variant (submissions are kept; run exgen regrade afterwards)."
    )


def _sync_exercises(session: Session, assignment: Assignment, definition: AssignmentDef):
    existing = {e.key: e for e in session.scalars(select(Exercise).where(Exercise.assignment_id == assignment.id))}
    out = []
    for position, exercise_def in enumerate(definition.exercises):
        exercise = existing.get(exercise_def.key)
        if exercise is None:
            exercise = Exercise(assignment_id=assignment.id, key=exercise_def.key, position=position,
                                points=exercise_def.points, definition=exercise_def.to_json())
            session.add(exercise)
        else:
            exercise.position, exercise.points = position, exercise_def.points
            exercise.definition = exercise_def.to_json()
        out.append((exercise_def, exercise))
    session.flush()
    return out


def _sync_students(session: Session, assignment: Assignment, roster: list[RosterEntry], summary) -> dict:
    existing = {s.student_id: s for s in session.scalars(select(Student).where(Student.assignment_id == assignment.id))}
    position = max((s.position for s in existing.values()), default=-1) + 1
    for entry in roster:
        student = existing.get(entry.student_id)
        if student is None:
            student = Student(assignment_id=assignment.id, student_id=entry.student_id, name=entry.name,
                              extra=entry.extra, position=position)
            position += 1
            session.add(student)
            existing[entry.student_id] = student
            summary.new_students += 1
        else:  # a corrected name or e-mail is taken over; the variant stays
            student.name, student.extra = entry.name or student.name, entry.extra or student.extra
    session.flush()
    on_roster = {e.student_id for e in roster}
    summary.students = len(existing)
    summary.not_on_roster = sum(1 for sid in existing if sid not in on_roster)
    return existing


def _make_variants(definition: AssignmentDef, exercise_def: ExerciseDef, exercise: Exercise,
                   students: list[Student], screening: Screening, progress):
    """The variant rows of ``students``, one at a time (they are inserted in chunks)."""
    ids = [s.student_id for s in students]
    if exercise_def.spec is not None:
        specs = {sid: exercise_def.spec for sid in ids}
    else:
        specs = generate(exercise_def.family, definition.seed, exercise_def.key, ids,
                         set(exercise_def.ask), screening)
    for n, student in enumerate(students, 1):
        spec = specs.pop(student.student_id)
        solution = solve(spec)
        doc = _stored_spec(spec, exercise_def.key)
        yield {
            "exercise_id": exercise.id,
            "student_pk": student.id,
            "code": variant_code(definition.name, exercise_def.key, doc),
            "spec": doc,
            "asked": asked_items(solution, exercise_def.ask),
            "exact": {item: solution.exact_text(key) for item, key in solution.items()},
        }
        if progress and n % 50 == 0:
            progress(50)
    if progress:
        progress(len(students) % 50)


def _stored_spec(spec: Spec, exercise: str) -> dict:
    """The spec as stored, after checking that it reads back as the same spec: every later
    command (variants, render, grade, export) parses the stored document, so a variant that
    would not read back is refused here, before anything is stored."""
    doc = spec.to_dict()
    try:
        same = parse_spec(doc) == spec
    except SpecError as e:
        raise GenerationError(f"exercise {exercise}: a variant does not read back as a spec "
                              f"({e}); nothing was stored") from None
    if not same:
        raise GenerationError(f"exercise {exercise}: a variant's stored spec reads back as different "
                              "values; nothing was stored")
    return doc


# -- reading back ------------------------------------------------------------------------------
@dataclass
class VariantRecord:
    """One student's variant of one exercise, as every later command sees it."""

    student_id: str
    student_name: str
    exercise: str
    points: float
    code: str
    spec_doc: dict
    asked: list[str]  # items without the exercise prefix
    exact: dict[str, str]  # item -> exact string, every computed cell

    @cached_property
    def spec(self) -> Spec:
        return parse_spec(self.spec_doc)

    @cached_property
    def solution(self) -> Solution:
        return solve(self.spec)

    def forget_solution(self) -> None:
        """Drop the parsed spec and the solution; the next use parses and solves again."""
        for cached in ("spec", "solution"):  # where cached_property keeps them
            self.__dict__.pop(cached, None)

    def answers(self) -> dict:
        """The asked quantities keyed like ``exgen solve``'s values (floats of the exact values)."""
        graph = build_graph(self.spec.architecture)
        asked_names = []
        for item in self.asked:
            name = item.split("[", 1)[0]
            if name not in asked_names:
                asked_names.append(name)
        return {
            name: map_nested(graph.layout(name), lambda key: float(self.exact[graph.item(key)]))
            for name in asked_names
        }


@dataclass
class AssignmentRecord:
    name: str
    title: str
    course: str
    definition: dict
    exercises: list[dict]  # {"key", "points", "position", "definition"}
    students: list[dict]  # {"student_id", "name", "extra"} in roster order
    variants: list[VariantRecord]  # by student (roster order), then exercise

    def variant(self, student_id: str, exercise: str) -> VariantRecord | None:
        return self._index.get((student_id, exercise))

    def forget_solutions(self, student_id: str) -> None:
        """Drop a student's parsed and solved variants (parsed and solved again if asked): a
        command that goes through the class one student at a time keeps its memory flat."""
        for exercise in self.exercises:
            variant = self.variant(student_id, exercise["key"])
            if variant is not None:
                variant.forget_solution()

    @cached_property
    def _index(self) -> dict[tuple[str, str], VariantRecord]:
        # built once: setdefault(..., {comprehension}) rebuilt it on every call (O(N²) grading)
        return {(v.student_id, v.exercise): v for v in self.variants}


def load_assignment(session: Session, name: str, variants_of: Iterable[str] | None = None) -> AssignmentRecord:
    """The assignment with its whole roster and every variant — or only the variants of the
    students ``variants_of`` (a job's part renders a few students of a class of thousands)."""
    assignment = find_assignment(session, name)
    exercises = session.scalars(
        select(Exercise).where(Exercise.assignment_id == assignment.id).order_by(Exercise.position)).all()
    students = session.scalars(
        select(Student).where(Student.assignment_id == assignment.id).order_by(Student.position)).all()
    by_pk = {s.id: s for s in students}
    by_exercise = {e.id: e for e in exercises}
    query = select(Variant).join(Exercise).where(Exercise.assignment_id == assignment.id)
    if variants_of is not None:
        wanted = set(variants_of)
        query = query.where(Variant.student_pk.in_([s.id for s in students if s.student_id in wanted]))
    rows = session.execute(query).scalars().all()
    order = {s.id: i for i, s in enumerate(students)}
    rows = sorted(rows, key=lambda v: (order[v.student_pk], by_exercise[v.exercise_id].position))
    variants = [
        VariantRecord(
            student_id=by_pk[v.student_pk].student_id,
            student_name=by_pk[v.student_pk].name,
            exercise=by_exercise[v.exercise_id].key,
            points=by_exercise[v.exercise_id].points,
            code=v.code,
            spec_doc=v.spec,
            asked=list(v.asked),
            exact=dict(v.exact),
        )
        for v in rows
    ]
    return AssignmentRecord(
        name=assignment.name,
        title=assignment.title,
        course=assignment.course,
        definition=assignment.definition,
        exercises=[{"key": e.key, "points": e.points, "position": e.position, "definition": e.definition}
                   for e in exercises],
        students=[{"student_id": s.student_id, "name": s.name, "extra": s.extra} for s in students],
        variants=variants,
    )
