"""What a student's page and the student API show: their worksheet (the same view model the
PDF worksheet is laid out from: ``exgen.render.documents``), the answer key's worked step for
each item, their earlier submissions, and a result as the assignment's policy lets them see it.

The page and the JSON API both go through :func:`result_view`, so the policy hides the same
things from both.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exgen.grading.policy import Policy
from exgen.grading.store import GRADED, GRADERS, WebOutcome
from exgen.storage.models import Assignment, ItemResult, Student, Submission

STATUS_TEXT = {
    "correct": "correct",
    "follow_through": "follow-through: right from your own earlier answer",
    "incorrect": "incorrect",
    "missing": "missing: left blank",
    "invalid": "not read as a number",
}
STATUS_SHORT = {"correct": "✓ correct", "follow_through": "✓ follow-through", "incorrect": "✗ incorrect",
                "missing": "– missing", "invalid": "? not a number"}


@dataclass
class WorkedStep:
    """An item's step from the answer key: the rule, and the item's line with its numbers."""

    rule: Markup
    notes: list
    label: str
    shown: Markup | None
    result: str
    exact: bool

    def as_text(self) -> dict:
        rule = self.rule.striptags() + "".join(" " + Markup(n).striptags() for n in self.notes)
        line = f"{self.label} = " + (f"{self.shown.striptags()} " if self.shown else "")
        return {"rule": rule, "line": line + ("= " if self.exact else "≈ ") + self.result}


@dataclass
class StudentView:
    """A student's worksheet and worked steps: the same for every request until the
    assignment changes, so each process builds it once per student."""

    doc: object  # exgen.render.documents.StudentDocument (the worksheet)
    items: list[str]  # asked items, with exercise prefix, in work order
    labels: dict[str, str]
    steps: dict[str, WorkedStep]
    max_score: float
    exercises: list[dict] = field(default_factory=list)  # for the JSON API


class _Views:
    def __init__(self, size: int = 4096):
        self.size = size
        self.lock = threading.Lock()
        self.views: OrderedDict = OrderedDict()

    def get(self, session: Session, assignment: Assignment, student: Student) -> StudentView:
        grader = GRADERS.get(session, assignment, student.student_id)
        key = (assignment.id, assignment.updated_at, assignment.variants_hash, student.student_id, id(grader.record))
        with self.lock:
            view = self.views.get(key)
            if view is not None:
                self.views.move_to_end(key)
                return view
        view = _build(grader.record, student.student_id, grader.max_score)
        with self.lock:
            self.views[key] = view
            while len(self.views) > self.size:
                self.views.popitem(last=False)
        return view


VIEWS = _Views()


def _build(record, student_id: str, max_score: float) -> StudentView:
    from exgen.render.documents import student_document

    student = next(s for s in record.students if s["student_id"] == student_id)
    worksheet = student_document(record, student, "worksheet")
    key = student_document(record, student, "key")
    items, labels = [], {}
    for exercise in worksheet.exercises:
        for stage in exercise.stages:
            for box in stage.boxes:
                items.append(box.item)
                labels[box.item] = box.label
    steps = {}
    for exercise in key.exercises:
        for stage in exercise.stages:
            for step in stage.steps:
                for entry in step.entries:
                    if entry.asked:
                        steps[entry.item] = WorkedStep(step.formula, step.notes, entry.label, entry.shown,
                                                       entry.result, entry.exact)
    exercises = []
    for e in record.exercises:
        variant = record.variant(student_id, e["key"])
        if variant is not None:
            exercises.append({"id": e["key"], "code": variant.code, "points": variant.points,
                              "spec": variant.spec_doc, "items": [f"{e['key']}.{i}" for i in variant.asked]})
    return StudentView(worksheet, items, labels, steps, max_score, exercises)


# -- results as the policy shows them -------------------------------------------------------------
def result_view(outcome: WebOutcome, policy: Policy, view: StudentView, now: datetime) -> dict:
    """A graded submission as the student may see it (design §9: hidden fields are absent)."""
    out = {
        "submission": outcome.submission_id,
        "attempt": outcome.attempt,
        "attempts_used": outcome.attempts_used,
        "attempts_left": policy.attempts_left(outcome.attempts_used),
        "late": outcome.late,
        "received_at": iso(outcome.received_at),
        "max_score": view.max_score,
    }
    if policy.shows_score(now):
        out["score"] = round(outcome.score, 6)
    if policy.shows_verdicts(now):
        items = {}
        for row in outcome.items:
            verdict = {"status": row["status"], "score": row["score"],
                       "max_score": row["max_score"], "submitted": row["submitted"],
                       "feedback": row["feedback"]}
            step = view.steps.get(row["item"])
            if policy.shows_steps() and row["status"] != "correct" and step is not None:
                verdict["step"] = step.as_text()
            items[row["item"]] = verdict
        out["items"] = items
    return out


def iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:  # SQLite keeps UTC without saying so
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


def history(session: Session, student: Student, policy: Policy, now: datetime) -> list[dict]:
    """Every stored submission of the student, oldest first (scores as the policy shows them)."""
    scores = dict(session.execute(
        select(ItemResult.submission_id, func.sum(ItemResult.score))
        .join(Submission, Submission.id == ItemResult.submission_id)
        .where(Submission.student_pk == student.id).group_by(ItemResult.submission_id)).all())
    rows = []
    for s in session.scalars(select(Submission).where(Submission.student_pk == student.id).order_by(Submission.id)):
        row = {"attempt": s.attempt, "status": s.status, "source": s.source, "received_at": iso(s.received_at),
               "late": s.late, "current": s.current, "problem": s.problem}
        if policy.shows_score(now) and s.status == GRADED:
            row["score"] = round(scores.get(s.id, 0.0), 6)
        rows.append(row)
    return rows


def due_text(policy: Policy) -> str:
    """The due time as a student reads it, in the time zone the teacher wrote it in."""
    if policy.due is None:
        return ""
    offset = policy.due.strftime("%z")
    zone = "UTC" if offset in ("+0000", "") else f"UTC{offset[:3]}:{offset[3:]}"
    return f"{policy.due.day} {policy.due:%B %Y}, {policy.due:%H:%M} ({zone})"
