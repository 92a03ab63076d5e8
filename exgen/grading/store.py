"""Submissions and their results in the database: grading a file, regrading an assignment.

Rules that keep marks trustworthy:

- every row of a file is stored with its raw text, also rows that cannot be graded (unreadable,
  no or unknown student id: status ``rejected`` with the reason) and rows left blank (``empty``:
  kept, but they never replace a real submission);
- a file is recognised by the SHA-256 of its bytes, a row by its line: grading the same file
  again stores nothing new and changes nothing;
- every submission — a CSV row, a web form, a filled PDF — is marked by one function
  (:func:`mark_row`) and stored the same way, with its source (``csv``, ``web``, ``pdf``);
- one of a student's graded submissions is *current* (the one that counts), chosen by the
  assignment's ``keep`` policy — the last to arrive (default) or the best — in one place,
  :func:`elect_current`; the others are kept;
- the caller runs one file in one transaction, and graders of one assignment take turns (a row
  lock on the assignment, see ``lock_assignment``), so two ``exgen grade`` runs at once neither
  lose nor double-count a submission;
- whatever may change a student's kept score marks their LTI passback pending in the same
  transaction (``exgen.lti.outcomes.mark_changed``), so the learning platform's gradebook hears
  of it even when it is down at that moment;
- a student's own submission from the web (:func:`submit_answers`) locks only that student
  (see ``lock_student``): students of one class hand in at the same time, one student's
  attempts are counted one at a time, and a file graded meanwhile waits for them (and they
  for it).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from statistics import fmean
from typing import Callable

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from exgen.variants.assignment import GRADING_DEFAULTS
from exgen.storage.models import Assignment, ItemResult, Student, Submission
from exgen.grading.judge import Marker, credit
from exgen.grading.sheet import AnswerSheet, has_answers, sheet_items
from exgen.grading.policy import Policy, utcnow
from exgen.storage.records import AssignmentRecord, find_assignment, load_assignment
from exgen.lti.outcomes import mark_changed, marked_pending  # a kept score that may change goes back to the LMS (LTI)

GRADED, REJECTED, EMPTY = "graded", "rejected", "empty"
#: Rows judged and written per round trip (and per step of the progress bar).
CHUNK = 200


def lock_assignment(session: Session, assignment_id: int) -> None:
    """Wait until no other grader works on this assignment, then hold it until commit.

    A no-op UPDATE of the assignment's row: PostgreSQL takes a row lock (a second grader
    blocks here and, once the first commits, sees its rows); SQLite takes its write lock
    before this transaction reads any submission, so two processes cannot interleave."""
    table = Assignment.__table__
    session.execute(update(table).where(table.c.id == assignment_id)
                    .values(seed=table.c.seed, updated_at=table.c.updated_at))


def lock_student(session: Session, student):
    """Wait until no other submission of this student and no grader of the assignment is at
    work, then hold both off until commit — while other students' submissions go on. Returns
    the assignment as it is now (an ``AssignmentRow``: its policy may have changed while this
    waited).

    PostgreSQL: a share lock on the assignment's row (web submissions hold it together; a file
    grader's ``lock_assignment`` waits for them, and they for it) and an update lock on the
    student's row (a student's submissions take turns, so attempts are counted and the current
    submission elected one at a time), both in one statement — or already in the statement
    that found the student by their link (``student_for_token(..., lock=True)``). SQLite has one
    writer at a time: a no-op UPDATE takes its write lock before anything is read."""
    from exgen.storage.rows import ASSIGNMENT, LOCK_STUDENT_POSTGRESQL, LOCK_STUDENT_SQLITE, AssignmentRow

    if getattr(student, "locked", False):  # a StudentRow read with the locks held
        return student.assignment
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(LOCK_STUDENT_POSTGRESQL, {"student": student.id}).one()
    else:
        session.execute(LOCK_STUDENT_SQLITE, {"student": student.id})
        row = session.execute(ASSIGNMENT, {"assignment": student.assignment_id}).one()
    return AssignmentRow(row.id, row.name, row.title, row.updated_at, row.variants_hash, row.definition)


@dataclass
class GradeSummary:
    assignment: str
    source: str
    rows: int = 0
    already_stored: int = 0  # rows of this very file stored by an earlier run
    graded: int = 0
    answers: int = 0
    students: set = field(default_factory=set)
    scores: list = field(default_factory=list)  # total score of each graded row
    max_score: float = 0.0
    empty: int = 0
    superseded: int = 0
    rejected: list = field(default_factory=list)  # (line, student ref, problem)
    ignored_columns: list = field(default_factory=list)
    missing_columns: list = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        if self.rows and self.already_stored == self.rows:
            text = (f"{self.assignment}: {self.source} was graded before; nothing changed "
                    f"({self.rows} rows already stored")
            return text + (f", {len(self.rejected)} of them rejected)" if self.rejected else ")")
        parts = [f"{self.assignment}: {len(self.students)} students graded ({self.answers} answers)"]
        if self.scores:
            mean = fmean(self.scores)
            share = f" ({100 * mean / self.max_score:.0f} %)" if self.max_score else ""
            parts.append(f"mean score {mean:.2f} of {self.max_score:g}{share}")
        parts.append(f"{len(self.rejected)} row{'' if len(self.rejected) == 1 else 's'} rejected")
        if self.empty:
            parts.append(f"{self.empty} blank rows skipped")
        if self.superseded:
            parts.append(f"{self.superseded} earlier submissions superseded")
        if self.already_stored:
            parts.append(f"{self.already_stored} rows already stored")
        return ", ".join(parts) + f" in {self.seconds:.1f} s"


class Grader:
    """Judges rows of one assignment against its variants (one Marker per variant, built once)."""

    def __init__(self, session: Session, assignment: Assignment, record: AssignmentRecord):
        self.record = record
        self.items = sheet_items(record)
        self.position = {item: n for n, item in enumerate(self.items)}
        definition = record.definition or {}
        self.grading = {**GRADING_DEFAULTS, **definition.get("grading", {})}
        self.instructions = definition.get("instructions", {})
        self.max_score = float(sum(e["points"] for e in record.exercises))
        self.student_pk = dict(session.execute(
            select(Student.student_id, Student.id).where(Student.assignment_id == assignment.id)).all())
        self._markers: dict[tuple, Marker] = {}

    def resolve(self, ref: str) -> tuple[int | None, str, str]:
        """(student pk, student id, problem) for the id as written in the file."""
        if not ref:
            return None, "", "no student id"
        pk = self.student_pk.get(ref)
        if pk is not None:
            return pk, ref, ""
        if ref.startswith("'") and ref[1:] in self.student_pk:  # a defused id, see sheet.defuse
            return self.student_pk[ref[1:]], ref[1:], ""
        if ref.isdigit():  # a spreadsheet dropped the leading zeros of a numeric id
            matches = self._numeric_ids.get(ref.lstrip("0"), ())
            if len(matches) == 1:
                return self.student_pk[matches[0]], matches[0], ""
        return None, "", f"unknown student {ref!r} (not on the roster of {self.record.name})"

    @cached_property
    def _numeric_ids(self) -> dict[str, list[str]]:
        """Numeric student ids by their digits without leading zeros: built once, not scanned
        for every row (a sheet whose ids all lost their zeros made grading O(N²))."""
        index: dict[str, list[str]] = {}
        for sid in self.student_pk:
            if sid.isdigit():
                index.setdefault(sid.lstrip("0"), []).append(sid)
        return index

    def marker(self, variant) -> Marker:
        key = (variant.student_id, variant.exercise)
        marker = self._markers.get(key)
        if marker is None:
            marker = self._markers[key] = Marker.for_variant(variant, self.instructions)
        return marker

    def reads_decimal_comma(self, source_uses_it: bool) -> bool:
        """Whether "1,181" is 1.181 in a submission: the assignment's ``decimal_comma`` setting,
        or under "auto" whether its source writes decimal commas (a ';' sheet, a locale)."""
        setting = self.grading.get("decimal_comma", "auto")
        return bool(source_uses_it) if setting == "auto" else bool(setting)

    def judge(self, student_id: str, cells: dict[str, str], decimal_comma: bool = False) -> list[dict]:
        """Item-result rows (without submission id) for one student's cells, in sheet order;
        ``decimal_comma``: the submission's source writes decimal commas."""
        comma = self.reads_decimal_comma(decimal_comma)
        rows = []
        for exercise in self.record.exercises:
            variant = self.record.variant(student_id, exercise["key"])
            if variant is None or not variant.asked:
                continue
            prefix = exercise["key"] + "."
            answers = {item: cells.get(prefix + item, "") for item in variant.asked}
            verdicts = self.marker(variant).judge(answers, comma)
            share = float(variant.points) / len(verdicts)
            for v in verdicts:
                item = prefix + v.item
                rows.append({
                    "item": item,
                    "position": self.position.get(item, len(self.position)),
                    "status": v.status,
                    "score": share * credit(v.status, self.grading),
                    "max_score": share,
                    "submitted": v.submitted,
                    "value": v.value,
                    "expected": v.expected,
                    "misconception": v.misconception,
                    "feedback": v.feedback,
                })
        return rows


