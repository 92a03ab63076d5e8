"""The kinds of long job, in one registry: what each is asked with, how it splits into parts,
what a part does and what the finished job hands back.

Every kind calls the library function its command calls — ``render_assignment`` (``exgen
render``), ``make_export`` (``exgen export``), ``report_pdf`` (``exgen report``), ``regrade``
(``exgen regrade``) — with the job's progress callback where the command has its progress bar,
so a job's files are the command's files.

A part may run more than once (its worker died, the queue delivered it again): what it writes
is idempotent — each PDF is complete under its final name or absent, and a part run again skips
the students whose documents are there; results are built last and renamed into place; a
regrade re-marks every stored row from its cells, so running it twice leaves the same marks.
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from exgen.jobs.files import FileStore


class JobInputError(ValueError):
    """A request for a job that cannot be done as asked; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str, status: int = 422):
        super().__init__(f"{field}: {message}")
        self.field, self.status = field, status


@dataclass
class Plan:
    total: int  # units of work: what done/total count
    payloads: list[dict]  # one per part
    params: dict  # the request, checked and completed


@dataclass
class PartContext:
    """What a running part gets: the database (a session factory), the job's request, the file
    store with the job's keys, and the progress callback (units done, added up)."""

    session: Callable  # () -> context manager of a committed session; .database_url (runner.Sessions)
    job_id: int
    assignment: str
    params: dict
    store: FileStore
    progress: Callable[[int], None]

    @property
    def prefix(self) -> str:
        return f"jobs/{self.job_id}"


@dataclass(frozen=True)
class Kind:
    name: str
    help: str
    plan: Callable  # (session, assignment name, params) -> Plan; raises JobInputError
    run: Callable  # (PartContext, payload) -> outcome (a JSON dict) of the part
    finish: Callable  # (PartContext, outcomes in part order) -> (result key or None, summary)


def _known_keys(params: dict, allowed: set[str]) -> None:
    for key in params:
        if key not in allowed:
            raise JobInputError(key, f"not an option of this job (options: {', '.join(sorted(allowed)) or 'none'})")


# -- render: worksheets and answer keys of the class, or of some students, as a zip of PDFs --------
#: Students per part: enough parts to keep every worker busy, few enough that a part is worth a
#: message and a database row (a part run again re-renders at most this many).
MIN_PART, MAX_PART, PARTS = 4, 200, 64


def part_size(students: int) -> int:
    return min(MAX_PART, max(MIN_PART, math.ceil(students / PARTS)))


def _plan_render(session, name: str, params: dict) -> Plan:
    from exgen.paper.tickets import worksheet_identities
    from exgen.storage.records import load_assignment

    _known_keys(params, {"students", "combined", "paper", "base_url"})
    record = load_assignment(session, name, variants_of=())  # the roster is enough here
    roster = [s["student_id"] for s in record.students]
    students = params.get("students")
    if students is None:
        chosen = roster
    else:
        if not isinstance(students, list) or not all(isinstance(s, str) for s in students):
            raise JobInputError("students", "a list of student ids")
        known = set(roster)
        for n, sid in enumerate(students):
            if sid not in known:
                raise JobInputError(f"students[{n}]", f"{sid!r} is not on the roster of {name}")
        wanted = set(students)
        chosen = [sid for sid in roster if sid in wanted]  # roster order, each once
        if not chosen:
            raise JobInputError("students", "an empty list: name at least one student, or leave it out")
    paper = params.get("paper", "a4")
    if paper not in ("a4", "letter"):
        raise JobInputError("paper", "'a4' or 'letter'")
    combined = params.get("combined", False)
    if not isinstance(combined, bool):
        raise JobInputError("combined", "true or false")
    base_url = params.get("base_url")
    if base_url:
        # made here, once: a worksheet's link needs the student's link row, which must exist
        # before parts run side by side (they only read it)
        worksheet_identities(session, record, base_url)
    size = part_size(len(chosen))
    payloads = [{"students": chosen[i:i + size]} for i in range(0, len(chosen), size)]
    return Plan(len(chosen), payloads, {"students": None if students is None else chosen,
                                        "combined": combined, "paper": paper, "base_url": base_url})


def _render_inputs(ctx: PartContext, students: list[str]):
    """The assignment with the variants of ``students`` only (its whole roster: file names are
    made unique over it), and those students' worksheet identities."""
    from exgen.paper.tickets import worksheet_identities
    from exgen.storage.records import load_assignment

    with ctx.session() as session:
        record = load_assignment(session, ctx.assignment, variants_of=students)
        identities = worksheet_identities(session, record, ctx.params.get("base_url")) if students else {}
    return record, {sid: identities[sid] for sid in students if sid in identities}


def _documents(stem: str) -> list[str]:
    from exgen.render.writer import KINDS

    return [f"{stem}-{kind}.pdf" for kind in KINDS]


def _run_render(ctx: PartContext, payload: dict) -> dict:
    from exgen.render.writer import file_stems, render_assignment

    record, identities = _render_inputs(ctx, payload["students"])
    stems = file_stems([s["student_id"] for s in record.students])
    out = ctx.store.scratch(f"{ctx.prefix}/documents")
    missing = [sid for sid in payload["students"]
               if not all((out / name).is_file() for name in _documents(stems[sid]))]
    ctx.progress(len(payload["students"]) - len(missing))  # finished by an earlier run of this part
    if missing:
        render_assignment(record, out, paper=ctx.params["paper"], jobs=1, identities=identities,
                          students=missing, progress=ctx.progress)
    return {"students": payload["students"]}  # what the finish zips, in this order


