"""The database schema. Models are the truth; Alembic migrations in ``migrations/`` follow them
(a test upgrades an empty database and asserts there is no drift)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Constraint names are explicit so migrations (and SQLite batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Assignment(Base):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    course: Mapped[str] = mapped_column(String(300), default="")
    seed: Mapped[int] = mapped_column(Integer)
    #: The assignment file as validated (exercises, instructions, grading settings).
    definition: Mapped[dict] = mapped_column(JSON)
    #: Hash of what fixes the variants (seed + exercises): a change must not go unnoticed.
    variants_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    exercises: Mapped[list[Exercise]] = relationship(
        back_populates="assignment", order_by="Exercise.position", cascade="all, delete-orphan"
    )
    students: Mapped[list[Student]] = relationship(
        back_populates="assignment", order_by="Student.position", cascade="all, delete-orphan"
    )


class Exercise(Base):
    __tablename__ = "exercises"
    __table_args__ = (UniqueConstraint("assignment_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(50))  # "q1": the prefix of answer-sheet items
    position: Mapped[int] = mapped_column(Integer)
    points: Mapped[float] = mapped_column(Float)
    #: The exercise as validated: its family (or fixed spec) and the asked quantities.
    definition: Mapped[dict] = mapped_column(JSON)

    assignment: Mapped[Assignment] = relationship(back_populates="exercises")


class Student(Base):
    __tablename__ = "students"
    __table_args__ = (UniqueConstraint("assignment_id", "student_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[str] = mapped_column(String(100))  # as on the roster
    name: Mapped[str] = mapped_column(String(300), default="")
    #: Other roster columns (email, section ...), kept for gradebook exports.
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer)  # roster order, for listings only
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="students")


class Variant(Base):
    __tablename__ = "variants"
    __table_args__ = (UniqueConstraint("exercise_id", "student_pk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    student_pk: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))  # short code printed on the worksheet
    spec: Mapped[dict] = mapped_column(JSON)  # design §1 format
    #: Items asked, in the order the work is done ("dL/dW1[1,2]", without the exercise prefix).
    asked: Mapped[list] = mapped_column(JSON)
    #: Exact values (design §2 ``exact`` strings) of every computed cell, keyed by item.
    exact: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    exercise: Mapped[Exercise] = relationship()
    student: Mapped[Student] = relationship()


class Submission(Base):
    """One row of an answer sheet as it arrived, kept even when it cannot be read."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("assignment_id", "source_sha256", "line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    student_ref: Mapped[str] = mapped_column(String(300))  # the id as written in the file
    student_pk: Mapped[int | None] = mapped_column(
        ForeignKey("students.id", ondelete="SET NULL"), index=True, nullable=True
    )
    #: How it came in: "csv" (an answer-sheet row), "web" (the student's page), "pdf" (a filled
    #: worksheet). Every source is marked and stored the same way.
    source: Mapped[str] = mapped_column(String(10), default="csv", server_default="csv")
    source_name: Mapped[str] = mapped_column(String(500))
    source_sha256: Mapped[str] = mapped_column(String(64))
    line: Mapped[int] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)  # the row's text exactly as in the file
    cells: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # header -> cell text
    #: "graded", or "rejected" (unknown student, unreadable row) with ``problem`` saying why.
    status: Mapped[str] = mapped_column(String(20))
    problem: Mapped[str] = mapped_column(Text, default="")
    #: Whether this is the submission that counts for its student (the last, or the best under
    #: the assignment's ``keep`` policy; see ``exgen.grading.store.elect_current``).
    current: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The student's n-th graded submission (any source); None for rows not graded.
    attempt: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Handed in after the assignment's due time (web submissions under ``late = "accept"``).
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    #: Came from where the comma is the decimal separator (a ';'-separated sheet, a web form
    #: under such a locale): under ``[grading] decimal_comma = "auto"`` "1,181" reads 1.181.
    decimal_comma: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    results: Mapped[list[ItemResult]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="ItemResult.position"
    )


class ItemResult(Base):
    """The verdict on one answer-sheet item of one submission."""

    __tablename__ = "item_results"
    __table_args__ = (UniqueConstraint("submission_id", "item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(100))  # "q2.dL/dW1[1,2]"
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # correct, follow_through, incorrect, missing, invalid
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    submitted: Mapped[str] = mapped_column(Text, default="")
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    expected: Mapped[float] = mapped_column(Float)
    misconception: Mapped[str] = mapped_column(String(50), default="")
    feedback: Mapped[str] = mapped_column(Text, default="")

    submission: Mapped[Submission] = relationship(back_populates="results")


class Override(Base):
    """A teacher's decision on one item of one student (``exgen override``): it replaces the
    grader's status and score wherever results are shown, and outlives every regrade (the
    grader never writes here)."""

    __tablename__ = "overrides"
    __table_args__ = (UniqueConstraint("student_pk", "item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    student_pk: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(100))  # "q2.dL/dW1[1,2]"
    status: Mapped[str] = mapped_column(String(20))  # correct, follow_through, incorrect, missing, invalid
    #: Points given; None: what the status earns under the assignment's grading settings.
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    note: Mapped[str] = mapped_column(Text)  # why (shown to the teacher, e.g. "regraded by hand")
    by: Mapped[str] = mapped_column(String(100))  # who decided: the OS user, or --by
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Secret(Base):
    """A per-database key, made on first use (see ``exgen.storage.secrets``): what student links
    and worksheet tickets are derived from, so every app process on one database agrees."""

    __tablename__ = "secrets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(100))  # urlsafe base64 of 32 random bytes
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StudentLink(Base):
    """A student's private link to their own variant (design §9): only the token's SHA-256 is
    stored; the token itself is derived again when a link is printed (``exgen.storage.links``)."""

    __tablename__ = "student_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_pk: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), unique=True)
    #: Raised by ``exgen links --rotate``: the old link stops working, a new one is derived.
    generation: Mapped[int] = mapped_column(Integer, default=1)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TeacherToken(Base):
    """A teacher's bearer token for the service's API and dashboard (design §9): at least 128
    random bits, shown once when made; only its SHA-256 is stored (``exgen.storage.tokens``)."""

    __tablename__ = "teacher_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(100), unique=True)  # who or what holds it
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Refreshed at most every few minutes (a write per request would cost every request).
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
