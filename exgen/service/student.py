"""The student's side, by private link: the page (``/s/{token}``) and the JSON API
(``/api/s/{token}``). Both read the answers, hand them to ``submit_answers`` (the same marking
and the same tables as ``exgen grade``) and show the result through ``views.result_view``.

An unknown link is a plain 404, the same for a token that never existed, a rotated one and a
string that is not a token. A request that cannot be read on a valid link is stored all the
same (raw, as a rejected submission) before it is answered with a 4xx.
"""

from __future__ import annotations

import json
import secrets
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from exgen.grading.policy import Policy, utcnow
from exgen.grading.store import EMPTY, GRADED, REJECTED, latest_submission, submission_outcome, submit_answers
from exgen.service.errors import not_found
from exgen.service.schemas import StudentInfo, SubmissionRequest, SubmissionResult, errors
from exgen.service.views import VIEWS, STATUS_SHORT, STATUS_TEXT, due_text, history, result_view
from exgen.storage.links import student_for_token
from exgen.storage.models import Submission
from exgen.templating import render

#: Longest answer text read (a number needs far fewer characters).
MAX_ANSWER = 100
#: The hidden field of the page's form that names one submission (a double click or a reload
#: of the answer sends the same one again, which is not a new attempt).
KEY_FIELD = "_submission"

router = APIRouter()


class Unreadable(ValueError):
    """A request on a valid link that cannot be read; the message names the field."""


def read_answers(items: list[str], answers) -> dict[str, str]:
    """The student's cells (every item of theirs; absent ones blank) from the answers given."""
    if not isinstance(answers, dict):
        raise Unreadable("answers: must be an object of item -> text, e.g. {\"q1.loss\": \"0.25\"}")
    known = set(items)
    cells = {item: "" for item in items}
    for item, value in answers.items():
        if item not in known:
            shown = item if len(item) <= 60 else item[:60] + "…"
            raise Unreadable(f"answers.{shown}: not an item of your exercises (items look like {items[0]})")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise Unreadable(f"answers.{item}: must be text or a number")
        text = value if isinstance(value, str) else repr(value)
        if len(text) > MAX_ANSWER:
            raise Unreadable(f"answers.{item}: at most {MAX_ANSWER} characters")
        cells[item] = text
    return cells