@dataclass
class Marked:
    """What one stored row comes to: its status, whose it is, and its item results."""

    status: str  # GRADED, REJECTED or EMPTY
    student_pk: int | None = None
    student_id: str = ""
    problem: str = ""
    items: list = field(default_factory=list)  # item-result rows (without submission id)

    @property
    def score(self) -> float:
        return sum(r["score"] for r in self.items)


def mark_row(grader: Grader, student_ref: str, cells: dict | None, problem: str = "",
             decimal_comma: bool = False) -> Marked:
    """Mark one submission (a sheet row, a web form, a filled PDF) from what was stored of it:
    rejected when it cannot be read (``problem``) or its student is unknown, empty when it holds
    no answer, otherwise graded. The one rule for grading and regrading alike. ``decimal_comma``:
    the submission comes from where the comma is the decimal separator (a ';'-separated sheet;
    a web form under such a locale, see ``exgen.grading.reading.locale_uses_decimal_comma``);
    store it with the submission (``Submission.decimal_comma``) so a regrade reads it alike."""
    if problem or cells is None:
        return Marked(REJECTED, problem=problem or "the row cannot be read")
    pk, student_id, problem = grader.resolve(student_ref)
    if problem:
        return Marked(REJECTED, problem=problem)
    if not has_answers(cells, grader.items):
        return Marked(EMPTY, pk, student_id)
    return Marked(GRADED, pk, student_id, items=grader.judge(student_id, cells, decimal_comma))


