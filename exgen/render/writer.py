"""Write worksheets and answer keys as PDF files: one pair per student, optionally combined.

File names come from student ids only after sanitising (:func:`file_stems`): an id is data,
never a path. Rendering goes through ``exgen.pdf``'s fetcher, which fetches nothing but data:
URLs and packaged files, so no text in a document can make WeasyPrint read a file or a URL.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from exgen.render.documents import student_document

KINDS = ("worksheet", "key")
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

    def line(self, out_dir) -> str:
        per = self.seconds / max(1, len(self.files) - sum(1 for f in self.files if f.name in COMBINED.values()))
        return (f"{self.students} students: {self.pages['worksheet']} worksheet pages and "
                f"{self.pages['key']} answer-key pages, {len(self.files)} PDF files in {out_dir} "
                f"({self.seconds:.1f} s, {per:.2f} s per document)")


class Renderer:
    """Renders student documents; shares fonts and the image cache between documents so that
    formulas repeated across students are parsed once per run."""

    def __init__(self, paper: str = "a4"):
        from weasyprint.text.fonts import FontConfiguration

        from exgen.pdf import url_fetcher

        self.paper = paper
        self.fetcher = url_fetcher()
        self.font_config = FontConfiguration()
        self.image_cache: dict = {}

    def html(self, record, student: dict, kind: str) -> str:
        from exgen.templating import render

        doc = student_document(record, student, kind, self.paper)
        return render(f"{kind}.html", doc=doc)

    def document(self, html: str):
        """Lay out one HTML document (a ``weasyprint.Document``)."""
        import logging

        from weasyprint import HTML

        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        return HTML(string=html, base_url=None, url_fetcher=self.fetcher).render(
            font_config=self.font_config, cache=self.image_cache)

    @property
    def refused(self) -> list[str]:
        return self.fetcher.refused


def render_assignment(record, out_dir, *, paper: str = "a4", combined: bool = False,
                      progress: Callable[[int], None] | None = None) -> RenderSummary:
    """Write ``<stem>-worksheet.pdf`` and ``<stem>-key.pdf`` per student into ``out_dir``
    (and ``all-worksheets.pdf`` / ``all-keys.pdf`` when ``combined``)."""
    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    renderer = Renderer(paper)
    summary = RenderSummary()
    stems = file_stems([s["student_id"] for s in record.students])
    kept: dict[str, list] = {kind: [] for kind in KINDS}
    for student in record.students:
        if not any(record.variant(student["student_id"], e["key"]) for e in record.exercises):
            if progress:
                progress(1)
            continue  # a student without variants has nothing to print
        summary.students += 1
        for kind in KINDS:
            document = renderer.document(renderer.html(record, student, kind))
            path = out / f"{stems[student['student_id']]}-{kind}.pdf"
            _write(document, path)
            summary.files.append(path)
            summary.pages[kind] += len(document.pages)
            if combined:
                kept[kind].append(document)
        if progress:
            progress(1)
    if combined and summary.students:
        for kind in KINDS:
            documents = kept[kind]
            pages = [page for document in documents for page in document.pages]
            path = out / COMBINED[kind]
            _write(documents[0].copy(pages), path)
            summary.files.append(path)
    summary.refused = list(renderer.refused)
    summary.seconds = time.perf_counter() - start
    return summary


def _write(document, path: Path) -> None:
    """Write via a temporary file in the same directory, so a crash leaves no half PDF."""
    tmp = path.with_name(f".{path.name}.tmp")
    document.write_pdf(str(tmp))
    os.replace(tmp, path)
