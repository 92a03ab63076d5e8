"""Long jobs over HTTP (design §11): ask for one → 202 ``{"job": ID}``; follow it at
``/api/jobs/{ID}``; download its result at ``/api/jobs/{ID}/result``. Behind the teacher's
token, like the rest of /api. The work is the commands' (``exgen.jobs.kinds``); where it runs
is the service's dispatcher (a local process pool, or ``exgen worker`` processes over Redis)."""

from __future__ import annotations

from datetime import timezone
from pathlib import PurePosixPath
from typing import Annotated, Optional

from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import FileResponse, JSONResponse

from exgen.service.errors import ApiError
from exgen.service.schemas import JobAccepted, JobStatus, RenderRequest, errors
from exgen.service.teacher import Teacher, _record_errors

router = APIRouter(prefix="/api")
JobId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the job's number")]
MEDIA = {".zip": "application/zip", ".pdf": "application/pdf", ".xml": "application/xml",
         ".csv": "text/csv; charset=utf-8"}


def submit_job(service, kind: str, name: str, params: dict, who: str) -> int:
    """Create the job (its request checked: ``ApiError`` naming the field) and send its parts."""
    from exgen.jobs.kinds import JobInputError
    from exgen.jobs.runner import Sessions, _fail, create_job

    with service.session() as session:
        try:
            job = _record_errors(lambda: create_job(session, kind, name, params, created_by=who))
        except JobInputError as e:
            raise ApiError(e.status, str(e)) from None
        job_id, parts = job.id, len(job.parts)
    try:
        service.jobs.send(job_id, range(parts))
    except Exception as e:  # the broker does not answer: say so now rather than leave it queued
        _fail(Sessions(service.config.database_url), job_id, f"the job queue does not answer ({type(e).__name__})")
        raise ApiError(503, f"broker: the job queue does not answer; try again later ({type(e).__name__})") from None
    return job_id


def _accepted(request: Request, job_id: int) -> JSONResponse:
    return JSONResponse({"job": job_id}, status_code=202, headers={"Location": f"/api/jobs/{job_id}"})


ACCEPTED = {202: {"model": JobAccepted, "description": "queued; follow it at the Location"}}


@router.post("/assignments/{name}/render", status_code=202, response_model=JobAccepted,
             responses={**ACCEPTED, **errors(401, 404, 422, 429, 503)},
             summary="Render worksheets and answer keys (exgen render) as a zip of PDFs: a job")
def render(name: str, request: Request, who: Teacher,
           body: Annotated[Optional[RenderRequest], Body()] = None):
    body = body or RenderRequest()
    params = {"students": body.students, "combined": body.combined, "paper": body.paper,
              "base_url": request.app.state.service.base_url(request)}
    return _accepted(request, submit_job(request.app.state.service, "render", name, params, who))


@router.post("/assignments/{name}/export/{format}", status_code=202, response_model=JobAccepted,
             responses={**ACCEPTED, **errors(401, 404, 429, 503)},
             summary="Make an export for an LMS (exgen export) as a job; GET the same path answers at once")
def export(name: str, format: str, request: Request, who: Teacher):
    return _accepted(request, submit_job(request.app.state.service, "export", name, {"format": format}, who))


@router.post("/assignments/{name}/report", status_code=202, response_model=JobAccepted,
             responses={**ACCEPTED, **errors(401, 404, 429, 503)},
             summary="Make the item analysis (exgen report) as a job")
def report(name: str, request: Request, who: Teacher):
    return _accepted(request, submit_job(request.app.state.service, "report", name, {}, who))


@router.post("/assignments/{name}/regrade", status_code=202, response_model=JobAccepted,
             responses={**ACCEPTED, **errors(401, 404, 429, 503)},
             summary="Re-mark every stored submission (exgen regrade) as a job")
def regrade(name: str, request: Request, who: Teacher):
    return _accepted(request, submit_job(request.app.state.service, "regrade", name, {}, who))


def _when(value) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite gives back naive datetimes; they were written in UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


def job_json(service, request: Request, job_id: int) -> dict:
    from exgen.jobs.runner import job_status

    with service.session() as session:
        status = job_status(session, job_id)
    if status is None:
        raise ApiError(404, f"job: no job {job_id}")
    result = status["result"]
    return {"job": status["job"], "kind": status["kind"], "assignment": status["assignment"],
            "state": status["state"], "done": status["done"], "total": status["total"],
            "result": f"{service.base_url(request)}/api/jobs/{job_id}/result"
                      if result and status["state"] == "done" else None,
            "summary": status["summary"], "error": status["error"],
            "created_at": _when(status["created_at"]), "finished_at": _when(status["finished_at"])}


@router.get("/jobs/{job_id}", response_model=JobStatus, responses=errors(401, 404, 429),
            summary="A job's state, progress and, once done, where its result is")
def job(job_id: JobId, request: Request, who: Teacher):
    return job_json(request.app.state.service, request, job_id)


@router.get("/jobs/{job_id}/result", response_class=FileResponse,
            responses={200: {"content": {m.split(";")[0]: {} for m in MEDIA.values()}},
                       **errors(401, 404, 409, 429, **{"409": "the job is not done (yet)"})},
            summary="A finished job's result: a zip of PDFs, an export, a report")
def result(job_id: JobId, request: Request, who: Teacher):
    from exgen.jobs.runner import job_status

    service = request.app.state.service
    with service.session() as session:
        status = job_status(session, job_id)
    if status is None:
        raise ApiError(404, f"job: no job {job_id}")
    if status["state"] != "done":
        raise ApiError(409, f"job: {job_id} is {status['state']}; its result is there once it is done")
    if not status["result"]:
        raise ApiError(404, f"job: {job_id} ({status['kind']}) has no file to download")
    try:
        path = service.store.open_path(status["result"])
    except FileNotFoundError:
        raise ApiError(404, f"job: the result of {job_id} is no longer in the file store") from None
    name = PurePosixPath(status["result"]).name
    return FileResponse(path, media_type=MEDIA.get(PurePosixPath(name).suffix, "application/octet-stream"),
                        filename=name)