def parse_json_body(body: bytes, items: list[str]) -> dict[str, str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable("body: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise Unreadable(f"body: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    if not isinstance(data, dict):
        raise Unreadable("body: must be a JSON object {\"answers\": {...}}")
    extra = sorted(set(data) - {"answers"})
    if extra:
        raise Unreadable(f"{extra[0][:60]}: unknown field (the body is {{\"answers\": {{item: text}}}})")
    if "answers" not in data:
        raise Unreadable("answers: missing (the body is {\"answers\": {item: text}})")
    return read_answers(items, data["answers"])


def parse_form_body(body: bytes, items: list[str]) -> tuple[dict[str, str], str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable("body: not UTF-8 text") from None
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=2000)
    except ValueError as e:
        raise Unreadable(f"body: not a form ({e})") from None
    answers: dict[str, str] = {}
    key = ""
    for name, value in pairs:
        if name == KEY_FIELD:
            key = value[:64]
        elif name in answers:
            raise Unreadable(f"answers.{name[:60]}: given twice")
        else:
            answers[name] = value
    return read_answers(items, answers), key


# -- the work, in a worker thread (the database is synchronous) ----------------------------------
class Context:
    """One request's student, assignment, policy and view, read in one session."""

    def __init__(self, session, student):
        self.session = session
        self.student = student
        self.assignment = student.assignment
        self.now = utcnow()
        self.policy = Policy.of(self.assignment.definition)
        self.view = VIEWS.get(session, self.assignment, student)

    def info(self) -> dict:
        submissions = history(self.session, self.student, self.policy, self.now)
        used = sum(1 for s in submissions if s["status"] == GRADED)
        latest = None
        last_graded = self.latest_graded()
        if last_graded is not None:
            latest = result_view(submission_outcome(self.session, last_graded), self.policy, self.view, self.now)
        return {
            "assignment": self.assignment.name,
            "title": self.assignment.title,
            "student_id": self.student.student_id,
            "name": self.student.name,
            "exercises": self.view.exercises,
            "max_score": self.view.max_score,
            "attempts": self.policy.attempts,
            "attempts_used": used,
            "attempts_left": self.policy.attempts_left(used),
            "due": self.policy.due.isoformat() if self.policy.due else None,
            "late": self.policy.late,
            "feedback": self.policy.feedback,
            "submissions": submissions,
            "latest": latest,
        }

    def latest_graded(self) -> Submission | None:
        from sqlalchemy import select

        return self.session.scalar(select(Submission).where(Submission.student_pk == self.student.id,
                                                            Submission.status == GRADED)
                                   .order_by(Submission.id.desc()).limit(1))


def _submit(service, token: str, body: bytes, parse, key_header: str | None):
    """Store and mark one submission; returns (context, outcome, cells, problem) or None for an
    unknown link. Runs in a worker thread."""
    with service.session() as session:
        student = student_for_token(session, token, lock=True)  # submit_answers's locks, at once
        if student is None:
            return None
        context = Context(session, student)
        problem, cells, key = "", None, key_header
        try:
            parsed = parse(body, context.view.items)
            if isinstance(parsed, tuple):
                cells, key = parsed[0], parsed[1] or key
            else:
                cells = parsed
        except Unreadable as e:
            problem = str(e)
        raw = body.decode("utf-8", errors="replace")
        outcome = submit_answers(session, student, cells, raw, problem=problem, key=key or None,
                                 per_minute=service.config.rate_limit, now=context.now)
        return context, outcome, cells


def _refusal(outcome) -> tuple[int, str, dict]:
    """(status, message naming the field, headers) for an outcome that is not a new graded one."""
    if outcome.refused == "rate":
        return 429, (f"rate: too many submissions from this link; try again in {outcome.retry_after} s"), \
            {"Retry-After": str(outcome.retry_after)}
    if outcome.refused == "late":
        return 409, f"due: {outcome.problem}", {}
    if outcome.refused == "attempts":
        return 409, f"attempts: {outcome.problem}", {}
    if outcome.status == EMPTY:
        return 422, "answers: every answer is blank; nothing was graded", {}
    if outcome.status == REJECTED:
        return 422, outcome.problem, {}
    return 0, "", {}


# -- JSON API ------------------------------------------------------------------------------------
@router.get("/api/s/{token}", response_model=StudentInfo, responses=errors(404, 429),
            summary="A student's exercises, policy and earlier submissions")
def student_info(token: str, request: Request):
    service = request.app.state.service
    with service.session() as session:
        student = student_for_token(session, token)
        if student is None:
            raise not_found()
        # as built (a hidden field is absent, not null), the model documents it
        return JSONResponse(Context(session, student).info())


@router.post("/api/s/{token}/submissions", status_code=201, response_model=SubmissionResult,
             response_model_exclude_none=True,
             responses=errors(404, 409, 413, 422, 429),
             summary="Hand in a whole set of answers",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": SubmissionRequest.model_json_schema()}}},
                 "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                 "schema": {"type": "string", "maxLength": 64},
                                 "description": "the same key again is the same submission, not a new attempt"}]})
async def submit(token: str, request: Request):
    service = request.app.state.service
    body = await request.body()
    key = (request.headers.get("idempotency-key") or "")[:64] or None
    done = await run_in_threadpool(_submit, service, token, body, parse_json_body, key)
    if done is None:
        raise not_found()
    context, outcome, _ = done
    status, message, headers = _refusal(outcome)
    if status:
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    result = result_view(outcome, context.policy, context.view, context.now)
    return JSONResponse(result, status_code=201,
                        headers={"Idempotent-Replayed": "true"} if outcome.duplicate else None)