def keep_policy(definition: dict | None) -> str:
    """Which of a student's graded submissions counts: ``last`` (default) or ``best``."""
    return ((definition or {}).get("service") or {}).get("keep", "last")


def elect_current(session: Session, assignment_id: int, student_pks, keep: str = "last") -> int:
    """Mark, for each of these students, the graded submission that counts as *current* — the
    last to arrive, or under ``keep = "best"`` the highest score (the later one on a tie) — and
    every other of theirs as not current. Returns how many students' current submission changed
    from an earlier one (superseded)."""
    pks = sorted(set(pk for pk in student_pks if pk is not None))
    if not pks:
        return 0
    scores = func.coalesce(select(func.sum(ItemResult.score)).where(ItemResult.submission_id == Submission.id)
                           .correlate(Submission).scalar_subquery(), 0.0)
    # Every submission of these students, read in chunks of 500 students.
    rows = []
    for n in range(0, len(pks), 500):
        rows += session.execute(
            select(Submission.id, Submission.student_pk, Submission.status, Submission.current, scores,
                   Submission.source_sha256, Submission.line)
            .where(Submission.assignment_id == assignment_id, Submission.student_pk.in_(pks[n:n + 500]))
        ).all()
    # The order of arrival: files in the order they were graded (graders of one assignment take
    # turns, so a file's first id orders it), rows in file order; a web submission is a file of
    # its own. Only the files these students appear in are looked at, so electing one student's
    # submission costs the same in a class of 10 or of 1,000; and each file is grouped once per
    # call (grouped again for every 500 students, a class-wide sheet cost O(N²)).
    files = sorted({sha256 for *_, sha256, _ in rows})
    file_order: dict[str, int] = {}
    for n in range(0, len(files), 500):
        file_order.update(session.execute(
            select(Submission.source_sha256, func.min(Submission.id))
            .where(Submission.assignment_id == assignment_id, Submission.source_sha256.in_(files[n:n + 500]))
            .group_by(Submission.source_sha256)).all())
    chosen: dict[int, tuple] = {}  # pk -> (rank..., submission id)
    was: dict[int, int] = {}
    for sid, pk, status, current, score, sha256, line in rows:
        if current:
            was[pk] = sid
        if status != GRADED:
            continue
        arrival = (file_order[sha256], line)
        rank = (round(score, 9), arrival, sid) if keep == "best" else (arrival, sid)
        if pk not in chosen or rank > chosen[pk]:
            chosen[pk] = rank
    winners = {pk: rank[-1] for pk, rank in chosen.items()}
    table = Submission.__table__
    session.execute(update(table).where(table.c.assignment_id == assignment_id, table.c.student_pk.in_(pks),
                                        table.c.current.is_(True)).values(current=False))
    if winners:
        session.execute(update(table).where(table.c.id.in_(list(winners.values()))).values(current=True))
    return sum(1 for pk, sid in winners.items() if pk in was and was[pk] != sid)