def _finish_render(ctx: PartContext, outcomes: list[dict]) -> tuple[str, str]:
    from exgen.render.writer import COMBINED, concatenate, file_stems

    result = f"{ctx.prefix}/{ctx.assignment}-documents.zip"
    record, _ = _render_inputs(ctx, [])
    stems = file_stems([s["student_id"] for s in record.students])
    chosen = [sid for outcome in outcomes for sid in outcome["students"]]  # the parts' students, in order
    out = ctx.store.scratch(f"{ctx.prefix}/documents")
    files = [out / name for sid in chosen for name in _documents(stems[sid]) if (out / name).is_file()]
    if not ctx.store.exists(result):  # a finish run again after the zip was renamed into place
        combined = []
        if ctx.params["combined"] and files:
            for kind, name in COMBINED.items():
                what = "worksheets" if kind == "worksheet" else "answer keys"
                singles = [f for f in files if f.name.endswith(f"-{kind}.pdf")]
                concatenate(singles, out / name, title=f"{record.title or record.name} — all {what}", forms=False)
                combined.append(out / name)

        def write(path: Path) -> None:
            with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
                for file in files + combined:
                    archive.write(file, f"{record.name}/{file.name}")

        ctx.store.save(result, write)
    ctx.store.remove(f"{ctx.prefix}/documents")
    count = len(files) + (len(COMBINED) if ctx.params["combined"] and files else 0)
    return result, f"{len(chosen)} students: {count} PDF files in {Path(result).name}"


# -- export, report, regrade: one part each ------------------------------------------------------
def _plan_export(session, name: str, params: dict) -> Plan:
    from exgen.export import FORMATS
    from exgen.storage.records import find_assignment

    _known_keys(params, {"format"})
    if params.get("format") not in FORMATS:
        raise JobInputError("format", f"unknown export format; known: {', '.join(FORMATS)}", 404)
    find_assignment(session, name)
    return Plan(1, [{}], {"format": params["format"]})


def _run_export(ctx: PartContext, payload: dict) -> dict:
    from exgen.export import FORMATS, export_inputs, make_export

    chosen = FORMATS[ctx.params["format"]]
    with ctx.session() as session:
        record, results = export_inputs(session, ctx.assignment, chosen)
    made = []

    def write(path: Path) -> None:  # streamed to the file: a large class's package is hundreds of MB
        with open(path, "wb") as out:
            made.append(make_export(record, results, chosen, out))

    key = ctx.store.save(f"{ctx.prefix}/{ctx.assignment}-{chosen.name}{chosen.suffix}", write)
    ctx.progress(1)
    return {"result": key, "summary": f"{ctx.params['format']} export, {made[0].summary}"}


def _plan_report(session, name: str, params: dict) -> Plan:
    from exgen.storage.records import find_assignment

    _known_keys(params, set())
    find_assignment(session, name)
    return Plan(1, [{}], {})


def _run_report(ctx: PartContext, payload: dict) -> dict:
    from exgen.grading.report import report_pdf

    with ctx.session() as session:
        analysis, pdf = report_pdf(session, ctx.assignment)
    key = ctx.store.save_bytes(f"{ctx.prefix}/{ctx.assignment}-report.pdf", pdf)
    ctx.progress(1)
    return {"result": key, "summary": f"item analysis of {len(analysis.items)} items for "
                                      f"{analysis.submitted} of {analysis.students} students"}


def _plan_regrade(session, name: str, params: dict) -> Plan:
    from sqlalchemy import func, select

    from exgen.storage.models import Submission
    from exgen.storage.records import find_assignment

    _known_keys(params, set())
    assignment = find_assignment(session, name)
    total = session.scalar(select(func.count(Submission.id)).where(Submission.assignment_id == assignment.id))
    return Plan(total or 0, [{}], {})


def _run_regrade(ctx: PartContext, payload: dict) -> dict:
    from exgen.grading.store import regrade
    from exgen.lti.outcomes import send_pending

    # One transaction, under the assignment's lock: it commits whole or not at all, and a
    # second run re-marks the same stored rows to the same marks (nothing is applied twice).
    # No progress inside it: on SQLite another connection could not write the count meanwhile.
    with ctx.session() as session:
        summary = regrade(session, ctx.assignment)
    ctx.progress(summary.submissions)
    send_pending(ctx.session.database_url)  # kept scores the regrade changed go to the LMS, as the command's
    return {"result": None, "summary": summary.line()}


def _finish_single(ctx: PartContext, outcomes: list[dict]) -> tuple[str | None, str]:
    return outcomes[0]["result"], outcomes[0]["summary"]


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("render", "worksheets and answer keys (exgen render) as a zip of PDFs", _plan_render, _run_render,
         _finish_render),
    Kind("export", "an export for an LMS (exgen export)", _plan_export, _run_export, _finish_single),
    Kind("report", "the item analysis (exgen report) as a PDF", _plan_report, _run_report, _finish_single),
    Kind("regrade", "every stored submission re-marked (exgen regrade)", _plan_regrade, _run_regrade,
         _finish_single),
)}
