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


def _scored_items(rows, mine: dict, infos: dict, grading: dict) -> dict:
    """A student's items as results show them: their current submission's verdicts (``rows``,
    or None) with the teacher's overrides (``mine``, item -> Override) in force."""
    from exgen.grading.overrides import apply

    items = {}
    for row in rows or []:
        items[row.item] = {
            "status": row.status,
            "score": row.score,
            "max_score": row.max_score,
            "submitted": row.submitted,
            "expected": row.expected,
            "misconception": row.misconception,
            "feedback": row.feedback,
        }
    for item, override in mine.items():
        items[item] = apply(items.get(item), override, infos.get(item), grading)
    return items


def kept_scores(session: Session, assignment, student_pks) -> dict[int, tuple[int, float]]:
    """What counts for each of these students, as ``class_results`` reports it: (their current
    submission's id — the one the ``keep`` policy elects — or 0, and their score with the
    teacher's overrides in force), for the students that have either."""
    from exgen.grading.overrides import item_info
    from exgen.storage.models import Override

    pks = sorted(set(student_pks))
    current = dict(session.execute(select(Submission.student_pk, Submission.id).where(
        Submission.assignment_id == assignment.id, Submission.current.is_(True),
        Submission.student_pk.in_(pks))).all()) if pks else {}
    rows: dict[int, list[ItemResult]] = {}
    if current:
        for row in session.scalars(select(ItemResult).where(ItemResult.submission_id.in_(list(current.values())))
                                   .order_by(ItemResult.submission_id, ItemResult.position)):
            rows.setdefault(row.submission_id, []).append(row)
    overrides: dict[int, dict] = {}
    if pks:
        for row in session.scalars(select(Override).where(Override.student_pk.in_(pks)).order_by(Override.id)):
            overrides.setdefault(row.student_pk, {})[row.item] = row
    unsubmitted = [pk for pk in overrides if pk not in current]
    infos = item_info(session, assignment.id, unsubmitted) if unsubmitted else {}
    grading = assignment.definition.get("grading") or {}
    out = {}
    for pk in pks:
        if pk not in current and pk not in overrides:
            continue
        items = _scored_items(rows.get(current.get(pk)), overrides.get(pk, {}), infos.get(pk, {}), grading)
        out[pk] = (current.get(pk, 0), round(sum(v["score"] for v in items.values()), 6))
    return out


def class_results(session: Session, name: str, flags: bool = True) -> dict:
    """``{"students": {id: {"score", "max_score", "submitted", "items": {item: {...}}}}}`` for
    every student on the roster, in roster order; a student without a submission scores 0.

    A teacher's override (``exgen override``) is in force wherever it exists: the item shows its
    status and score, and ``"override"`` (who, when, why, and the grader's own verdict); the
    student's ``"overrides"`` counts them. ``"flags"`` lists evidence for the teacher to look
    at — answers that fit another student's variant better than the student's own (see
    ``exgen.grading.copies``); a flag never changes a score. ``flags=False`` skips that search."""
    from exgen.grading.overrides import item_info, overrides_by_student

    assignment = find_assignment(session, name)
    exercises = assignment.definition["exercises"]
    max_score = sum(e["points"] for e in exercises)
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
    overrides = overrides_by_student(session, assignment.id)
    # items of students overridden without a (current) submission: their points from the variant
    unsubmitted = [pk for pk in overrides if pk not in current]
    infos = item_info(session, assignment.id, unsubmitted) if unsubmitted else {}
    grading = assignment.definition.get("grading") or {}
    for student in students:
        submission = current.get(student.id)
        mine = overrides.get(student.id, {})
        items = _scored_items(item_rows.get(submission.id) if submission is not None else None, mine,
                              infos.get(student.id, {}), grading)
        results[student.student_id] = {
            "name": student.name,
            "score": round(sum(v["score"] for v in items.values()), 6),
            "max_score": max_score,
            "submitted": submission is not None,
            "overrides": len(mine),
            "flags": [],
            "items": items,
        }
    out = {"assignment": assignment.name, "exercises": [e["id"] for e in exercises], "students": results}
    if flags:
        from exgen.grading.copies import flag_copies

        flag_copies(session, assignment, out)
    return out


def terminal_text(text: str) -> str:
    """A name as terminal text: control characters (escape sequences) shown, never run."""
    return "".join(ch if unicodedata.category(ch)[0] != "C" else "�" for ch in text)


def results_table(results: dict) -> str:
    """The class as a plain-text table: one line per student, then the class summary."""
    exercises = results.get("exercises", [])
    header = ["student_id", "name", "score", "%", *exercises, "correct", "follow-th.", "incorrect",
              "missing", "invalid", "overr.", "flags"]
    lines = []
    submitted = []
    flagged = overridden = 0
    for sid, entry in results["students"].items():
        max_score = entry["max_score"]
        flags = flag_text(entry.get("flags") or [])
        overrides = str(entry.get("overrides") or "")
        flagged += bool(flags)
        overridden += bool(overrides)
        if not entry["submitted"] and not overrides:
            lines.append([terminal_text(sid), terminal_text(entry["name"]), "not submitted", "", *([""] * len(exercises)),
                          *([""] * len(STATUS_COLUMNS)), overrides, flags])
            continue
        submitted.append(entry["score"])
        per_exercise = {e: 0.0 for e in exercises}
        counts = dict.fromkeys(STATUS_COLUMNS, 0)
        for item, verdict in entry["items"].items():
            per_exercise[item.split(".", 1)[0]] = per_exercise.get(item.split(".", 1)[0], 0.0) + verdict["score"]
            counts[verdict["status"]] = counts.get(verdict["status"], 0) + 1
        percent = f"{100 * entry['score'] / max_score:.0f}" if max_score else ""
        lines.append([terminal_text(sid), terminal_text(entry["name"]), f"{entry['score']:.2f}/{max_score:g}", percent,
                      *(f"{per_exercise[e]:.2f}" for e in exercises), *(str(counts[s]) for s in STATUS_COLUMNS),
                      overrides, flags])
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    numeric = set(range(2, len(header) - 1))

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
    if overridden:
        out.append(f"{overridden} student{'s' if overridden != 1 else ''} with items overridden by hand "
                   "(overr.: how many; exgen results --json shows who, when and why)")
    if flagged:
        out.append(f"{flagged} student{'s' if flagged != 1 else ''} flagged: answers that fit a classmate's "
                   "variant and not their own (≈ whose, exercise, answers); compare the submissions — "
                   "scores are unchanged")
    return "\n".join(out)


def flag_text(flags: list[dict]) -> str:
    """``≈s005 q1 6/11, q2 16/31``: whose variant the answers fit, where, how many."""
    by_other: dict[str, list[str]] = {}
    for flag in flags:
        by_other.setdefault(flag["other"], []).append(f"{flag['exercise']} {flag['count']}/{flag['of']}")
    return "; ".join(f"≈{terminal_text(other)} {', '.join(parts)}" for other, parts in by_other.items())