class GradingRun:
    """One grading run on one assignment: any number of files (answer sheets, filled
    worksheets), graded in the caller's transaction. The assignment is locked, loaded and its
    markers built once for the whole run."""

    def __init__(self, session: Session, name: str):
        self.session = session
        self.assignment = find_assignment(session, name)
        lock_assignment(session, self.assignment.id)
        self.record = load_assignment(session, name)
        self.grader = Grader(session, self.assignment, self.record)
        self.attempts = _attempts_so_far(session, self.assignment.id)

    def grade(self, sheet: AnswerSheet, progress: Callable[[int], None] | None = None,
              source: str = "csv") -> GradeSummary:
        """Grade and store every row of a read answer sheet (or of a filled worksheet read
        into one). ``source`` says how the rows came in (``csv``, or ``pdf``)."""
        start = time.perf_counter()
        session, assignment, grader = self.session, self.assignment, self.grader
        present = set(sheet.columns)
        summary = GradeSummary(self.record.name, sheet.source, rows=len(sheet.rows), max_score=grader.max_score,
                               ignored_columns=list(sheet.ignored),
                               missing_columns=[i for i in grader.items if i not in present])

        stored = {line: (ref, status, problem) for line, ref, status, problem in session.execute(
            select(Submission.line, Submission.student_ref, Submission.status, Submission.problem).where(
                Submission.assignment_id == assignment.id, Submission.source_sha256 == sheet.sha256))}
        new_rows = []
        for row in sheet.rows:
            if row.line in stored:
                ref, status, problem = stored[row.line]
                summary.already_stored += 1
                if status == REJECTED:
                    summary.rejected.append((row.line, ref, problem))
                continue
            new_rows.append(row)
        if progress and summary.already_stored:
            progress(summary.already_stored)

        attempts = self.attempts
        graded_pks = []
        for n in range(0, len(new_rows), CHUNK):
            chunk = new_rows[n:n + CHUNK]
            submissions, results = [], []
            for row in chunk:
                marked = mark_row(grader, row.student_ref, row.cells, row.problem, sheet.decimal_comma)
                attempt = None
                if marked.status == GRADED:
                    summary.graded += 1
                    summary.students.add(marked.student_id)
                    summary.answers += len(marked.items)
                    summary.scores.append(marked.score)
                    graded_pks.append(marked.student_pk)
                    attempt = attempts[marked.student_pk] = attempts.get(marked.student_pk, 0) + 1
                elif marked.status == EMPTY:
                    summary.empty += 1
                else:
                    summary.rejected.append((row.line, row.student_ref, marked.problem))
                submissions.append({
                    "assignment_id": assignment.id,
                    "student_ref": row.student_ref[:300],
                    "student_pk": marked.student_pk,
                    "source": source,
                    "source_name": sheet.source[-500:],
                    "source_sha256": sheet.sha256,
                    "line": row.line,
                    "raw": row.raw,
                    "cells": row.cells,
                    "status": marked.status,
                    "problem": marked.problem,
                    "current": False,  # elected below, once every row of the file is in
                    "attempt": attempt,
                    "decimal_comma": sheet.decimal_comma,
                })
                results.append(marked.items)
            _insert(session, submissions, results)
            if progress:
                progress(len(chunk))
        summary.superseded = elect_current(session, assignment.id, graded_pks, keep_policy(self.record.definition))
        mark_changed(session, graded_pks)
        summary.seconds = time.perf_counter() - start
        return summary


