"""The teacher's pages: sign in with the token once, then the class's results, how each item
went, and every download — all built from the same library calls as the teacher API.

The sign-in sets a cookie that is HttpOnly (no script can read it), SameSite=Strict (no other
site's page can send it along) and Secure over HTTPS; it is signed, not stored
(``exgen.storage.tokens``). Every form that changes something also carries a CSRF token bound
to the cookie, and a request whose Origin is another site is refused.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from exgen.service.teacher import SESSION_COOKIE, _filename, grade_upload
from exgen.templating import render

router = APIRouter(prefix="/dashboard", include_in_schema=False)


def _same_origin(request: Request) -> bool:
    """False when the browser says the form came from another site. ("null", sent under some
    referrer policies, says nothing: the CSRF token decides.)"""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _signed_in(session, request: Request):
    from exgen.storage.tokens import teacher_for_cookie

    cookie = request.cookies.get(SESSION_COOKIE, "")
    return teacher_for_cookie(session, cookie) if cookie else None


def _page(template: str, status: int = 200, **context) -> HTMLResponse:
    return HTMLResponse(render(f"service/{template}", **context), status_code=status)


def _sign_in_page(message: str = "", status: int = 200) -> HTMLResponse:
    return _page("dashboard_sign_in.html", status, message=message)


def _teacher_page(session, request: Request, who, template: str, status: int = 200, **context) -> HTMLResponse:
    """A page for a signed-in teacher: their label, and the CSRF token its forms carry."""
    from exgen.storage.tokens import csrf_token

    return _page(template, status, who=who.label, csrf=csrf_token(session, request.cookies[SESSION_COOKIE]),
                 **context)


def _refused_form(session, request: Request, csrf: str, again: str) -> HTMLResponse | None:
    """The 403 page for a form posted from another site or with an out-of-date CSRF token."""
    from exgen.storage.tokens import csrf_ok

    if _same_origin(request) and csrf_ok(session, request.cookies.get(SESSION_COOKIE, ""), csrf):
        return None
    return _page("message.html", 403, title="Refused",
                 text=f"This form is out of date or came from another site. Reload the page and {again}.")


def _posting_teacher(session, request: Request, csrf: str, again: str):
    """(the teacher, None) for a form a signed-in teacher posted from this site with a current
    CSRF token; else the page that refuses the form comes second."""
    who = _signed_in(session, request)
    if who is None:
        return None, _sign_in_page("Sign in again: your session has ended.", 401)
    return who, _refused_form(session, request, csrf, again)


@router.get("")
def home(request: Request):
    from sqlalchemy import func, select

    from exgen.storage.models import Assignment, Student

    with request.app.state.service.session() as session:
        who = _signed_in(session, request)
        if who is None:
            return _sign_in_page()
        counts = dict(session.execute(select(Student.assignment_id, func.count(Student.id))
                                      .group_by(Student.assignment_id)).all())
        assignments = [{"name": a.name, "title": a.title, "course": a.course, "students": counts.get(a.id, 0)}
                       for a in session.scalars(select(Assignment).order_by(Assignment.name))]
        return _teacher_page(session, request, who, "dashboard_home.html", assignments=assignments)


@router.post("/sign-in")
def sign_in(request: Request, token: Annotated[str, Form(max_length=200)] = ""):
    from exgen.storage.tokens import SESSION_HOURS, session_cookie, teacher_for_token

    if not _same_origin(request):
        return _sign_in_page("This sign-in came from another site and was refused.", 403)
    with request.app.state.service.session() as session:
        row = teacher_for_token(session, token.strip())
        if row is None:
            return _sign_in_page("That token is not valid (revoked, or mistyped). Create one with "
                                 "exgen token create LABEL.", 401)
        cookie = session_cookie(session, row)
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_HOURS * 3600, path="/", httponly=True,
                        samesite="strict", secure=request.app.state.service.secure_cookies(request))
    return response


@router.post("/sign-out")
def sign_out(request: Request, csrf: Annotated[str, Form(max_length=100)] = ""):
    with request.app.state.service.session() as session:
        refused = _refused_form(session, request, csrf, "sign out again")
        if refused is not None:
            return refused
    response = RedirectResponse("/dashboard", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def _assignment_context(session, name: str) -> dict | None:
    from sqlalchemy import func, select

    from exgen.export import FORMATS
    from exgen.grading.report import STATUS_LABELS, analyse
    from exgen.storage.models import Assignment, Student, Submission
    from exgen.storage.results import class_results

    assignment = session.scalar(select(Assignment).where(Assignment.name == name))
    if assignment is None:
        return None
    results = class_results(session, name)
    analysis = analyse(results, assignment.title, assignment.course)
    activity = {pk: (count, last) for pk, count, last in session.execute(
        select(Submission.student_pk, func.count(Submission.attempt), func.max(Submission.received_at))
        .where(Submission.assignment_id == assignment.id, Submission.student_pk.is_not(None))
        .group_by(Submission.student_pk)).all()}
    late = set(session.scalars(select(Submission.student_pk).where(
        Submission.assignment_id == assignment.id, Submission.current.is_(True), Submission.late.is_(True))))
    pks = dict(session.execute(select(Student.student_id, Student.id).where(Student.assignment_id == assignment.id)).all())
    rows = []
    for sid, entry in results["students"].items():
        per_exercise = {e: 0.0 for e in results["exercises"]}
        for item, verdict in entry["items"].items():
            per_exercise[item.split(".", 1)[0]] = per_exercise.get(item.split(".", 1)[0], 0.0) + verdict["score"]
        count, last = activity.get(pks.get(sid), (0, None))
        rows.append({"student_id": sid, "name": entry["name"], "submitted": entry["submitted"],
                     "score": entry["score"], "max_score": entry["max_score"],
                     "percent": round(100 * entry["score"] / entry["max_score"]) if entry["max_score"] else 0,
                     "per_exercise": per_exercise, "attempts": count,
                     "last": last.strftime("%Y-%m-%d %H:%M") if last else "", "late": pks.get(sid) in late})
    from exgen.storage.models import Job

    jobs = session.scalars(select(Job).where(Job.assignment == name).order_by(Job.id.desc()).limit(JOBS_SHOWN)).all()
    return {"assignment": assignment, "results": results, "rows": rows, "analysis": analysis,
            "status_labels": STATUS_LABELS, "formats": list(FORMATS.values()), "jobs": jobs}


#: The newest jobs of an assignment listed on its page.
JOBS_SHOWN = 5
JOB_LABELS = {"render": "Worksheets and answer keys", "export": "Export", "report": "Item analysis",
              "regrade": "Regrade"}
JOB_UNITS = {"render": "students", "export": "files", "report": "reports", "regrade": "submissions"}


@router.get("/a/{name}")
def assignment_page(name: str, request: Request):
    with request.app.state.service.session() as session:
        who = _signed_in(session, request)
        if who is None:
            return _sign_in_page("Sign in to see this assignment.", 401)
        context = _assignment_context(session, name)
        if context is None:
            return _page("message.html", 404, title="Not found", text=f"There is no assignment named {name!r}.")
        return _teacher_page(session, request, who, "dashboard_assignment.html", graded=None, error="", **context)


@router.post("/a/{name}/grade")
def grade(name: str, request: Request, file: Annotated[UploadFile, File()],
          csrf: Annotated[str, Form(max_length=100)] = ""):
    from exgen.service.errors import ApiError

    service = request.app.state.service
    with service.session() as session:
        who, refused = _posting_teacher(session, request, csrf, "upload again")
        if refused is not None:
            return refused
    try:
        graded, error, status = grade_upload(service, name, file.file.read(), _filename(file, "upload.csv")), "", 200
    except ApiError as e:
        graded, error, status = None, str(e.detail), e.status_code
    with service.session() as session:
        context = _assignment_context(session, name)
        if context is None:
            return _page("message.html", 404, title="Not found", text=f"There is no assignment named {name!r}.")
        return _teacher_page(session, request, who, "dashboard_assignment.html", status, graded=graded, error=error,
                             **context)


@router.post("/a/{name}/render")
def render_class(name: str, request: Request, csrf: Annotated[str, Form(max_length=100)] = ""):
    """Render the class (and the combined files to print) as a job; then its page."""
    from exgen.service.errors import ApiError
    from exgen.service.jobs import submit_job

    service = request.app.state.service
    with service.session() as session:
        who, refused = _posting_teacher(session, request, csrf, "try again")
        if refused is not None:
            return refused
    try:
        job_id = submit_job(service, "render", name, {"combined": True, "base_url": service.base_url(request)},
                            who.label)
    except ApiError as e:
        return _page("message.html", e.status_code, title="Not started", text=str(e.detail))
    return RedirectResponse(f"/dashboard/jobs/{job_id}", status_code=303)


@router.get("/jobs/{job_id}")
def job_page(job_id: int, request: Request):
    """A job's progress (the page refreshes itself until the job is over) and its download."""
    from exgen.jobs.runner import job_status

    with request.app.state.service.session() as session:
        who = _signed_in(session, request)
        if who is None:
            return _sign_in_page("Sign in to see this job.", 401)
        job = job_status(session, job_id) if 0 < job_id < 2**31 else None
        if job is None:
            return _page("message.html", 404, title="Not found", text=f"There is no job {job_id}.")
        return _teacher_page(session, request, who, "dashboard_job.html", job=job, labels=JOB_LABELS, units=JOB_UNITS)