# -- the page --------------------------------------------------------------------------------------
def page(context: "Context", *, values: dict | None = None, outcome=None, message: str = "",
         message_kind: str = "error", status: int = 200, headers: dict | None = None) -> HTMLResponse:
    session, policy, now = context.session, context.policy, context.now
    submissions = history(session, context.student, policy, now)
    used = sum(1 for s in submissions if s["status"] == GRADED)
    shown = None
    if outcome is None and values is None:  # a plain visit: the last graded submission again
        last = context.latest_graded()
        if last is not None:
            outcome = submission_outcome(session, last)
            values = {item: (last.cells or {}).get(item, "") for item in context.view.items}
        else:
            latest = latest_submission(session, context.student.id)
            if latest is not None and latest.cells:
                values = {item: latest.cells.get(item, "") for item in context.view.items}
    if outcome is not None and outcome.status == GRADED:
        shown = result_view(outcome, policy, context.view, now)
    left = policy.attempts_left(used)
    html = render(
        "service/student.html",
        doc=context.view.doc,
        view=context.view,
        values=values or {},
        result=shown,
        steps=context.view.steps if shown and "items" in shown else {},
        message=message,
        message_kind=message_kind,
        submissions=submissions,
        attempts=policy.attempts,
        attempts_used=used,
        attempts_left=left,
        can_submit=(left is None or left > 0) and not (policy.is_late(now) and policy.late == "refuse"),
        due=due_text(policy),
        late_now=policy.is_late(now),
        late_policy=policy.late,
        keep=policy.keep,
        feedback_text=policy.describe(now),
        status_text=STATUS_TEXT,
        status_short=STATUS_SHORT,
        key_field=KEY_FIELD,
        key=secrets.token_urlsafe(16),
    )
    return HTMLResponse(html, status_code=status, headers=headers)


def not_found_page() -> HTMLResponse:
    return HTMLResponse(render("service/message.html", title="Link not found",
                               text="This link does not lead to any exercise. Check that you copied the whole "
                                    "link; if it still does not work, ask your teacher for your link."),
                        status_code=404)


@router.get("/s/{token}", include_in_schema=False)
def student_page(token: str, request: Request):
    service = request.app.state.service
    with service.session() as session:
        student = student_for_token(session, token)
        if student is None:
            return not_found_page()
        return page(Context(session, student))


@router.post("/s/{token}", include_in_schema=False)
async def student_form(token: str, request: Request):
    service = request.app.state.service
    body = await request.body()
    return await run_in_threadpool(_form, service, token, body)


def _form(service, token: str, body: bytes):
    done = _submit(service, token, body, parse_form_body, None)
    if done is None:
        return not_found_page()
    context, outcome, cells = done
    with service.session() as session:  # the page after the submission's commit
        context = Context(session, context.student)
        context.now = outcome.received_at or context.now
        status, message, headers = _refusal(outcome)
        typed = cells if cells is not None else {}
        if status:
            text = {429: f"Too many submissions in a minute: wait {outcome.retry_after} seconds, then submit again. "
                         "Your answers are still in the boxes.",
                    409: ("No attempts left: your answers were stored for your teacher but not graded."
                          if outcome.refused == "attempts" else
                          "The due time has passed and late work is not accepted: your answers were stored "
                          "for your teacher but not graded."),
                    422: ("Every box is empty: nothing was graded. Type your answers and submit again."
                          if outcome.status == EMPTY else f"Your answers could not be read ({message}).")}[status]
            return page(context, values=typed, message=text, status=status, headers=headers)
        note = "Submitted"
        if outcome.duplicate:
            note = "This submission had already arrived; here is its result again"
        note += f" (attempt {outcome.attempt}{', late' if outcome.late else ''})."
        return page(context, values=typed, outcome=outcome, message=note, message_kind="ok")