def grade_sheet(session: Session, name: str, sheet: AnswerSheet,
                progress: Callable[[int], None] | None = None, source: str = "csv") -> GradeSummary:
    """Grade and store every row of a read answer sheet (the caller commits or rolls back).
    ``source`` says how the rows came in (``csv``, or ``pdf`` for a filled worksheet)."""
    return GradingRun(session, name).grade(sheet, progress, source)


def _attempts_so_far(session: Session, assignment_id: int) -> dict[int, int]:
    """Graded submissions per student so far: the next one is attempt n + 1."""
    return dict(session.execute(
        select(Submission.student_pk, func.count(Submission.id))
        .where(Submission.assignment_id == assignment_id, Submission.status == GRADED,
               Submission.student_pk.is_not(None))
        .group_by(Submission.student_pk)).all())


def _insert(session: Session, submissions: list[dict], results: list[list[dict]]) -> None:
    """Bulk-insert rows of one file and their item results. RETURNING comes back in no
    guaranteed order (asking for parameter order makes SQLite insert row by row), so the new ids
    are matched by line, unique within a file."""
    if not submissions:
        return
    table = Submission.__table__  # Core inserts: the ORM's per-row bookkeeping doubles the cost
    ids = dict((line, sid) for sid, line in session.execute(
        insert(table).returning(table.c.id, table.c.line), submissions).all())
    rows = [{**r, "submission_id": ids[sub["line"]]} for sub, item_rows in zip(submissions, results)
            for r in item_rows]
    if rows:
        session.execute(insert(ItemResult.__table__), rows)


# -- regrading ---------------------------------------------------------------------------------
@dataclass
class RegradeSummary:
    assignment: str
    submissions: int = 0
    graded: int = 0
    rejected: int = 0
    changed: int = 0  # graded submissions whose score changed
    before: list = field(default_factory=list)  # scores of the current submissions, before
    after: list = field(default_factory=list)
    max_score: float = 0.0
    seconds: float = 0.0

    def line(self) -> str:
        parts = [f"{self.assignment}: {self.submissions} stored rows re-marked "
                 f"({self.graded} graded, {self.rejected} rejected)", f"{self.changed} scores changed"]
        if self.after:
            before = f"{fmean(self.before):.2f} → " if self.before else ""
            parts.append(f"mean score {before}{fmean(self.after):.2f} of {self.max_score:g}")
        return ", ".join(parts) + f" in {self.seconds:.1f} s"


