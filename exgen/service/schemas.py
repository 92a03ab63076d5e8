"""The JSON the service answers, as pydantic models: they document every endpoint's responses
in ``/openapi.json`` (and the error shape each can answer with). Routes build plain dicts; the
models are for the description and for response validation in the tests."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["correct", "follow_through", "incorrect", "missing", "invalid"]


class Error(BaseModel):
    """Every 4xx (and the rare 5xx): one message that names the field or part at fault."""

    error: str = Field(examples=["answers.q1.loss: must be text or a number"])


class Health(BaseModel):
    status: Literal["ok"]


# -- students ----------------------------------------------------------------------------------
class SubmissionRequest(BaseModel):
    """A student's answers: item (as on the answer sheet, e.g. ``q2.dL/dW1[1,2]``) -> text as
    typed (a number, ``−0.5``, ``1/2``, ``1,5``, ``1.2e-3``); a blank or absent item is missing."""

    model_config = ConfigDict(extra="forbid")
    answers: dict[str, Optional[str | float]] = Field(examples=[{"q1.z1": "0.8", "q1.loss": "1/4"}])


class WorkedStep(BaseModel):
    """How the item is worked out, from the student's answer key (the ``instant`` policy)."""

    rule: str = Field(description="the step's rule, as plain text")
    line: str = Field(description="the item's line of the key: name = substitution ≈ result")


class ItemVerdict(BaseModel):
    status: Status
    score: float
    max_score: float
    submitted: str
    feedback: str
    step: Optional[WorkedStep] = None


class SubmissionResult(BaseModel):
    """One graded submission; fields the assignment's feedback policy hides are absent."""

    submission: int
    attempt: int
    attempts_used: int
    attempts_left: Optional[int] = Field(description="null: unlimited")
    late: bool
    received_at: str
    max_score: float
    score: Optional[float] = None
    items: Optional[dict[str, ItemVerdict]] = None


class ExerciseInfo(BaseModel):
    id: str
    code: str
    points: float
    spec: dict
    items: list[str]


class EarlierSubmission(BaseModel):
    attempt: Optional[int]
    status: Literal["graded", "rejected", "empty"]
    source: str
    received_at: str
    late: bool
    current: bool
    score: Optional[float] = None
    problem: str = ""


class StudentInfo(BaseModel):
    assignment: str
    title: str
    student_id: str
    name: str
    exercises: list[ExerciseInfo]
    max_score: float
    attempts: int = Field(description="attempts allowed; 0 = unlimited")
    attempts_used: int
    attempts_left: Optional[int] = Field(description="null: unlimited")
    due: Optional[str]
    late: Literal["accept", "refuse"]
    feedback: Literal["instant", "score", "after_due", "none"]
    submissions: list[EarlierSubmission]
    latest: Optional[SubmissionResult] = Field(description="the last graded submission, as the policy shows it")


# -- teachers ----------------------------------------------------------------------------------
class AssignmentListing(BaseModel):
    name: str
    title: str
    students: int


class AssignmentList(BaseModel):
    assignments: list[AssignmentListing]


class AssignResult(BaseModel):
    name: str
    students: int
    new_students: int
    new_variants: int
    created: bool
    summary: str


class GraderVerdict(BaseModel):
    status: Status
    score: float


class OverrideOut(BaseModel):
    """A teacher's override in force on an item (``exgen override``), and what the grader said."""

    status: Status
    score: float | None
    note: str
    by: str
    at: str | None
    grader: GraderVerdict


class ItemResultOut(BaseModel):
    status: Status
    score: float
    max_score: float
    submitted: str
    expected: float | None
    misconception: str
    feedback: str
    override: OverrideOut | None = None


class CopyFlag(BaseModel):
    """Evidence for the teacher (answers that fit a classmate's variant); never changes a score."""

    kind: str
    exercise: str
    other: str
    items: list[str]
    count: int
    of: int
    fit_variant: int
    fit_answers: int
    identical: int
    message: str


class StudentResult(BaseModel):
    name: str
    score: float
    max_score: float
    submitted: bool
    overrides: int = 0
    flags: list[CopyFlag] = []
    items: dict[str, ItemResultOut]


class ClassResults(BaseModel):
    """Exactly ``exgen results NAME --json`` (design §4)."""

    assignment: str
    exercises: list[str]
    students: dict[str, StudentResult]


class Link(BaseModel):
    student_id: str
    name: str
    url: str


class Links(BaseModel):
    """Exactly ``exgen links NAME --json`` (design §9)."""

    links: list[Link]


class RejectedRow(BaseModel):
    file: str
    line: int
    student: str
    problem: str


class RejectedFile(BaseModel):
    file: str
    problem: str


class GradeResult(BaseModel):
    """What ``exgen grade`` reports, as JSON."""

    assignment: str
    file: str
    csvs: int
    pdfs: int
    rows: int
    graded: int
    students: int
    answers: int
    mean_score: Optional[float]
    max_score: float
    empty: int
    superseded: int
    already_stored: int
    rejected: list[RejectedRow]
    rejected_files: list[RejectedFile]
    notes: list[str]
    summary: str


# -- long jobs (design §11) ------------------------------------------------------------------------
class RenderRequest(BaseModel):
    """Which documents to render; every field may be left out (the whole class, A4, no combined files)."""

    model_config = ConfigDict(extra="forbid")
    students: Optional[list[str]] = Field(default=None, description="student ids (default: every student)",
                                          examples=[["s001", "s002"]])
    combined: bool = Field(default=False, description="add all-worksheets.pdf and all-keys.pdf for printing")
    paper: Literal["a4", "letter"] = "a4"


class JobAccepted(BaseModel):
    """The job is queued: follow it at ``/api/jobs/{job}`` (also the Location header)."""

    job: int


class JobStatus(BaseModel):
    job: int
    kind: Literal["render", "export", "report", "regrade"]
    assignment: str
    state: Literal["queued", "running", "done", "failed"]
    done: int = Field(description="units done: students rendered, submissions re-marked")
    total: int
    result: Optional[str] = Field(description="where to download the result once done (null before, "
                                              "and for a regrade)")
    summary: str = Field(description="what the command would print, once done")
    error: str = Field(description="why the job failed ('' unless failed)")
    created_at: str
    finished_at: Optional[str]


def errors(*codes: int, **described: str) -> dict:
    """OpenAPI ``responses`` entries with the error shape for these status codes."""
    text = {
        401: "no or an unknown teacher token",
        404: "unknown link, assignment, student or format (no hint which)",
        409: "refused by the policy (no attempts left, late work refused) or a change that needs force",
        413: "the request body is too large",
        415: "a file of a kind this endpoint does not take",
        422: "a field is missing or unreadable: the message names it",
        429: "too many requests (see Retry-After)",
    }
    text.update({str(k): v for k, v in described.items()})
    return {code: {"model": Error, "description": text.get(code, text.get(str(code), "error"))} for code in codes}
