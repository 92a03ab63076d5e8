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


# -- LTI 1.3 (design §11; exgen.lti) --------------------------------------------------------------
class LtiPlatform(Base):
    """A learning platform registered with ``exgen lti register``: where its keys are, where its
    users sign in and where the tool gets access tokens for grades and class lists."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    jwks_url: Mapped[str] = mapped_column(String(1000))
    auth_url: Mapped[str] = mapped_column(String(1000))
    token_url: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    deployments: Mapped[list[LtiDeployment]] = relationship(
        back_populates="platform", order_by="LtiDeployment.id", cascade="all, delete-orphan")


class LtiDeployment(Base):
    """A deployment id of a platform: a launch naming any other is refused."""

    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))

    platform: Mapped[LtiPlatform] = relationship(back_populates="deployments")


class LtiKey(Base):
    """One of the tool's RSA key pairs: the public half as a JWK, the private half encrypted under
    the database's key (``exgen.lti.keys``). The newest key not retired signs; a retired key is
    still published for a while, so platforms that cached it keep verifying."""

    __tablename__ = "lti_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    private_key: Mapped[str] = mapped_column(Text)  # "v1." + base64(nonce + AES-GCM ciphertext)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LtiNonce(Base):
    """Something that may be used once (a launch's nonce, a dashboard sign-in code), by its
    SHA-256, kept until it could no longer be accepted anyway."""

    __tablename__ = "lti_nonces"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LtiContext(Base):
    """A course (LTI context) of a platform in which an assignment is linked: where its line
    items and its class list are (from the latest launch)."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("platform_id", "context_id", "assignment_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[str] = mapped_column(String(255))
    deployment_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(300), default="")
    lineitems_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    memberships_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    #: The AGS scopes the platform granted in the latest launch.
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class LtiLineItem(Base):
    """A gradebook column (AGS line item) that receives an assignment's kept scores."""

    __tablename__ = "lti_line_items"
    __table_args__ = (UniqueConstraint("context_pk", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    context_pk: Mapped[int] = mapped_column(ForeignKey("lti_contexts.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    #: Made by exgen (a link without a line item of its own) rather than by the platform.
    created_by_tool: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LtiScore(Base):
    """One student's score in one line item: their LMS user id, and the passback's outbox — what
    was posted last, whether the kept score may have changed since (``pending``), retries."""

    __tablename__ = "lti_scores"
    __table_args__ = (UniqueConstraint("line_item_id", "student_pk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_item_id: Mapped[int] = mapped_column(ForeignKey("lti_line_items.id", ondelete="CASCADE"), index=True)
    student_pk: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(255))  # the LTI user id (``sub``) on the platform
    pending: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    #: Raised whenever the kept score may have changed: a post clears ``pending`` only if no
    #: change arrived while it was under way.
    generation: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    next_try_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    posted_submission_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    posted_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# -- long jobs (design §11; exgen.jobs) -----------------------------------------------------------
class Job(Base):
    """A long piece of work asked for over HTTP (render a class, an export, a report, a regrade):
    its state lives here, not in the app process that accepted it or the worker that runs it, so
    any app process answers for it and it survives a restart of either."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # a name of exgen.jobs.kinds.KINDS
    assignment: Mapped[str] = mapped_column(String(100), index=True)  # by name: a job outlives nothing
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: queued -> running -> done | failed
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)  # units of work (students, submissions) done
    total: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[str | None] = mapped_column(String(500), nullable=True)  # key in the file store
    summary: Mapped[str] = mapped_column(Text, default="")  # the line the command prints
    error: Mapped[str] = mapped_column(Text, default="")  # why it failed, for the teacher
    #: Part runs started (a part run again after its worker died counts again).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The part whose run builds the result once every part is finished (claimed once).
    finisher: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(100), default="")  # the teacher token's label
    #: Without a broker: the service process whose pool runs the job, and when it last said so
    #: (a job whose owner fell silent is taken over by another process; exgen.jobs.dispatch).
    owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    owner_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    parts: Mapped[list[JobPart]] = relationship(order_by="JobPart.position", cascade="all, delete-orphan")


class JobPart(Base):
    """A share of a job that one worker runs at a time (a run of students to render): the unit
    the queue delivers, retried whole when its worker dies; its outputs are idempotent."""

    __tablename__ = "job_parts"
    __table_args__ = (UniqueConstraint("job_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)  # what the kind needs (student ids)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # what the finish step reads