def regrade(session: Session, name: str, progress: Callable[[int], None] | None = None) -> RegradeSummary:
    """Re-mark every stored row from its stored cells under the assignment's current settings
    and variants; a row of a student added to the roster since is graded now."""
    start = time.perf_counter()
    assignment = find_assignment(session, name)
    lock_assignment(session, assignment.id)
    record = load_assignment(session, name)
    grader = Grader(session, assignment, record)
    summary = RegradeSummary(name, max_score=grader.max_score)
    subs = session.execute(
        select(Submission.id, Submission.student_ref, Submission.cells, Submission.status,
               Submission.problem, Submission.current, Submission.decimal_comma)
        .where(Submission.assignment_id == assignment.id).order_by(Submission.id)).all()
    summary.submissions = len(subs)
    old_scores = dict(session.execute(
        select(ItemResult.submission_id, func.sum(ItemResult.score))
        .join(Submission, Submission.id == ItemResult.submission_id)
        .where(Submission.assignment_id == assignment.id).group_by(ItemResult.submission_id)).all())
    summary.before = [old_scores.get(s.id, 0.0) for s in subs if s.current]
    session.execute(delete(ItemResult).where(ItemResult.submission_id.in_(
        select(Submission.id).where(Submission.assignment_id == assignment.id))
    ).execution_options(synchronize_session=False))

    changes, results = [], []
    for n, sub in enumerate(subs, 1):
        if sub.cells is None and sub.status == REJECTED:  # unreadable when it came: it stays so
            marked = Marked(REJECTED, problem=sub.problem)
        else:
            marked = mark_row(grader, sub.student_ref, sub.cells, decimal_comma=sub.decimal_comma)
        if marked.status == GRADED:
            score = marked.score
            if abs(score - old_scores.get(sub.id, 0.0)) > 1e-9 or sub.status != GRADED:
                summary.changed += 1
        summary.graded += marked.status == GRADED
        summary.rejected += marked.status == REJECTED
        changes.append({"id": sub.id, "student_pk": marked.student_pk, "status": marked.status,
                        "problem": marked.problem, "current": False})
        results.append([{**r, "submission_id": sub.id} for r in marked.items])
        if progress and n % CHUNK == 0:
            progress(CHUNK)
    if changes:
        session.execute(update(Submission), changes)
    rows = [r for item_rows in results for r in item_rows]
    for n in range(0, len(rows), 5000):
        session.execute(insert(ItemResult.__table__), rows[n:n + 5000])
    pks = [c["student_pk"] for c in changes if c["status"] == GRADED]
    elect_current(session, assignment.id, pks, keep_policy(record.definition))
    mark_changed(session, [c["student_pk"] for c in changes])
    current = set(session.scalars(select(Submission.id).where(
        Submission.assignment_id == assignment.id, Submission.current.is_(True))))
    summary.after = [sum(r["score"] for r in item_rows) for sub, item_rows in zip(subs, results) if sub.id in current]
    if progress:
        progress(len(subs) % CHUNK)
    summary.seconds = time.perf_counter() - start
    return summary


# -- the web: one student's own answers ---------------------------------------------------------
#: A web submission's raw text is kept up to this many characters (the HTTP layer refuses
#: larger bodies before they are read).
MAX_RAW = 200_000
WEB = "web"
#: How a refusal by the policy starts its stored ``problem`` (a repeated request reads it back).
LATE_REFUSED = "handed in after the due time"
NO_ATTEMPTS = "no attempts left"


@dataclass
class WebOutcome:
    """What became of one web submission: stored as ``status`` (graded, rejected or empty),
    and ``refused`` (``"attempts"``, ``"late"``, ``"rate"``) when the policy refused it."""

    status: str
    submission_id: int | None = None
    attempt: int | None = None  # the student's n-th graded submission
    attempts_used: int = 0  # graded submissions of the student, this one included
    late: bool = False
    received_at: datetime | None = None
    problem: str = ""
    refused: str = ""
    retry_after: int = 0  # seconds, when refused for the rate
    duplicate: bool = False  # the same submission (its key) arrived before: that one is returned
    items: list = field(default_factory=list)  # item-result rows, in sheet order
    max_score: float = 0.0

    @property
    def score(self) -> float:
        return sum(r["score"] for r in self.items)


class _Graders:
    """One Grader per assignment and process, built again when the assignment changes (its
    definition or variants) or a student is new to it: web submissions arrive one at a time,
    and loading a class's variants for each would cost more than judging."""

    def __init__(self):
        self._lock = threading.Lock()
        self._graders: dict[int, tuple[tuple, Grader]] = {}

    def get(self, session: Session, assignment: Assignment, student_id: str) -> Grader:
        version = (assignment.updated_at, assignment.variants_hash, assignment.definition.get("service"))
        with self._lock:
            cached = self._graders.get(assignment.id)
        if cached and cached[0] == version and student_id in cached[1].student_pk:
            return cached[1]
        grader = Grader(session, assignment, load_assignment(session, assignment.name))
        with self._lock:
            self._graders[assignment.id] = (version, grader)
        return grader

    def clear(self) -> None:
        with self._lock:
            self._graders.clear()


