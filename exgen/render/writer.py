"""Write worksheets and answer keys as PDF files: one pair per student, optionally combined.

File names come from student ids only after sanitising (:func:`file_stems`): an id is data,
never a path. Rendering goes through ``exgen.render.pdf``'s fetcher, which fetches nothing but data:
URLs and packaged files, so no text in a document can make WeasyPrint read a file or a URL.
Students are rendered by worker processes, one per CPU (see :func:`render_assignment`); the
files are the same byte for byte as one process writes them.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from exgen.output import write_with
from exgen.processes import worker_initializer, worker_task
from exgen.render.engine import Renderer, document_gc, tune_gc

KINDS = ("worksheet", "key")
FEEDBACK = "feedback"  # exgen feedback: one document per graded student
COMBINED = {"worksheet": "all-worksheets.pdf", "key": "all-keys.pdf"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
MAX_STEM = 64


def safe_stem(student_id: str) -> str:
    """A file-name stem for a student id: letters, digits, ``.``, ``_``, ``-`` only.

    An id that is already safe is kept; any other gets its unsafe characters replaced and a
    short hash of the original id appended, so ``a/b`` and ``a_b`` (or ``A`` and ``a`` on a
    case-insensitive disk, see :func:`file_stems`) never land on the same file.
    """
    cleaned = _UNSAFE.sub("_", student_id).strip("._-")[:MAX_STEM]
    if cleaned and cleaned == student_id and cleaned.lower() not in _WINDOWS_RESERVED:
        return cleaned
    digest = hashlib.sha256(student_id.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned or 'student'}-{digest}"


def file_stems(student_ids) -> dict[str, str]:
    """Distinct stems for a list of ids (distinct even ignoring case), in roster order."""
    stems: dict[str, str] = {}
    used: set[str] = set()
    for sid in student_ids:
        stem = safe_stem(sid)
        candidate, n = stem, 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{stem}-{n}"
        used.add(candidate.lower())
        stems[sid] = candidate
    return stems


@dataclass
class RenderSummary:
    students: int = 0
    files: list[Path] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=lambda: {kind: 0 for kind in KINDS})
    seconds: float = 0.0
    refused: list[str] = field(default_factory=list)  # URLs the fetcher refused (should be none)
    #: one line per student (or title) with a character no installed font has (an empty box)
    warnings: list[str] = field(default_factory=list)

    def line(self, out_dir) -> str:
        per = self.seconds / max(1, len(self.files) - sum(1 for f in self.files if f.name in COMBINED.values()))
        pages = " and ".join(f"{n} {PAGE_NAMES[kind]} pages" for kind, n in self.pages.items())
        return (f"{self.students} students: {pages}, {len(self.files)} PDF files in {out_dir} "
                f"({self.seconds:.1f} s, {per:.2f} s per document)")


PAGE_NAMES = {"worksheet": "worksheet", "key": "answer-key", FEEDBACK: "feedback"}


def default_jobs() -> int:
    """Worker processes to use: one per CPU this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def render_assignment(record, out_dir, *, paper: str = "a4", combined: bool = False,
                      progress: Callable[[int], None] | None = None,
                      jobs: int | None = None, identities: dict | None = None,
                      students: list[str] | None = None) -> RenderSummary:
    """Write ``<stem>-worksheet.pdf`` and ``<stem>-key.pdf`` per student into ``out_dir``
    (and ``all-worksheets.pdf`` / ``all-keys.pdf`` when ``combined``).

    ``identities``: student id -> ``exgen.paper.tickets.WorksheetIdentity``; the worksheets of
    these students are fillable PDF forms with their ticket and QR code (design §10).
    ``students``: render only these student ids (all by default). File names are those of a
    whole-class run either way.

    ``jobs``: processes that render at once (default: one per CPU). Documents are handed out
    one at a time; each file is written by the process that rendered it, and the summary and
    the combined files follow the roster order whatever order the documents finish in.
    """
    start = time.perf_counter()
    chosen = [i for i, s in enumerate(record.students) if students is None or s["student_id"] in students]
    printed = [i for i in chosen
               if any(record.variant(record.students[i]["student_id"], e["key"]) for e in record.exercises)]
    if progress and len(printed) < len(chosen):
        progress(len(chosen) - len(printed))  # a student without variants has nothing to print
    out = Path(out_dir)
    summary, singles = _render(_Job(record, out, paper, KINDS, identities=identities or {}), printed, progress, jobs)
    summary.warnings = _glyph_warnings(record, printed)
    if combined and printed:
        for kind in KINDS:
            path = out / COMBINED[kind]
            what = "worksheets" if kind == "worksheet" else "answer keys"
            concatenate(singles[kind], path, title=f"{record.title or record.name} — all {what}",
                         forms=False)
            summary.files.append(path)
    summary.seconds = time.perf_counter() - start
    return summary


