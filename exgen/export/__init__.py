"""LMS exports: a registry of format name -> writer, one small module per format.

Quiz formats (``moodle``, ``qti21``, ``canvas``) translate the assignment's variants — each
exercise a bank of its distinct variants, each asked item a blank with the grader's interval.
Gradebook formats (``canvas-grades``, ``moodle-grades``) translate ``exgen results``. Every
identifier is derived from content, so the same assignment exports byte-identical files.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class ExportFormat:
    name: str
    suffix: str  # of the file written when --out is a directory
    kind: str  # "quiz" (from the variants) or "grades" (from the results)
    writer: str  # "module:function", imported on use so the CLI starts fast
    help: str

    def write(self, *args, **kwargs) -> bytes:
        module, _, function = self.writer.partition(":")
        return getattr(importlib.import_module(module), function)(*args, **kwargs)


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
