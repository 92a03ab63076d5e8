"""Class results (design §4 ``exgen results --json``) from the stored, current submissions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from exgen.db.models import ItemResult, Student, Submission
from exgen.records import find_assignment


def class_results(session: Session, name: str) -> dict:
    """``{"students": {id: {"score", "max_score", "submitted", "items": {item: {...}}}}}`` for
    every student on the roster, in roster order; a student without a submission scores 0."""
    assignment = find_assignment(session, name)
    max_score = sum(e["points"] for e in assignment.definition["exercises"])
    students = session.scalars(
        select(Student).where(Student.assignment_id == assignment.id).order_by(Student.position)
    ).all()
    current = {
        s.student_pk: s
        for s in session.scalars(
            select(Submission).where(
                Submission.assignment_id == assignment.id,
                Submission.current.is_(True),
                Submission.student_pk.is_not(None),
            )
        )
    }
    results: dict = {}
    item_rows: dict[int, list[ItemResult]] = {}
    if current:
        for row in session.scalars(
            select(ItemResult).where(ItemResult.submission_id.in_([s.id for s in current.values()]))
            .order_by(ItemResult.submission_id, ItemResult.position)
        ):
            item_rows.setdefault(row.submission_id, []).append(row)
    for student in students:
        submission = current.get(student.id)
        items = {}
        score = 0.0
        if submission is not None:
            for row in item_rows.get(submission.id, []):
                items[row.item] = {
                    "status": row.status,
                    "score": row.score,
                    "max_score": row.max_score,
                    "submitted": row.submitted,
                    "expected": row.expected,
                    "misconception": row.misconception,
                    "feedback": row.feedback,
                }
                score += row.score
        results[student.student_id] = {
            "name": student.name,
            "score": round(score, 6),
            "max_score": max_score,
            "submitted": submission is not None,
            "items": items,
        }
    return {"assignment": assignment.name, "students": results}
