"""Plain rows and prebuilt statements for the service's hot path (a student's request).

Building a SQLAlchemy statement, and loading ORM objects from its rows, costs more than the
database takes to answer it: measured ~0.5–0.9 ms of CPU per statement against ~0.15 ms for a
prebuilt ``text()`` statement, on a request of eight statements. So what a student's request
reads and writes is written out once here, typed where the dialects differ (JSON, times and
flags on SQLite), and returns plain rows. Everything else uses the ORM models
(``exgen.storage.models``), which these statements follow column for column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, bindparam, column, text


@dataclass(frozen=True)
class AssignmentRow:
    id: int
    name: str
    title: str
    updated_at: datetime
    variants_hash: str
    definition: dict = field(hash=False, compare=False)


@dataclass(frozen=True)
class StudentRow:
    id: int
    assignment_id: int
    student_id: str
    name: str
    assignment: AssignmentRow | None = field(default=None, hash=False, compare=False)
    #: Read with the locks of a web submission held (``student_for_token(..., lock=True)``):
    #: ``assignment`` is as it is under them, and ``lock_student`` has nothing left to do.
    locked: bool = field(default=False, compare=False)


#: (Typed columns of a textual SELECT are matched by position: they follow the SELECT lists.)
_ASSIGNMENT_COLUMNS = (column("updated_at", DateTime(timezone=True)), column("variants_hash"),
                       column("definition", JSON))

_LINK_OWNER = (
    "SELECT l.generation, s.id, s.assignment_id, s.student_id, s.name, a.name AS assignment_name, "
    "a.title, a.updated_at, a.variants_hash, a.definition "
    "FROM student_links l JOIN students s ON s.id = l.student_pk JOIN assignments a ON a.id = s.assignment_id "
    "WHERE l.token_sha256 = :digest")
_LINK_OWNER_COLUMNS = (column("generation", Integer), column("id", Integer), column("assignment_id", Integer),
                       column("student_id"), column("name"), column("assignment_name"), column("title"),
                       *_ASSIGNMENT_COLUMNS)
LINK_OWNER = text(_LINK_OWNER).columns(*_LINK_OWNER_COLUMNS)
#: PostgreSQL: the link's owner with the locks of a web submission (``lock_student``), in the
#: same round trip; the assignment comes back as it is once the locks are held.
LINK_OWNER_LOCKED = text(_LINK_OWNER + " FOR SHARE OF a FOR NO KEY UPDATE OF s").columns(*_LINK_OWNER_COLUMNS)

_ASSIGNMENT = "a.id, a.name, a.title, a.updated_at, a.variants_hash, a.definition"
#: PostgreSQL: both locks in one round trip (SQLAlchemy's with_for_update names one mode only).
LOCK_STUDENT_POSTGRESQL = text(
    f"SELECT {_ASSIGNMENT} FROM assignments a JOIN students s ON s.assignment_id = a.id "
    "WHERE s.id = :student FOR SHARE OF a FOR NO KEY UPDATE OF s"
).columns(column("id", Integer), column("name"), column("title"), *_ASSIGNMENT_COLUMNS)
#: SQLite: one writer at a time; a no-op update takes the write lock before anything is read.
LOCK_STUDENT_SQLITE = text("UPDATE students SET position = position WHERE id = :student")
ASSIGNMENT = text(f"SELECT {_ASSIGNMENT} FROM assignments a WHERE a.id = :assignment").columns(
    column("id", Integer), column("name"), column("title"), *_ASSIGNMENT_COLUMNS)

#: A student's attempts so far and web submissions since ``:since`` (the rate limit); and, in the
#: same round trip, the id of the submission stored earlier under ``:sha256`` (a repeated key),
#: NULL when there is none or no key is given.
STUDENT_ATTEMPTS = text(
    "SELECT count(CASE WHEN status = 'graded' THEN 1 END) AS used, "
    "count(CASE WHEN source = 'web' AND received_at > :since THEN 1 END) AS recent, "
    "min(CASE WHEN source = 'web' AND received_at > :since THEN received_at END) AS oldest, "
    "(SELECT min(id) FROM submissions WHERE assignment_id = :assignment AND source_sha256 = :sha256) AS earlier "
    "FROM submissions WHERE student_pk = :student"
).bindparams(bindparam("since", type_=DateTime(timezone=True))).columns(
    column("used", Integer), column("recent", Integer), column("oldest", DateTime(timezone=True)),
    column("earlier", Integer))

_SUBMISSION_COLUMNS = ("assignment_id, student_ref, student_pk, source, source_name, source_sha256, line, raw, "
                       "cells, status, problem, current, attempt, late, received_at")
_INSERT_SUBMISSION = (f"INSERT INTO submissions ({_SUBMISSION_COLUMNS}) VALUES "
                      f"({', '.join(':' + name for name in _SUBMISSION_COLUMNS.split(', '))}) RETURNING id")
_SUBMISSION_TYPES = (bindparam("cells", type_=JSON(none_as_null=True)), bindparam("current", type_=Boolean),
                     bindparam("late", type_=Boolean), bindparam("received_at", type_=DateTime(timezone=True)))
INSERT_SUBMISSION = text(_INSERT_SUBMISSION).bindparams(*_SUBMISSION_TYPES)

#: The newest graded submission counts; the one that counted before no longer does.
ELECT_NEWEST = text("UPDATE submissions SET current = (id = :new) WHERE student_pk = :student AND (current OR id = :new)")
#: The score of the submission that counts now (``keep = "best"`` compares a new one with it,
#: before it is stored).
CURRENT_SCORE = text(
    "SELECT sum(r.score) FROM item_results r JOIN submissions s ON s.id = r.submission_id "
    "WHERE s.student_pk = :student AND s.current GROUP BY s.id")

#: One student's LTI passback rows become pending (their kept score may have changed; see
#: ``exgen.lti.outcomes.mark_changed``).
_PASSBACK_PENDING = ("UPDATE lti_scores SET pending = :yes, generation = generation + 1, next_try_at = NULL, "
                     "failures = 0 WHERE student_pk = :student")
PASSBACK_PENDING = text(_PASSBACK_PENDING).bindparams(bindparam("yes", type_=Boolean))

#: PostgreSQL: a graded web submission in one statement instead of four — the submission
#: (``:current``: whether it counts), its item results (one JSON parameter: an executemany sends
#: a statement per row, and a multi-row VALUES is compiled anew for every submission), the one
#: that counted before no longer counting when this one does (the statement's snapshot does not
#: hold the new row), and the student's passback made pending. Returns the new id and how many
#: passback rows became pending. (``:student_pk`` and ``:student`` are the same student.)
_ITEM_COLUMNS = ("item text, position integer, status text, score float8, max_score float8, submitted text, "
                 "value float8, expected float8, misconception text, feedback text")
_ITEM_NAMES = ", ".join(typed.split()[0] for typed in _ITEM_COLUMNS.split(", "))
GRADED_WEB_SUBMISSION = text(
    f"WITH new AS ({_INSERT_SUBMISSION}), "
    f"items AS (INSERT INTO item_results (submission_id, {_ITEM_NAMES}) SELECT new.id, {_ITEM_NAMES} "
    f"FROM new, json_to_recordset(CAST(:items AS json)) AS r({_ITEM_COLUMNS})), "
    "superseded AS (UPDATE submissions SET current = false WHERE :current AND student_pk = :student_pk AND current), "
    f"pending AS ({_PASSBACK_PENDING} RETURNING 1) "
    "SELECT new.id, (SELECT count(*) FROM pending) AS pending FROM new"
).bindparams(*_SUBMISSION_TYPES, bindparam("yes", type_=Boolean)).columns(
    column("id", Integer), column("pending", Integer))