GRADERS = _Graders()


def student_attempts(session: Session, student_pk: int, since: datetime | None = None,
                     earlier: tuple[int, str] | None = None) -> tuple[int, int, datetime | None, int | None]:
    """(graded submissions of a student, web submissions since ``since``, the oldest of those,
    the id of the submission stored before under ``earlier`` = (assignment id, source SHA-256),
    or None), in one round trip."""
    from exgen.storage.rows import STUDENT_ATTEMPTS

    if since is None:
        since = datetime.max.replace(tzinfo=timezone.utc) - timedelta(days=1)
    assignment_id, sha256 = earlier or (None, None)
    row = session.execute(STUDENT_ATTEMPTS, {"student": student_pk, "since": since, "assignment": assignment_id,
                                             "sha256": sha256}).one()
    return row.used, row.recent, row.oldest, row.earlier


def submit_answers(session: Session, student: Student, cells: dict | None, raw: str, *,
                   problem: str = "", key: str | None = None, per_minute: int | None = None,
                   now: datetime | None = None) -> WebOutcome:
    """Store and mark one student's answers from the web, under the assignment's policy.

    ``cells``: item -> text as typed, or None when the request could not be read (``problem``
    says why; the raw text is stored all the same, as a rejected submission). ``key``: the
    client's name for this submission (the page's form carries one): the same key again is the
    same submission (a double click, a reload), answered with what was stored the first time.
    ``per_minute``: at most this many web submissions of one student in any 60 s, counted in
    the database, so every app process on it counts the same (``refused = "rate"``: nothing is
    stored). The policy's refusals (no attempts left, late work refused) are stored as rejected
    submissions with the reason. The caller commits."""
    now = now or utcnow()
    assignment = lock_student(session, student)
    policy = Policy.of(assignment.definition)
    salt = key if key else uuid.uuid4().hex
    sha256 = hashlib.sha256(f"{WEB}\x1f{student.id}\x1f{salt}".encode()).hexdigest()
    since = now - timedelta(seconds=60)
    used, recent, oldest, earlier = student_attempts(session, student.id, since,
                                                     (assignment.id, sha256) if key else None)
    if earlier is not None:
        return _stored_outcome(session, session.get(Submission, earlier), policy)
    if per_minute and recent >= per_minute:
        if oldest is not None and oldest.tzinfo is None:  # SQLite keeps naive UTC
            oldest = oldest.replace(tzinfo=now.tzinfo)
        wait = 60 - (now - oldest).total_seconds() if oldest is not None else 60
        return WebOutcome("", attempts_used=used, refused="rate", retry_after=max(1, int(wait + 0.999)))

    grader = GRADERS.get(session, assignment, student.student_id)
    late = policy.is_late(now)
    refused = ""
    if problem or cells is None:
        marked = Marked(REJECTED, student.id, student.student_id, problem=problem or "the request cannot be read")
    elif late and policy.late == "refuse":
        refused = "late"
        marked = Marked(REJECTED, student.id, student.student_id,
                        problem=f"{LATE_REFUSED} ({policy.due.isoformat()}); late work is refused")
    elif policy.attempts and used >= policy.attempts:
        refused = "attempts"
        marked = Marked(REJECTED, student.id, student.student_id,
                        problem=f"{NO_ATTEMPTS} ({used} of {policy.attempts} used)")
    else:
        marked = mark_row(grader, student.student_id, cells)
    attempt = used + 1 if marked.status == GRADED else None
    submission_id = _store_web(session, marked, {
        "assignment_id": assignment.id,
        "student_ref": student.student_id[:300],
        "student_pk": student.id,
        "source": WEB,
        "source_name": f"web: {student.student_id}"[:500],
        "source_sha256": sha256,
        "line": 1,
        "raw": raw[:MAX_RAW],
        "cells": cells,
        "status": marked.status,
        "problem": marked.problem,
        "current": False,
        "attempt": attempt,
        "late": late,
        "received_at": now,
    }, policy.keep)
    return WebOutcome(marked.status, submission_id, attempt, used + (attempt is not None), late, now,
                      marked.problem, refused, items=marked.items, max_score=grader.max_score)


