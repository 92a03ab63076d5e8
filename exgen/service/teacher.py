"""The teacher's API (design §9), behind a bearer token. Each route calls the library function
its command calls, so the API answers exactly what the command prints:
``class_results`` (``exgen results --json``), ``class_links`` (``exgen links --json``),
``read_sheet`` + ``grade_sheet`` (``exgen grade``), ``make_export`` (``exgen export``),
``student_pdf`` (one student's ``exgen render``), ``report_pdf`` (``exgen report``).

GET routes also accept the dashboard's signed-in cookie (it is HttpOnly and SameSite=Strict,
and a GET changes nothing), so the dashboard links straight to them; anything that changes
data needs the bearer token (or, from the dashboard, its own CSRF-checked form).
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from exgen.service.errors import ApiError
from exgen.service.schemas import (AssignmentList, AssignResult, ClassResults, GradeResult, Links, errors)
from exgen.storage.records import RecordError

router = APIRouter(prefix="/api")
SESSION_COOKIE = "exgen_session"
PDF = {"application/pdf": {}}


def teacher(request: Request):
    """The teacher's token row, from ``Authorization: Bearer`` (or, for a GET, the dashboard's
    cookie); 401 otherwise. Runs in the route's thread."""
    from exgen.storage.tokens import teacher_for_cookie, teacher_for_token

    service = request.app.state.service
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    with service.session() as session:
        if header:
            if scheme.lower() != "bearer" or not credentials.strip():
                raise _unauthorized("authorization: expected 'Bearer TOKEN'")
            row = teacher_for_token(session, credentials.strip())
        elif request.method in ("GET", "HEAD") and request.cookies.get(SESSION_COOKIE):
            row = teacher_for_cookie(session, request.cookies[SESSION_COOKIE])
        else:
            raise _unauthorized("authorization: a teacher token is needed (Authorization: Bearer TOKEN)")
        if row is None:
            raise _unauthorized("authorization: the token is not valid (revoked, or mistyped)")
        return row.label


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, {"WWW-Authenticate": "Bearer"})


Teacher = Annotated[str, Depends(teacher)]


def _record_errors(fn):
    """An unknown assignment is a 404 (a teacher may know every name: it is said which exist)."""
    try:
        return fn()
    except RecordError as e:
        if str(e).startswith("no assignment named"):
            raise ApiError(404, f"name: {e}") from None
        raise ApiError(409, str(e)) from None


def _filename(upload: UploadFile | None, default: str) -> str:
    name = (upload.filename if upload is not None else "") or default
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")[-100:]
    return name or default


@router.get("/assignments", response_model=AssignmentList, responses=errors(401, 429),
            summary="Every assignment in the database")
def list_assignments(request: Request, who: Teacher):
    from sqlalchemy import func, select

    from exgen.storage.models import Assignment, Student

    with request.app.state.service.session() as session:
        counts = dict(session.execute(select(Student.assignment_id, func.count(Student.id))
                                      .group_by(Student.assignment_id)).all())
        rows = session.scalars(select(Assignment).order_by(Assignment.name)).all()
        return {"assignments": [{"name": a.name, "title": a.title, "students": counts.get(a.id, 0)} for a in rows]}


@router.post("/assignments", response_model=AssignResult, responses=errors(401, 409, 413, 422, 429),
             summary="Create or extend an assignment from its file and a roster (exgen assign)")
def create_assignment(request: Request, who: Teacher,
                      assignment: Annotated[UploadFile, File(description="the assignment file (TOML)")],
                      roster: Annotated[UploadFile, File(description="the roster (CSV with student_id, name)")],
                      force: Annotated[bool, Form(description="replace every variant if the seed or "
                                                              "exercises changed")] = False):
    from exgen.storage.records import assign
    from exgen.textfile import NotUTF8, decode_utf8
    from exgen.variants.assignment import AssignmentError, parse_assignment
    from exgen.variants.generator import GenerationError
    from exgen.variants.roster import RosterError, read_roster

    assignment_name = _filename(assignment, "assignment.toml")
    roster_name = _filename(roster, "roster.csv")
    try:
        definition = parse_assignment(decode_utf8(assignment.file.read(), assignment_name))
    except (AssignmentError, NotUTF8) as e:
        raise ApiError(422, f"assignment: {assignment_name}: {e}" if isinstance(e, AssignmentError)
                       else f"assignment: {e}") from None
    try:
        entries = read_roster(roster.file.read(), roster_name)
    except RosterError as e:
        raise ApiError(422, f"roster: {e}") from None
    with request.app.state.service.session() as session:
        try:
            summary = _record_errors(lambda: assign(session, definition, entries, force))
        except GenerationError as e:
            raise ApiError(422, f"assignment: {assignment_name}: {e}") from None
    return {"name": summary.name, "students": summary.students, "new_students": summary.new_students,
            "new_variants": summary.new_variants, "created": summary.created, "summary": summary.line()}


