"""The LTI 1.3 tool's endpoints (design §11), wiring ``exgen.lti`` to HTTP:

- ``GET /lti/jwks`` — the tool's public keys;
- ``GET|POST /lti/login`` — OIDC login initiation: off to the platform's sign-in, with a state;
- ``POST /lti/launch`` — the launch (``id_token``, ``state``): a learner is sent to their own
  page (their private link ``/s/<token>``, which needs no cookie — inside an LMS's iframe
  third-party cookies are often blocked); an instructor gets a page that opens the dashboard
  signed in; a deep-linking request gets the assignment picker;
- ``POST /lti/deep-link`` — the picker's choice, answered to the platform as a signed message;
- ``GET /lti/dashboard?code=...`` — an instructor's one-time sign-in to the dashboard (in a tab
  of its own, where the dashboard's SameSite=Strict cookie works);
- ``GET /lti/config`` — what to paste into Canvas and Moodle; ``GET /lti/config.json`` — the
  same as Canvas's JSON configuration (Developer Keys → LTI key → Enter URL).

Refusals are pages with the reason and a 4xx status (the browser shows them inside the LMS).
The pages here may be framed by any https site (``exgen.service.protection``). While the
service runs, a thread per process sends the kept scores to the platforms
(``exgen.lti.outcomes.Outbox``).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from exgen.lti import LtiError, claims
from exgen.service.protection import CSP, FRAME_ANCESTORS
from exgen.templating import render


@asynccontextmanager
async def lifespan(app):
    from exgen.lti.outcomes import Outbox

    outbox = await run_in_threadpool(lambda: Outbox(app.state.service.config.database_url).start())
    try:
        yield
    finally:
        await run_in_threadpool(outbox.stop)


router = APIRouter(prefix="/lti", lifespan=lifespan)

LOGIN, LAUNCH, JWKS = "/lti/login", "/lti/launch", "/lti/jwks"
MAX_FORM_FIELDS = 50


def _page(template: str, status: int = 200, headers: dict | None = None, **context) -> HTMLResponse:
    return HTMLResponse(render(f"service/{template}", **context), status_code=status, headers=headers)


def _refused(error: LtiError) -> HTMLResponse:
    return _page("message.html", error.status, title="exgen cannot open this launch", text=str(error))


def _urls(base: str) -> dict:
    return {"login": base + LOGIN, "launch": base + LAUNCH, "jwks": base + JWKS,
            "canvas_json": base + "/lti/config.json", "config": base + "/lti/config"}


async def _fields(request: Request) -> dict[str, str]:
    """A urlencoded form (or the query of a GET) as a dict; a field given twice is refused."""
    if request.method == "GET":
        pairs = list(request.query_params.multi_items())
    else:
        body = await request.body()
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
        except (UnicodeDecodeError, ValueError):
            raise LtiError("body: not a form (application/x-www-form-urlencoded, UTF-8)", 400) from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise LtiError(f"{name[:40]}: given twice", 400)
        fields[name] = value
    return fields


# -- the tool's keys and configuration --------------------------------------------------------------
@router.get("/jwks", include_in_schema=False)  # a protocol endpoint (RFC 7517), not exgen's API
def jwks(request: Request):
    from exgen.lti.keys import published

    with request.app.state.service.session() as session:
        keys = published(session)
    return JSONResponse(keys, headers={"Cache-Control": "public, max-age=300"})


@router.get("/config", include_in_schema=False)
def config_page(request: Request):
    base = request.app.state.service.base_url(request)
    return _page("lti_config.html", urls=_urls(base), scopes=claims.TOOL_SCOPES, host=urlsplit(base).netloc,
                 https=base.startswith("https://"))


@router.get("/config.json", include_in_schema=False)
def canvas_configuration(request: Request):
    """Canvas's JSON form of an LTI 1.3 developer key."""
    base = request.app.state.service.base_url(request)
    urls = _urls(base)
    placements = [{"placement": placement, "message_type": claims.DEEP_LINKING_REQUEST,
                   "target_link_uri": urls["launch"], "text": "exgen exercise"}
                  for placement in ("assignment_selection", "link_selection")]
    return JSONResponse({
        "title": "exgen",
        "description": "Each student's own backpropagation exercise, graded with follow-through credit; "
                       "scores go back to the gradebook.",
        "oidc_initiation_url": urls["login"],
        "target_link_uri": urls["launch"],
        "public_jwk_url": urls["jwks"],
        "scopes": list(claims.TOOL_SCOPES),
        "extensions": [{"platform": "canvas.instructure.com", "domain": urlsplit(base).hostname or "",
                        "tool_id": "exgen", "privacy_level": "public",
                        "settings": {"text": "exgen", "placements": placements}}],
    })


# -- login and launch --------------------------------------------------------------------------------
@router.api_route("/login", methods=["GET", "POST"], include_in_schema=False)
async def login(request: Request):
    from exgen.lti.launch import STATE_SECONDS, login as start

    service = request.app.state.service
    try:
        fields = await _fields(request)

        def work():
            with service.session() as session:
                return start(session, fields, service.base_url(request) + LAUNCH)

        redirect = await run_in_threadpool(work)
    except LtiError as e:
        return _refused(e)
    response = RedirectResponse(redirect.url, status_code=302)
    secure = service.secure_cookies(request)
    # SameSite=None (with Secure) lets the browser send it back with the platform's cross-site
    # POST to /lti/launch; over plain http (development) Lax is all browsers accept.
    response.set_cookie(redirect.cookie_name, redirect.cookie_value, max_age=STATE_SECONDS, path=LAUNCH,
                        httponly=True, secure=secure, samesite="none" if secure else "lax")
    return response


