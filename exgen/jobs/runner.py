"""A job's life, the same wherever its parts run (this process, a local process pool, ``exgen
worker`` processes on other machines): created with its parts in one transaction, each part run
and marked finished, and the result built by the run that finishes the last part.

Everything a run decides is in the database, by conditional updates: which run starts the job,
how often a part was started, which run builds the result. A part delivered twice (its worker
died after starting it; the queue delivered it again) is run again — its outputs are idempotent
(``exgen.jobs.kinds``) — and a part started more than ``MAX_ATTEMPTS`` times fails the job
instead of killing worker after worker.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import func, select, update

from exgen.jobs.files import FileStore, store_for
from exgen.jobs.kinds import KINDS, JobInputError, PartContext
from exgen.storage.models import Job, JobPart, utcnow

log = logging.getLogger("exgen.jobs")

#: Runs of one part before the job is given up as failed (a worker killed each time, or an
#: error that is not the request's fault).
MAX_ATTEMPTS = 3
#: Progress is written at most this often (seconds) by a running part.
PROGRESS_EVERY = 0.25
STATES = ("queued", "running", "done", "failed")


class Sessions:
    """``session()`` of one database, and its URL (what a part's context calls)."""

    def __init__(self, database_url: str):
        self.database_url = database_url

    def __call__(self):
        from exgen.storage.session import session_scope

        return session_scope(self.database_url)


def create_job(session, kind: str, assignment: str, params: dict | None = None, created_by: str = "") -> Job:
    """A new queued job with its parts (flushed, so it has its id; committed with the session).
    ``JobInputError`` names what is wrong with the request; ``RecordError`` an unknown assignment."""
    chosen = KINDS.get(kind)
    if chosen is None:
        raise JobInputError("kind", f"unknown job kind; known: {', '.join(KINDS)}")
    if not isinstance(params or {}, dict):
        raise JobInputError("params", "an object")
    plan = chosen.plan(session, assignment, dict(params or {}))
    job = Job(kind=kind, assignment=assignment, params=plan.params, state="queued", done=0, total=plan.total,
              summary="", error="", attempts=0, created_by=created_by)
    job.parts = [JobPart(position=n, payload=payload, done=0, total=_part_total(payload, plan),
                         finished=False, attempts=0) for n, payload in enumerate(plan.payloads)]
    session.add(job)
    session.flush()
    return job


def _part_total(payload: dict, plan) -> int:
    return len(payload["students"]) if "students" in payload else plan.total


def unfinished_parts(session, job_id: int | None = None) -> list[tuple[int, int]]:
    """(job id, part position) of every part not finished of a job not finished: what to send
    again when no queue kept them (the local pool after a restart)."""
    query = (select(JobPart.job_id, JobPart.position).join(Job, Job.id == JobPart.job_id)
             .where(Job.state.in_(("queued", "running")), JobPart.finished.is_(False))
             .order_by(JobPart.job_id, JobPart.position))
    if job_id is not None:
        query = query.where(Job.id == job_id)
    return [tuple(row) for row in session.execute(query).all()]


def job_status(session, job_id: int) -> dict | None:
    job = session.get(Job, job_id)
    if job is None:
        return None
    return {"job": job.id, "kind": job.kind, "assignment": job.assignment, "state": job.state,
            "done": min(job.done, job.total), "total": job.total, "result": job.result, "summary": job.summary,
            "error": job.error, "attempts": job.attempts, "created_at": job.created_at,
            "started_at": job.started_at, "finished_at": job.finished_at}


@dataclass
class _Progress:
    """Adds up a part's units and writes the count now and then (and at the end): the part's
    own count, and the job's as the sum over its parts — idempotent, whichever run writes."""

    sessions: Sessions
    part_id: int
    job_id: int
    done: int = 0
    written_at: float = 0.0

    def __call__(self, n: int) -> None:
        self.done += n
        if time.monotonic() - self.written_at >= PROGRESS_EVERY:
            self.write()

    def write(self) -> None:
        self.written_at = time.monotonic()
        with self.sessions() as session:
            session.execute(update(JobPart).where(JobPart.id == self.part_id).values(done=self.done))
            session.execute(update(Job).where(Job.id == self.job_id).values(
                done=select(func.coalesce(func.sum(JobPart.done), 0)).where(JobPart.job_id == self.job_id)
                .scalar_subquery()))


def run_part(database_url: str, store: FileStore | str | None, job_id: int, position: int) -> str:
    """Run part ``position`` of job ``job_id`` (and build the job's result if it is the last
    part to finish). Returns what happened ("finished", "skipped", "failed"). Raises when the
    part should be run again (an unexpected error with attempts left): the queue retries it."""
    if not isinstance(store, FileStore):
        store = store_for(database_url, store)
    sessions = Sessions(database_url)
    with sessions() as session:
        part = session.scalar(select(JobPart).where(JobPart.job_id == job_id, JobPart.position == position))
        job = session.get(Job, job_id)
        if part is None or job is None:
            log.warning("job %s part %s: no such job part (deleted?)", job_id, position)
            return "skipped"
        if job.state in ("done", "failed"):
            return "skipped"
        finished = part.finished
        if not finished:
            session.execute(update(JobPart).where(JobPart.id == part.id).values(attempts=JobPart.attempts + 1))
            session.execute(update(Job).where(Job.id == job_id).values(attempts=Job.attempts + 1))
            session.execute(update(Job).where(Job.id == job_id, Job.state == "queued")
                            .values(state="running", started_at=utcnow()))
            attempts = session.scalar(select(JobPart.attempts).where(JobPart.id == part.id))
            part_id, payload, kind = part.id, dict(part.payload), KINDS[job.kind]
            context = dict(job_id=job_id, assignment=job.assignment, params=dict(job.params))
    if finished:  # delivered again after it was marked finished: the result may still be owed
        return _finish_if_last(sessions, store, job_id, position)
    log.info("job %s part %s: run %s", job_id, position, attempts)
    if attempts > MAX_ATTEMPTS:
        return _fail(sessions, job_id, f"part {position + 1} was started {MAX_ATTEMPTS} times without finishing "
                                       "(its worker stopped each time)")
    progress = _Progress(sessions, part_id, job_id)
    ctx = PartContext(session=sessions, store=store, progress=progress, **context)
    try:
        outcome = kind.run(ctx, payload)
        progress.write()
    except Exception as e:
        return _failed_run(sessions, job_id, position, attempts, e)
    with sessions() as session:
        session.execute(update(JobPart).where(JobPart.id == part_id).values(finished=True, outcome=outcome))
    return _finish_if_last(sessions, store, job_id, position)


def _finish_if_last(sessions: Sessions, store: FileStore, job_id: int, position: int) -> str:
    """Build the result when every part is finished, by one run only: the first to claim it
    (or the same part delivered again, if that run died while building)."""
    with sessions() as session:
        left = session.scalar(select(func.count(JobPart.id)).where(JobPart.job_id == job_id,
                                                                    JobPart.finished.is_(False)))
        if left:
            return "finished"
        claimed = session.execute(
            update(Job).where(Job.id == job_id, Job.state == "running",
                              (Job.finisher.is_(None)) | (Job.finisher == position))
            .values(finisher=position)).rowcount
        if not claimed:
            return "finished"
        job = session.get(Job, job_id)
        outcomes = [p.outcome or {} for p in job.parts]
        context = dict(job_id=job_id, assignment=job.assignment, params=dict(job.params))
        kind, attempts = KINDS[job.kind], job.attempts
    ctx = PartContext(session=sessions, store=store, progress=lambda n: None, **context)
    try:
        result, summary = kind.finish(ctx, outcomes)
    except Exception as e:
        return _failed_run(sessions, job_id, position, attempts, e)
    with sessions() as session:
        session.execute(update(Job).where(Job.id == job_id, Job.state == "running").values(
            state="done", result=result, summary=summary, done=Job.total, finished_at=utcnow()))
    log.info("job %s done: %s", job_id, summary)
    return "finished"


def _failed_run(sessions: Sessions, job_id: int, position: int, attempts: int, error: Exception) -> str:
    from exgen.storage.records import RecordError

    if isinstance(error, (JobInputError, RecordError)):  # the request's fault: no use trying again
        return _fail(sessions, job_id, str(error))
    if attempts >= MAX_ATTEMPTS:
        log.exception("job %s part %s failed (attempt %s of %s)", job_id, position, attempts, MAX_ATTEMPTS,
                      exc_info=error)
        return _fail(sessions, job_id, f"part {position + 1} failed {attempts} times; the last error: "
                                       f"{type(error).__name__}: {error}")
    log.warning("job %s part %s: %s: %s (attempt %s of %s; it will be run again)", job_id, position,
                type(error).__name__, error, attempts, MAX_ATTEMPTS)
    raise error


def _fail(sessions: Sessions, job_id: int, message: str) -> str:
    with sessions() as session:
        session.execute(update(Job).where(Job.id == job_id, Job.state.in_(("queued", "running")))
                        .values(state="failed", error=message[:2000], finished_at=utcnow()))
    log.warning("job %s failed: %s", job_id, message)
    return "failed"


def run_job_here(database_url: str, store: FileStore | str | None, job_id: int) -> str:
    """Every part of a job, one after the other, in this process (tests; a broker-less tool)."""
    with Sessions(database_url)() as session:
        parts = unfinished_parts(session, job_id)
    outcome = "skipped"
    for _, position in parts:
        for _attempt in range(MAX_ATTEMPTS):
            try:
                outcome = run_part(database_url, store, job_id, position)
                break
            except Exception:
                continue
    return outcome