@router.get("/assignments/{name}/results", response_model=ClassResults, response_model_exclude_unset=True, responses=errors(401, 404, 429),
            summary="The class results: exactly exgen results NAME --json")
def results(name: str, request: Request, who: Teacher):
    from exgen.storage.results import class_results

    with request.app.state.service.session() as session:
        return _record_errors(lambda: class_results(session, name))


@router.get("/assignments/{name}/links", response_model=Links, responses=errors(401, 404, 429),
            summary="Each student's private link: exactly exgen links NAME --json")
def links(name: str, request: Request, who: Teacher):
    from exgen.storage.links import class_links

    service = request.app.state.service
    with service.session() as session:
        return _record_errors(lambda: class_links(session, name, service.base_url(request)))


@router.get("/assignments/{name}/links.csv", responses={200: {"content": {"text/csv": {}}}, **errors(401, 404, 429)},
            summary="The links as CSV (student_id, name, url) for a mail merge")
def links_csv(name: str, request: Request, who: Teacher):
    from exgen.storage.links import links_csv as as_csv

    data = links(name, request, who)
    return Response(as_csv(data["links"]).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}-links.csv"'})


def grade_upload(service, name: str, data: bytes, filename: str) -> dict:
    """Grade an uploaded answer sheet (CSV), filled worksheet (PDF) or zip of them exactly as
    ``exgen grade`` does (``grade_paths``: the kind comes from the file name's ending, as on
    the command line); the run's summary as JSON, file names as uploaded."""
    from exgen.grading.files import grade_paths
    from exgen.grading.sheet import SheetError
    from exgen.paper.collect import CollectError, display_name

    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("._") or "upload.csv"
    with tempfile.TemporaryDirectory(prefix="exgen-upload-") as directory:
        path = os.path.join(directory, safe)
        with open(path, "wb") as handle:
            handle.write(data)

        def shown(source: str) -> str:
            return display_name(source.replace(path, filename, 1))

        with service.session() as session:
            try:
                summary = _record_errors(lambda: grade_paths(session, name, [path]))
            except (CollectError, SheetError) as e:
                raise ApiError(422, f"file: {shown(str(e))}") from None
            line = summary.line().replace(path, filename)
    scores = [score for sheet in summary.sheets for score in sheet.scores]
    return {
        "assignment": summary.assignment, "file": filename, "csvs": summary.csvs, "pdfs": summary.pdfs,
        "rows": sum(sheet.rows for sheet in summary.sheets),
        "graded": sum(sheet.graded for sheet in summary.sheets),
        "students": len(set().union(*(sheet.students for sheet in summary.sheets))) if summary.sheets else 0,
        "answers": sum(sheet.answers for sheet in summary.sheets),
        "mean_score": round(sum(scores) / len(scores), 6) if scores else None,
        "max_score": summary.max_score,
        "empty": sum(sheet.empty for sheet in summary.sheets),
        "superseded": sum(sheet.superseded for sheet in summary.sheets),
        "already_stored": sum(sheet.already_stored for sheet in summary.sheets),
        "rejected": [{"file": shown(source), "line": line_, "student": ref, "problem": problem}
                     for source, line_, ref, problem in summary.rejected_rows],
        "rejected_files": [{"file": shown(source), "problem": problem} for source, problem in summary.rejected_files],
        "notes": [shown(note) for note in summary.column_notes + summary.notes()],
        "summary": line,
    }


@router.post("/assignments/{name}/grade", response_model=GradeResult,
             responses=errors(401, 404, 413, 422, 429),
             summary="Grade an answer sheet (CSV), a filled worksheet (PDF) or a zip of them (exgen grade)")
