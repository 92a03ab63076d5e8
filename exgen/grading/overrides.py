"""A teacher's decision on one item of one student (``exgen override``).

An override replaces the grader's status and score of one item wherever results are read —
``exgen results`` (table and JSON), the report, the gradebook exports, the web service — and
says who decided, when and why. It lives in its own table, which the grader never writes: a
regrade re-marks every submission and every override still stands (next to the grader's new
verdict, which stays visible). It applies to the student's current submission, whichever that
is, and to a student without one (a paper answer marked by hand).
"""

from __future__ import annotations

import difflib
import getpass
import os
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from exgen.grading.judge import STATUSES, credit
from exgen.storage.models import Exercise, Override, Student, Variant
from exgen.storage.records import find_assignment
from exgen.variants.assignment import GRADING_DEFAULTS

MAX_NOTE = 2000
MAX_BY = 100


class OverrideError(ValueError):
    """An override that cannot be made: unknown student or item, a score out of range ..."""


@dataclass(frozen=True)
class ItemInfo:
    exercise: str
    max_score: float  # the item's share of its exercise's points
    expected: float  # the exact value, rounded to a double


def current_user() -> str:
    """Who is at the keyboard: the OS user (``--by`` names someone else)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def item_info(session: Session, assignment_id: int, student_pks) -> dict[int, dict[str, ItemInfo]]:
    """Per student, every asked item of their variants (``q2.dL/dW1[1,2]``) with its points."""
    rows = session.execute(
        select(Variant.student_pk, Exercise.key, Exercise.points, Variant.asked, Variant.exact)
        .join(Exercise, Exercise.id == Variant.exercise_id)
        .where(Exercise.assignment_id == assignment_id, Variant.student_pk.in_(list(student_pks)))
        .order_by(Exercise.position)).all()
    out: dict[int, dict[str, ItemInfo]] = {}
    for pk, key, points, asked, exact in rows:
        share = float(points) / len(asked) if asked else 0.0
        for item in asked:
            out.setdefault(pk, {})[f"{key}.{item}"] = ItemInfo(key, share, float(exact[item]))
    return out


def _student(session: Session, assignment, student_id: str) -> Student:
    student = session.scalar(select(Student).where(Student.assignment_id == assignment.id,
                                                   Student.student_id == student_id))
    if student is None:
        known = session.scalars(select(Student.student_id).where(Student.assignment_id == assignment.id)).all()
        close = difflib.get_close_matches(student_id, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise OverrideError(f"no student {student_id!r} on the roster of {assignment.name}{hint}")
    return student


def _item(session: Session, assignment, student: Student, item: str) -> ItemInfo:
    items = item_info(session, assignment.id, [student.id]).get(student.id, {})
    if item not in items:
        close = difflib.get_close_matches(item, list(items), n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise OverrideError(f"{item!r} is not an item of {student.student_id}'s variant of {assignment.name}"
                            f"{hint}; items look like {next(iter(items), 'q1.loss')!r}")
    return items[item]


def set_override(session: Session, name: str, student_id: str, item: str, status: str,
                 note: str, score: float | None = None, by: str | None = None) -> Override:
    """Record (or replace) the teacher's status, and optionally score, of one item."""
    assignment = find_assignment(session, name)
    if status not in STATUSES:
        raise OverrideError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    note = (note or "").strip()
    if not note:
        raise OverrideError("a note is required: say why (students and colleagues will ask)")
    if len(note) > MAX_NOTE:
        raise OverrideError(f"the note has {len(note)} characters; at most {MAX_NOTE}")
    by = (by if by is not None else current_user()).strip()
    if not by or len(by) > MAX_BY:
        raise OverrideError(f"--by must name someone in 1 to {MAX_BY} characters")
    student = _student(session, assignment, student_id)
    info = _item(session, assignment, student, item)
    if score is not None:
        if not (0 <= score <= info.max_score + 1e-9):
            raise OverrideError(f"--score {score:g} is outside 0 .. {info.max_score:g} (the points of {item})")
        score = float(score)
    row = session.scalar(select(Override).where(Override.student_pk == student.id, Override.item == item))
    if row is None:
        row = Override(assignment_id=assignment.id, student_pk=student.id, item=item)
        session.add(row)
    row.status, row.score, row.note, row.by = status, score, note, by
    from exgen.storage.models import utcnow

    row.created_at = utcnow()
    session.flush()
    return row


def clear_override(session: Session, name: str, student_id: str, item: str) -> bool:
    """Remove an override: the grader's verdict counts again. False when there was none."""
    assignment = find_assignment(session, name)
    student = _student(session, assignment, student_id)
    _item(session, assignment, student, item)
    result = session.execute(delete(Override).where(Override.student_pk == student.id, Override.item == item))
    return bool(result.rowcount)


def overrides_by_student(session: Session, assignment_id: int) -> dict[int, dict[str, Override]]:
    out: dict[int, dict[str, Override]] = {}
    for row in session.scalars(select(Override).where(Override.assignment_id == assignment_id)
                               .order_by(Override.id)):
        out.setdefault(row.student_pk, {})[row.item] = row
    return out


def apply(entry: dict | None, override: Override, info: ItemInfo | None, grading: dict) -> dict:
    """The results entry of one item (design §4) with the override in force; the grader's
    verdict is kept under ``override.grader``."""
    max_score = entry["max_score"] if entry else (info.max_score if info else 0.0)
    settings = {**GRADING_DEFAULTS, **(grading or {})}
    score = override.score if override.score is not None else max_score * credit(override.status, settings)
    base = entry or {"status": "missing", "score": 0.0, "max_score": max_score, "submitted": "",
                     "expected": info.expected if info else None, "misconception": "",
                     "feedback": "no submission"}
    return {
        **base,
        "status": override.status,
        "score": min(score, max_score),
        "override": {
            "status": override.status,
            "score": override.score,
            "note": override.note,
            "by": override.by,
            "at": override.created_at.isoformat(timespec="seconds") if override.created_at else None,
            "grader": {"status": base["status"], "score": base["score"]},
        },
    }
