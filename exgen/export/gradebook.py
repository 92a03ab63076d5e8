"""Gradebook CSVs that Canvas and Moodle import: one row per student, the score from
``exgen results`` (design §4), the student named as the roster names them.

A spreadsheet treats a cell that starts with ``= + - @``, a tab or a carriage return as a
formula, so every TEXT cell that does gets a leading ``'`` (score cells are numbers we write
ourselves and are left alone). Names stay UTF-8 as they are. Scores are those of ``exgen results``,
the teacher's overrides (``exgen override``) included. A student without a submission
gets an empty grade cell — "not graded" in both LMSs — rather than a 0 that would overwrite a
grade entered there by hand.
"""

from __future__ import annotations

import csv
import io
from typing import IO

from exgen.export.decimals import score_text
from exgen.grading.sheet import defuse  # the one rule for text cells, as on answer sheets
from exgen.storage.records import AssignmentRecord


def roster_field(student: dict, *names: str) -> str:
    """A roster column by any of its usual spellings (``SIS Login ID``, ``sis_login_id``)."""
    wanted = {_normal(n) for n in names}
    for header, value in (student.get("extra") or {}).items():
        if _normal(header) in wanted and value:
            return str(value)
    return ""


def canvas(record: AssignmentRecord, results: dict, out: IO[bytes]) -> None:
    """``Student,ID,SIS User ID,SIS Login ID,Section,<assignment>`` plus Canvas's
    ``Points Possible`` row, so an import can create the assignment with its points."""
    rows = _Rows(out)
    rows.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", defuse(record.title)])
    rows.writerow(["Points Possible", "", "", "", "", score_text(_max_score(record))])
    for student, result in _students(record, results):
        rows.writerow([
            defuse(_not_points_row(student["name"] or student["student_id"])),
            defuse(roster_field(student, "canvas id", "canvas user id", "canvas_id")),
            defuse(roster_field(student, "sis user id", "sis_user_id") or student["student_id"]),
            defuse(roster_field(student, "sis login id", "sis_login_id", "login id", "login")),
            defuse(roster_field(student, "section")),
            _score(result),
        ])
    rows.close()


def moodle(record: AssignmentRecord, results: dict, out: IO[bytes]) -> None:
    """An identifier column (``ID number``, and ``Email address`` when the roster has e-mails)
    to map users by, the full name for people, and one grade column."""
    has_email = any(roster_field(s, "email", "e-mail", "email address") for s in record.students)
    header = ["ID number"] + (["Email address"] if has_email else []) + ["Full name", defuse(record.title)]
    rows = _Rows(out)
    rows.writerow(header)
    for student, result in _students(record, results):
        email = [defuse(roster_field(student, "email", "e-mail", "email address"))] if has_email else []
        rows.writerow([defuse(student["student_id"]), *email, defuse(student["name"]), _score(result)])
    rows.close()


def _not_points_row(name: str) -> str:
    """Canvas takes any row whose first cell matches /Points Possible/ for the points row; a
    student so named keeps the name, with a no-break space that the pattern does not match."""
    return name.replace("Points Possible", "Points\u00a0Possible")


def _students(record: AssignmentRecord, results: dict):
    by_id = results.get("students", {})
    for student in record.students:
        yield student, by_id.get(student["student_id"])


def _score(result: dict | None) -> str:
    """The score with the teacher's overrides in force; empty (not graded) for a student with
    neither a submission nor an override."""
    if not result or not (result.get("submitted") or result.get("overrides")):
        return ""
    return score_text(float(result["score"]))


def _max_score(record: AssignmentRecord) -> float:
    return sum(float(e["points"]) for e in record.exercises)


def _normal(header: str) -> str:
    return "".join(ch for ch in header.lower() if ch.isalnum())


class _Rows:
    """CSV rows written to a binary stream as UTF-8, one row at a time."""

    def __init__(self, out: IO[bytes]):
        self._text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        self._writer = csv.writer(self._text, lineterminator="\r\n")

    def writerow(self, row) -> None:
        self._writer.writerow(row)

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # the stream stays open: it is the caller's
