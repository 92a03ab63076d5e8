"""Each student's graded work as a PDF to hand back (design §10, ``exgen feedback``): every
item with the answer given, its verdict, points and feedback, the score, and for every item not
correct the worked step — the key's own rule and line for that entry (``key_exercise``: the
same worked solution the answer key prints, never derived again here).

What the student wrote is printed as text, escaped (autoescaping templates): it is never
markup. Only students with a graded submission get a feedback file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from exgen.instructions import Instructions
from exgen.storage.models import ItemResult, Student, Submission
from exgen.storage.records import find_assignment

VERDICTS = {
    "correct": ("✓", "correct"),
    "follow_through": ("↪", "follow-through"),
    "incorrect": ("✗", "incorrect"),
    "missing": ("–", "missing"),
    "invalid": ("✗", "not a number"),
}
SOURCES = {"csv": "answer sheet", "pdf": "filled worksheet (PDF)", "web": "web page"}


@dataclass
class GradedWork:
    """A student's current (counting) submission and its item results, as stored."""

    student_id: str
    source: str
    attempt: int | None
    received_at: datetime | None
    late: bool
    items: list[dict] = field(default_factory=list)  # in sheet order

    @property
    def score(self) -> float:
        return sum(i["score"] for i in self.items)


def graded_work(session: Session, name: str, student_ids=None) -> dict[str, GradedWork]:
    """Student id -> their counting submission, for every student who has one (or those of
    ``student_ids``)."""
    assignment = find_assignment(session, name)
    query = (select(Student.student_id, Submission).join(Student, Student.id == Submission.student_pk)
             .where(Submission.assignment_id == assignment.id, Submission.current.is_(True)))
    if student_ids is not None:
        query = query.where(Student.student_id.in_(list(student_ids)))
    work: dict[str, GradedWork] = {}
    by_submission: dict[int, GradedWork] = {}
    for sid, submission in session.execute(query):
        work[sid] = by_submission[submission.id] = GradedWork(
            sid, submission.source, submission.attempt, submission.received_at, submission.late)
    ids = list(by_submission)
    for n in range(0, len(ids), 500):
        for row in session.scalars(select(ItemResult).where(ItemResult.submission_id.in_(ids[n:n + 500]))
                                   .order_by(ItemResult.submission_id, ItemResult.position)):
            by_submission[row.submission_id].items.append({
                "item": row.item, "status": row.status, "score": row.score, "max_score": row.max_score,
                "submitted": row.submitted, "feedback": row.feedback, "misconception": row.misconception,
            })
    return work


# -- the document ------------------------------------------------------------------------------
@dataclass
class WorkedStep:
    rule: Markup  # the step's formula, as in the key
    notes: list[Markup]
    entry: object  # exgen.render.documents.Entry: the key's line for this item


@dataclass
class ItemFeedback:
    item: str
    label: str
    submitted: str
    status: str
    score: float
    max_score: float
    feedback: str
    step: WorkedStep | None  # for every item not correct

    @property
    def mark(self) -> str:
        return VERDICTS.get(self.status, ("?", self.status))[0]

    @property
    def verdict(self) -> str:
        return VERDICTS.get(self.status, ("?", self.status))[1]


@dataclass
class ExerciseFeedback:
    key: str
    code: str
    points: float
    score: float
    items: list[ItemFeedback]


@dataclass
class FeedbackDocument:
    kind: str
    course: str
    title: str
    assignment: str
    student_id: str
    student_name: str
    codes: str
    score: float
    max_score: float
    handed_in: str  # "filled worksheet (PDF), attempt 2, 30 Nov 2026"
    exercises: list[ExerciseFeedback]
    paper: str

    @property
    def percent(self) -> str:
        return f"{100 * self.score / self.max_score:.0f} %" if self.max_score else ""


def points(value: float) -> str:
    """Points as people write them: 4, 3.5, 2.33."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _worked_steps(variant, instructions) -> dict[str, WorkedStep]:
    """The key's worked step of every entry of a variant, by item (with the exercise prefix),
    rounded as the assignment instructs, as in the key."""
    from exgen.render.documents import key_exercise

    steps = {}
    for stage in key_exercise(variant, instructions).stages:
        for step in stage.steps:
            for entry in step.entries:
                steps[entry.item] = WorkedStep(step.formula, step.notes, entry)
    return steps


def feedback_document(record, student: dict, work: GradedWork, paper: str = "a4") -> FeedbackDocument:
    from exgen.render.documents import PAPER_SIZES, answer_boxes

    results = {r["item"]: r for r in work.items}
    exercises = []
    for exercise in record.exercises:
        variant = record.variant(student["student_id"], exercise["key"])
        if variant is None:
            continue
        steps = None
        items = []
        for _, box in answer_boxes(variant):
            result = results.get(box.item)
            if result is None:  # asked after this submission was graded: run exgen regrade
                continue
            step = None
            if result["status"] != "correct":
                steps = steps if steps is not None else _worked_steps(variant, Instructions.of(record.definition))
                step = steps.get(box.item)
            items.append(ItemFeedback(box.item, box.label, result["submitted"], result["status"],
                                      result["score"], result["max_score"], result["feedback"], step))
        exercises.append(ExerciseFeedback(exercise["key"], variant.code, float(exercise["points"]),
                                          sum(i.score for i in items), items))
    how = [SOURCES.get(work.source, work.source)]
    if work.attempt:
        how.append(f"attempt {work.attempt}")
    if work.received_at is not None:
        how.append(f"graded {work.received_at:%d %b %Y}")
    if work.late:
        how.append("late")
    return FeedbackDocument(
        kind="feedback", course=record.course or "", title=record.title or record.name,
        assignment=record.name, student_id=student["student_id"], student_name=student.get("name") or "",
        codes=" · ".join(f"{e.key} {e.code}" for e in exercises), score=work.score,
        max_score=float(sum(e["points"] for e in record.exercises)), handed_in=", ".join(how),
        exercises=exercises, paper=PAPER_SIZES[paper])


def feedback_html(record, student: dict, work: GradedWork, paper: str = "a4") -> str:
    from exgen.templating import render

    return render("feedback.html", doc=feedback_document(record, student, work, paper), points=points)
