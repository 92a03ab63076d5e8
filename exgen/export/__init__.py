"""LMS exports: a registry of format name -> writer, one small module per format.

Quiz formats (``moodle``, ``qti21``, ``canvas``) translate the assignment's variants — each
exercise a bank of its distinct variants, each asked item a blank with the grader's interval.
Gradebook formats (``canvas-grades``, ``moodle-grades``) translate ``exgen results``. Every
identifier is derived from content, so the same assignment exports byte-identical files.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import IO, Callable


@dataclass(frozen=True)
class ExportFormat:
    name: str
    suffix: str  # of the file written when --out is a directory
    kind: str  # "quiz" (from the variants) or "grades" (from the results)
    writer: str  # "module:function", imported on use so the CLI starts fast
    help: str

    def write(self, *args, **kwargs) -> None:
        """Write the file to the binary stream given as ``out`` (as it is made: a class's
        package is far larger than what it is made of)."""
        module, _, function = self.writer.partition(":")
        getattr(importlib.import_module(module), function)(*args, **kwargs)


FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("moodle", ".xml", "quiz", "exgen.export.moodle:write",
                 "Moodle XML: a category per exercise, one cloze question per distinct variant"),
    ExportFormat("qti21", ".zip", "quiz", "exgen.export.qti21:write",
                 "QTI 2.1 content package: an assessmentItem per variant, a test drawing one per exercise"),
    ExportFormat("canvas", ".zip", "quiz", "exgen.export.canvas:write",
                 "Canvas QTI 1.2 zip: a question group per exercise, one whole variant per question"),
    ExportFormat("canvas-grades", ".csv", "grades", "exgen.export.gradebook:canvas",
                 "Canvas gradebook CSV (Student, ID, SIS User ID, SIS Login ID, Section, score)"),
    ExportFormat("moodle-grades", ".csv", "grades", "exgen.export.gradebook:moodle",
                 "Moodle grade import CSV (ID number, e-mail, full name, score)"),
)}


class ExportError(ValueError):
    """An export that cannot be made (unknown format, nothing to export)."""


def export_format(name: str) -> ExportFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise ExportError(f"unknown export format {name!r}; known: {', '.join(FORMATS)}") from None


@dataclass
class Export:
    """One export made: its format and a line saying what is in it."""

    format: ExportFormat
    summary: str

    def filename(self, name: str) -> str:
        return f"{name}-{self.format.name}{self.format.suffix}"


def export_inputs(session, name: str, chosen: ExportFormat):
    """What an export of the assignment is made from: its record, and for gradebook formats
    the class results (``exgen results``)."""
    from exgen.storage.records import load_assignment

    record = load_assignment(session, name)
    results = None
    if chosen.kind == "grades":
        from exgen.storage.results import class_results

        results = class_results(session, name, flags=False)  # scores only
    return record, results


def make_export(record, results, chosen: ExportFormat, out: IO[bytes],
                progress: Callable[[int], None] | None = None) -> Export:
    """The export file, written to ``out`` (``exgen export`` and the service's download
    alike); ``progress`` is called with a count of variants done (quiz formats)."""
    if chosen.kind == "quiz":
        from exgen.export.quiz import build_quiz

        quiz = build_quiz(record)
        chosen.write(quiz, out=out, progress=progress)
        summary = (f"{len(quiz.exercises)} exercise{'s' if len(quiz.exercises) != 1 else ''}, "
                   f"{len(quiz.questions)} questions (distinct variants of "
                   f"{len(record.students)} students), "
                   f"{sum(len(q.blanks) for q in quiz.questions)} blanks")
    else:
        chosen.write(record, results, out=out)
        graded = sum(1 for r in results["students"].values() if r.get("submitted") or r.get("overrides"))
        summary = (f"{len(record.students)} students "
                   f"({graded} graded, {len(record.students) - graded} without a submission)")
    return Export(chosen, summary)