def render_feedback(record, out_dir, work: dict, *, paper: str = "a4",
                    progress: Callable[[int], None] | None = None, jobs: int | None = None) -> RenderSummary:
    """Write ``<stem>-feedback.pdf`` for every student of ``work`` (student id ->
    ``exgen.paper.feedback.GradedWork``), in roster order, as :func:`render_assignment` writes
    worksheets (same file names, worker processes, atomic writes)."""
    start = time.perf_counter()
    printed = [i for i, s in enumerate(record.students) if s["student_id"] in work]
    summary, _ = _render(_Job(record, Path(out_dir), paper, (FEEDBACK,), feedback=work), printed, progress, jobs)
    summary.warnings = _glyph_warnings(record, printed)
    summary.seconds = time.perf_counter() - start
    return summary


def _glyph_warnings(record, printed: list[int]) -> list[str]:
    """What of the printed text no installed font has: the title, the course, each student's
    name and id (one line each)."""
    from exgen.render.fonts import glyph_warning

    lines = [glyph_warning(f"the assignment's {what}", text or "")
             for what, text in (("title", record.title), ("course", record.course))]
    for index in printed:
        student = record.students[index]
        lines.append(glyph_warning(f"{student['student_id']} ({student['name']})",
                                   f"{student['student_id']} {student['name']}"))
    return [line for line in lines if line]


def _render(job: _Job, printed: list[int], progress, jobs: int | None) -> tuple[RenderSummary, dict]:
    """Render every document of ``job`` for the students at ``printed`` (roster indices)."""
    job.out.mkdir(parents=True, exist_ok=True)
    jobs = min(default_jobs() if jobs is None else max(1, jobs), len(printed))
    if jobs > 1 and _can_fork():
        results = _render_in_pool(job, printed, jobs, progress)
    else:
        results = _render_here(job, printed, progress)
    summary = RenderSummary(students=len(printed), pages={kind: 0 for kind in job.kinds})
    singles: dict[str, list[Path]] = {kind: [] for kind in job.kinds}
    for index in printed:  # roster order
        for kind in job.kinds:
            done = results[index, kind]
            summary.files.append(done.path)
            singles[kind].append(done.path)
            summary.pages[kind] += done.pages
            summary.refused += done.refused
    return summary, singles


# -- rendering documents, here or in worker processes -------------------------------------------
@dataclass
class _Job:
    record: object
    out: Path
    paper: str
    kinds: tuple[str, ...]  # the documents of each student, in the order they are listed
    identities: dict = field(default_factory=dict)  # student id -> WorksheetIdentity: fillable worksheets
    feedback: dict = field(default_factory=dict)  # student id -> GradedWork, for FEEDBACK documents

    def __post_init__(self):
        self.stems = file_stems([s["student_id"] for s in self.record.students])


@dataclass
class _Done:
    """One document written."""

    path: Path
    pages: int
    refused: list[str]  # URLs the renderer's fetcher refused while laying it out


def _render_document(job: _Job, renderer: Renderer, index: int, kind: str) -> _Done:
    from exgen.paper.form import FormWriter
    from exgen.render.documents import form_fields

    student = job.record.students[index]
    identity = job.identities.get(student["student_id"]) if kind == "worksheet" else None
    already = len(renderer.refused)
    if kind == FEEDBACK:
        from exgen.paper.feedback import feedback_html

        html = feedback_html(job.record, student, job.feedback[student["student_id"]], job.paper)
    else:
        html = renderer.html(job.record, student, kind, identity)
    document = renderer.document(html)
    path = job.out / f"{job.stems[student['student_id']]}-{kind}.pdf"
    _write(document, path, FormWriter(form_fields(job.record, student, identity)) if identity else None)
    return _Done(path, len(document.pages), renderer.refused[already:])


def _render_here(job: _Job, indices: list[int], progress) -> dict[tuple[int, str], _Done]:
    if not indices:
        return {}
    renderer = Renderer(job.paper)
    results = {}
    with document_gc():
        for index in indices:
            for kind in job.kinds:
                results[index, kind] = _render_document(job, renderer, index, kind)
            if progress:
                progress(1)
    return results


def _can_fork() -> bool:
    """Worker processes are forked: they inherit the loaded assignment and the imported
    modules instead of unpickling and importing them (spawn costs ~1 s per worker). Where fork
    is not the platform's safe default (macOS, Windows), documents are rendered in-process."""
    import multiprocessing
    import sys

    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


