"""Class results (design §4 ``exgen results --json``) from the stored, current submissions, and
the table a teacher reads."""

from __future__ import annotations

import unicodedata
from statistics import fmean, median

from sqlalchemy import select
from sqlalchemy.orm import Session

from exgen.storage.models import ItemResult, Student, Submission
from exgen.storage.records import find_assignment

STATUS_COLUMNS = ("correct", "follow_through", "incorrect", "missing", "invalid")


def max_score(definition: dict) -> float:
    """An assignment's full marks: its exercises' points."""
    return float(sum(e["points"] for e in definition["exercises"]))


def kept_scores(session: Session, student_pks) -> dict[int, tuple[int, float]]:
    """Each student's kept score — their *current* submission (the one the assignment's
    ``keep`` policy elects, ``exgen.grading.store.elect_current``) and its total — for the
    students that have one."""
    from sqlalchemy import func

    pks = sorted(set(student_pks))
    out: dict[int, tuple[int, float]] = {}
    for n in range(0, len(pks), 500):
        rows = session.execute(
            select(Submission.student_pk, Submission.id, func.coalesce(func.sum(ItemResult.score), 0.0))
            .outerjoin(ItemResult, ItemResult.submission_id == Submission.id)
            .where(Submission.student_pk.in_(pks[n:n + 500]), Submission.current.is_(True))
            .group_by(Submission.student_pk, Submission.id)).all()
        out.update({pk: (sid, float(score)) for pk, sid, score in rows})
    return out


def class_results(session: Session, name: str) -> dict:
    """``{"students": {id: {"score", "max_score", "submitted", "items": {item: {...}}}}}`` for
    every student on the roster, in roster order; a student without a submission scores 0."""
    assignment = find_assignment(session, name)
    full_marks = max_score(assignment.definition)
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
            "max_score": full_marks,
            "submitted": submission is not None,
            "items": items,
        }
    return {"assignment": assignment.name, "exercises": [e["id"] for e in assignment.definition["exercises"]],
            "students": results}


def _plain(text: str) -> str:
    """A name as terminal text: control characters (escape sequences) shown, never run."""
    return "".join(ch if unicodedata.category(ch)[0] != "C" else "�" for ch in text)


def results_table(results: dict) -> str:
    """The class as a plain-text table: one line per student, then the class summary."""
    exercises = results.get("exercises", [])
    header = ["student_id", "name", "score", "%", *exercises, "correct", "follow-th.", "incorrect",
              "missing", "invalid"]
    lines = []
    submitted = []
    for sid, entry in results["students"].items():
        max_score = entry["max_score"]
        if not entry["submitted"]:
            lines.append([_plain(sid), _plain(entry["name"]), "not submitted", "", *([""] * len(exercises)),
                          *([""] * len(STATUS_COLUMNS))])
            continue
        submitted.append(entry["score"])
        per_exercise = {e: 0.0 for e in exercises}
        counts = dict.fromkeys(STATUS_COLUMNS, 0)
        for item, verdict in entry["items"].items():
            per_exercise[item.split(".", 1)[0]] = per_exercise.get(item.split(".", 1)[0], 0.0) + verdict["score"]
            counts[verdict["status"]] = counts.get(verdict["status"], 0) + 1
        percent = f"{100 * entry['score'] / max_score:.0f}" if max_score else ""
        lines.append([_plain(sid), _plain(entry["name"]), f"{entry['score']:.2f}/{max_score:g}", percent,
                      *(f"{per_exercise[e]:.2f}" for e in exercises), *(str(counts[s]) for s in STATUS_COLUMNS)])
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    numeric = set(range(2, len(header)))

    def fmt(row):
        return "  ".join(cell.rjust(w) if i in numeric else cell.ljust(w)
                         for i, (cell, w) in enumerate(zip(row, widths))).rstrip()

    out = [fmt(header), fmt(["-" * w for w in widths]), *(fmt(row) for row in lines)]
    total = len(results["students"])
    max_score = next(iter(results["students"].values()))["max_score"] if total else 0
    if submitted:
        out.append("")
        out.append(f"{len(submitted)} of {total} students submitted; mean {fmean(submitted):.2f}, "
                   f"median {median(submitted):.2f} of {max_score:g}")
    else:
        out.append("")
        out.append(f"no submissions yet from the {total} students (exgen grade {results['assignment']} FILE.csv)")
    return "\n".join(out)