def grade(name: str, request: Request, who: Teacher,
          file: Annotated[UploadFile, File(description="an answer-sheet CSV, a filled worksheet PDF, or a zip "
                                                       "of them (an LMS's download of all submissions)")]):
    return grade_upload(request.app.state.service, name, file.file.read(), _filename(file, "upload.csv"))


@router.get("/assignments/{name}/export/{format}",
            responses={200: {"content": {"application/octet-stream": {}}}, **errors(401, 404, 429)},
            summary="An export for an LMS, through the export registry (exgen export)")
def export(name: str, format: str, request: Request, who: Teacher):
    from exgen.export import FORMATS, export_inputs, make_export

    chosen = FORMATS.get(format)
    if chosen is None:
        raise ApiError(404, f"format: unknown export format; known: {', '.join(FORMATS)}")
    with request.app.state.service.session() as session:
        record, results_ = _record_errors(lambda: export_inputs(session, name, chosen))
    # Made in a temporary file, not in memory (a large class's package runs to hundreds of MB),
    # sent from there and removed once sent.
    handle, path = tempfile.mkstemp(prefix="exgen-export-", suffix=chosen.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            made = make_export(record, results_, chosen, out)
    except BaseException:
        os.unlink(path)
        raise
    media = {".xml": "application/xml", ".zip": "application/zip", ".csv": "text/csv; charset=utf-8"}
    return FileResponse(path, media_type=media.get(chosen.suffix, "application/octet-stream"),
                        headers={"Content-Disposition": f'attachment; filename="{made.filename(name)}"'},
                        background=BackgroundTask(os.unlink, path))


@router.get("/assignments/{name}/students/{student_id:path}/worksheet.pdf",
            responses={200: {"content": PDF}, **errors(401, 404, 429)}, response_class=Response,
            summary="One student's worksheet (PDF)")
def worksheet_pdf(name: str, student_id: str, request: Request, who: Teacher):
    return _student_pdf(request, name, student_id, "worksheet")


@router.get("/assignments/{name}/students/{student_id:path}/key.pdf",
            responses={200: {"content": PDF}, **errors(401, 404, 429)}, response_class=Response,
            summary="One student's answer key (PDF)")
def key_pdf(name: str, student_id: str, request: Request, who: Teacher):
    return _student_pdf(request, name, student_id, "key")


def _identities(session, record, request: Request) -> dict:
    """What makes each worksheet fillable and its QR code the student's link here (as
    ``exgen render --base-url``)."""
    from exgen.paper.tickets import worksheet_identities

    return worksheet_identities(session, record, request.app.state.service.base_url(request))


def _student_pdf(request: Request, name: str, student_id: str, kind: str) -> Response:
    from exgen.render.writer import safe_stem, student_pdf
    from exgen.storage.records import load_assignment

    with request.app.state.service.session() as session:
        record = _record_errors(lambda: load_assignment(session, name))
        identities = _identities(session, record, request) if kind == "worksheet" else None
    try:
        data = student_pdf(record, student_id, kind, identities=identities)
    except KeyError:
        raise ApiError(404, f"student: no student {student_id!r} in {name}") from None
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{safe_stem(student_id)}-{kind}.pdf"'})


@router.get("/assignments/{name}/report.pdf", responses={200: {"content": PDF}, **errors(401, 404, 429)},
            response_class=Response, summary="The item analysis (exgen report)")
def report(name: str, request: Request, who: Teacher):
    from exgen.grading.report import report_pdf

    with request.app.state.service.session() as session:
        _, data = _record_errors(lambda: report_pdf(session, name))
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}-report.pdf"'})


@router.get("/assignments/{name}/documents.zip",
            responses={200: {"content": {"application/zip": {}}}, **errors(401, 404, 429)},
            response_class=FileResponse,
            summary="Every worksheet and answer key, single and combined (exgen render --combined), as a zip")
def documents(name: str, request: Request, who: Teacher):
    from pathlib import Path

    from exgen.render.writer import documents_zip
    from exgen.storage.records import load_assignment

    with request.app.state.service.session() as session:
        record = _record_errors(lambda: load_assignment(session, name))
        identities = _identities(session, record, request)
    handle, path = tempfile.mkstemp(prefix="exgen-documents-", suffix=".zip")
    os.close(handle)
    try:
        documents_zip(record, Path(path), identities=identities)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(path, media_type="application/zip", filename=f"{name}-documents.zip",
                        background=BackgroundTask(os.unlink, path))