@router.post("/launch", include_in_schema=False)
async def launch(request: Request):
    service = request.app.state.service
    try:
        fields = await _fields(request)
        return await run_in_threadpool(_launch, service, fields, dict(request.cookies), service.base_url(request))
    except LtiError as e:
        return _refused(e)


def _launch(service, fields: dict, cookies: dict, base: str):
    from sqlalchemy import select

    from exgen.lti.launch import verify
    from exgen.storage.models import Assignment

    with service.session() as session:
        launch = verify(session, fields, cookies)
        if launch.message_type == claims.DEEP_LINKING_REQUEST:
            return _picker(session, launch)
        name = launch.assignment_name
        if not name:
            raise LtiError("this link does not name an exgen assignment: give it the custom parameter "
                           "assignment=NAME, or add it to the course through exgen's assignment picker "
                           "(deep linking)", 400)
        assignment = session.scalar(select(Assignment).where(Assignment.name == name))
        if assignment is None:
            raise LtiError(f"there is no exgen assignment named {name!r} (the link's custom parameter assignment)", 404)
        if launch.instructor:
            return _instructor(session, launch, assignment)
        if launch.learner:
            return _learner(session, launch, assignment)
        raise LtiError("exgen opens for the course's learners and instructors; your role in this course is "
                       "neither", 403)


def _learner(session, launch, assignment) -> RedirectResponse:
    from exgen.lti.outcomes import bind_student, link_context, student_for
    from exgen.storage.links import student_token

    context, _ = link_context(session, launch, assignment)
    student = student_for(session, launch, assignment)
    bind_student(session, context, student.id, launch.user_id)
    token = student_token(session, assignment.name, student.id, student.student_id)
    # their own page, by their private link: it needs no cookie, so it works in any iframe
    return RedirectResponse(f"/s/{token}", status_code=303)


def _instructor(session, launch, assignment) -> HTMLResponse:
    from sqlalchemy import func, select

    from exgen.lti.launch import sign_in_code, teacher_for
    from exgen.lti.outcomes import link_context, sync_roster
    from exgen.lti.platform_api import PlatformError
    from exgen.storage.models import Student

    context, grades_note = link_context(session, launch, assignment)
    roster_note, roster = "", None
    if context is not None and context.memberships_url:
        try:
            with session.begin_nested():
                roster = sync_roster(session, context, assignment)
        except (PlatformError, LtiError) as e:
            roster_note = f"The class list could not be read from the platform ({e})."
    teacher = teacher_for(session, launch)
    code = sign_in_code(session, teacher, assignment.name)
    students = session.scalar(select(func.count(Student.id)).where(Student.assignment_id == assignment.id))
    return _page("lti_instructor.html", assignment=assignment, students=students, context=launch.context_title,
                 platform=launch.platform.issuer, roster=roster, roster_note=roster_note, grades_note=grades_note,
                 code=code)


def _picker(session, launch) -> HTMLResponse:
    from sqlalchemy import func, select

    from exgen.lti.deeplink import picker_ticket
    from exgen.storage.models import Assignment, Student

    if not launch.instructor:
        raise LtiError("only the course's instructors choose which exgen assignment a link opens", 403)
    ticket = picker_ticket(session, launch)
    counts = dict(session.execute(select(Student.assignment_id, func.count(Student.id))
                                  .group_by(Student.assignment_id)).all())
    assignments = [{"name": a.name, "title": a.title, "course": a.course, "students": counts.get(a.id, 0)}
                   for a in session.scalars(select(Assignment).order_by(Assignment.name))]
    return _page("lti_picker.html", assignments=assignments, ticket=ticket, context=launch.context_title)


@router.post("/deep-link", include_in_schema=False)
async def deep_link(request: Request):
    service = request.app.state.service
    try:
        fields = await _fields(request)
        return await run_in_threadpool(_deep_link, service, fields, service.base_url(request))
    except LtiError as e:
        return _refused(e)


def _deep_link(service, fields: dict, base: str) -> HTMLResponse:
    from sqlalchemy import select

    from exgen.lti.deeplink import read_ticket, response
    from exgen.storage.models import Assignment

    with service.session() as session:
        ticket = read_ticket(session, fields.get("ticket", ""))
        name = fields.get("assignment", "")
        assignment = session.scalar(select(Assignment).where(Assignment.name == name[:100]))
        if assignment is None:
            raise LtiError(f"assignment: there is no assignment named {name[:100]!r}", 404)
        message = response(session, ticket, assignment, base + LAUNCH)
    target = ticket["u"]
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(target))
    # the one form that leaves the site: to the platform's return URL, and only there
    csp = CSP.replace("form-action 'self'", f"form-action 'self' {origin}").replace(
        "frame-ancestors 'none'", FRAME_ANCESTORS)
    return _page("lti_post.html", headers={"Content-Security-Policy": csp}, action=target, jwt=message,
                 title=assignment.title)


# -- an instructor's sign-in to the dashboard ----------------------------------------------------------
@router.get("/dashboard", include_in_schema=False)
def dashboard_sign_in(request: Request, code: str = ""):
    from exgen.lti.launch import redeem_sign_in
    from exgen.service.teacher import SESSION_COOKIE
    from exgen.storage.tokens import SESSION_HOURS, session_cookie

    service = request.app.state.service
    try:
        with service.session() as session:
            teacher, assignment = redeem_sign_in(session, code[:4096])
            cookie = session_cookie(session, teacher)
    except LtiError as e:
        return _refused(e)
    response = RedirectResponse(f"/dashboard/a/{assignment}" if assignment else "/dashboard", status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_HOURS * 3600, path="/", httponly=True,
                        samesite="strict", secure=service.secure_cookies(request))
    return response