#: The job a forked worker renders from, set in the parent just before the pool forks.
_JOB: _Job | None = None
_RENDERER: Renderer | None = None


def _worker_start(parent: int) -> None:
    global _RENDERER
    worker_initializer(parent)  # dies with the parent, stops cleanly on SIGTERM
    _RENDERER = Renderer(_JOB.paper)  # each process has its own fonts and caches
    tune_gc()  # for the rest of the worker's life


def _worker_render(index: int, kind: str) -> _Done:
    with worker_task():
        return _render_document(_JOB, _RENDERER, index, kind)


def _render_in_pool(job: _Job, indices: list[int], jobs: int, progress) -> dict[tuple[int, str], _Done]:
    """One task per document, each student's key (the longer one) first: with tasks this
    small the workers finish within a worksheet of each other, whatever the class size."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from exgen.render.engine import prepare

    global _JOB
    prepare(job.record, job.paper)
    _JOB = job
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_worker_start, initargs=(os.getpid(),)) as pool:
            futures = {pool.submit(_worker_render, index, kind): (index, kind)
                       for index in indices for kind in reversed(job.kinds)}
            results, waiting = {}, {index: len(job.kinds) for index in indices}
            try:
                for future in as_completed(futures):
                    index, kind = futures[future]
                    results[index, kind] = future.result()  # a worker's exception is raised here
                    waiting[index] -= 1
                    if progress and not waiting[index]:
                        progress(1)  # the student's documents are all written
            except BaseException:
                pool.shutdown(cancel_futures=True)  # no point rendering the others
                raise
            return results
    finally:
        _JOB = None


# -- files -----------------------------------------------------------------------------------------
def _write(document, path: Path, finisher=None) -> None:
    """Through a temporary file in the same directory (``exgen.output``): a crash or a full
    disk leaves no half PDF, and the previous file stays until the new one is whole."""
    write_with(path, lambda tmp: document.write_pdf(str(tmp), finisher=finisher))


def concatenate(files: list[Path], path: Path, title: str, forms: bool = True) -> None:
    """One PDF of all pages of ``files``, in order (each student's first page starts a sheet).

    The single files are joined with pypdf rather than laid out again: writing the combined
    file through WeasyPrint cost as much as writing every single file a second time, and it
    kept every student's laid-out document in memory until the end. Without ``forms`` the
    form fields are left out: the combined worksheets are for printing, and every student's
    fields share their names (one field per name in a PDF: typing in one would fill all).
    """
    from pypdf import PdfWriter

    writer = PdfWriter()
    for file in files:
        writer.append(str(file), excluded_fields=[] if forms else ["/Annots", "/B"])
    if not forms:
        writer.root_object.pop("/AcroForm", None)
    writer.add_metadata({"/Title": title, "/Creator": "exgen"})
    write_with(path, lambda tmp: writer.write(str(tmp)))


# -- single documents and the class as one download (the service) --------------------------------
_ONE_AT_A_TIME = threading.Lock()


def student_pdf(record, student_id: str, kind: str, *, paper: str = "a4", identities: dict | None = None) -> bytes:
    """One student's worksheet or answer key as PDF bytes, exactly as ``exgen render --student``
    writes it (``identities`` as for :func:`render_assignment`); ``KeyError`` for an unknown id.
    The service calls this from several threads: one document is laid out at a time."""
    import tempfile

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    index = next((i for i, s in enumerate(record.students) if s["student_id"] == student_id), None)
    if index is None:
        raise KeyError(student_id)
    with _ONE_AT_A_TIME, tempfile.TemporaryDirectory(prefix="exgen-document-") as directory:
        _, singles = _render(_Job(record, Path(directory), paper, (kind,), identities=identities or {}),
                             [index], None, 1)
        return singles[kind][0].read_bytes()


def documents_zip(record, target: Path, *, paper: str = "a4", identities: dict | None = None,
                  progress: Callable[[int], None] | None = None) -> RenderSummary:
    """Every student's worksheet and answer key and the two combined files (``exgen render
    --combined``), zipped into ``target`` (written under a temporary name, then renamed). In
    this process, one document after another: forking workers out of a threaded server is not
    safe (long jobs belong on a task queue)."""
    import tempfile
    import zipfile

    target = Path(target)
    with _ONE_AT_A_TIME, tempfile.TemporaryDirectory(prefix="exgen-documents-") as directory:
        summary = render_assignment(record, directory, paper=paper, combined=True, progress=progress, jobs=1,
                                    identities=identities)

        def write(tmp: Path) -> None:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
                for path in summary.files:
                    archive.write(path, f"{record.name}/{path.name}")

        write_with(target, write)
    return summary