def _store_web(session: Session, marked: Marked, submission: dict, keep: str) -> int:
    """Store a web submission (``submission``: its row, not current) with its item results; a
    graded one is elected (:func:`_counts_now`) and marks the student's passback pending.
    Returns its id. PostgreSQL: a graded one in one statement (``GRADED_WEB_SUBMISSION``)."""
    from exgen.storage.rows import ELECT_NEWEST, GRADED_WEB_SUBMISSION, INSERT_SUBMISSION

    if marked.status != GRADED:
        return session.execute(INSERT_SUBMISSION, submission).scalar_one()
    student_pk = submission["student_pk"]
    current = _counts_now(session, student_pk, marked.score, keep)
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(GRADED_WEB_SUBMISSION, {**submission, "current": current, "student": student_pk,
                                                      "yes": True, "items": json.dumps(marked.items)}).one()
        marked_pending(session, row.pending)
        return row.id
    submission_id = session.execute(INSERT_SUBMISSION, submission).scalar_one()
    if marked.items:
        session.execute(insert(ItemResult.__table__), [{**r, "submission_id": submission_id} for r in marked.items])
    if current:
        session.execute(ELECT_NEWEST, {"student": student_pk, "new": submission_id})
    mark_changed(session, [student_pk])
    return submission_id


def _counts_now(session: Session, student_pk: int, score: float, keep: str) -> bool:
    """Whether a student's newest graded submission, about to be stored, counts — :func:`elect_current`
    for one student whose newest submission is arriving (under their lock, so it is the last to
    arrive): always under ``last``, and under ``best`` when it scores at least as well as the one
    that counts now (a tie goes to the later one). One statement, or none, instead of ranking
    every submission of the student again."""
    from exgen.storage.rows import CURRENT_SCORE

    if keep != "best":
        return True
    best = session.execute(CURRENT_SCORE, {"student": student_pk}).scalar()
    return best is None or round(score, 9) >= round(best, 9)


def _stored_outcome(session: Session, submission: Submission, policy: Policy) -> WebOutcome:
    used, _, _, _ = student_attempts(session, submission.student_pk)
    items = [{"item": r.item, "position": r.position, "status": r.status, "score": r.score,
              "max_score": r.max_score, "submitted": r.submitted, "value": r.value, "expected": r.expected,
              "misconception": r.misconception, "feedback": r.feedback}
             for r in session.scalars(select(ItemResult).where(ItemResult.submission_id == submission.id)
                                      .order_by(ItemResult.position))]
    refused = ("late" if submission.problem.startswith(LATE_REFUSED)
               else "attempts" if submission.problem.startswith(NO_ATTEMPTS) else "")
    record_max = session.get(Assignment, submission.assignment_id).definition["exercises"]
    return WebOutcome(submission.status, submission.id, submission.attempt, used, submission.late,
                      submission.received_at, submission.problem, refused, duplicate=True, items=items,
                      max_score=float(sum(e["points"] for e in record_max)))


def latest_submission(session: Session, student_pk: int) -> Submission | None:
    """The student's last stored submission from any source (what their page shows again)."""
    return session.scalar(select(Submission).where(Submission.student_pk == student_pk)
                          .order_by(Submission.id.desc()).limit(1))


def submission_outcome(session: Session, submission: Submission) -> WebOutcome:
    """A stored submission as an outcome (for showing it again)."""
    policy = Policy.of(session.get(Assignment, submission.assignment_id).definition)
    outcome = _stored_outcome(session, submission, policy)
    outcome.duplicate = False
    return outcome
