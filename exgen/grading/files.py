"""``exgen grade NAME PATH...``: answer sheets and filled worksheets, alone, in folders and in
zips, graded in one run (one transaction: the caller commits all or nothing).

Each file goes through the one store path (``GradingRun.grade``): a CSV is an answer sheet, a
filled worksheet a one-row sheet (``exgen.paper.filled``) whose student is its ticket's. A file
that cannot be graded — not a PDF, damaged, encrypted, no ticket or a bad one, another
assignment's, an empty form, over a size limit, a zip bomb — is stored as a rejected
submission (its SHA-256, its name, the reason; source ``pdf``), so grading the same files
again changes nothing and nothing handed in goes unrecorded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from statistics import fmean
from typing import Callable

from sqlalchemy.orm import Session

from exgen.grading.sheet import AnswerSheet, SheetError, SheetRow, read_sheet
from exgen.grading.store import GradeSummary, GradingRun
from exgen.paper.collect import CSV, Incoming, Plan, collect, plan
from exgen.paper.filled import Unreadable, read_form, worksheet_row
from exgen.paper.tickets import TicketKey


@dataclass
class RunSummary:
    assignment: str
    max_score: float = 0.0
    sheets: list[GradeSummary] = field(default_factory=list)  # one per file graded
    pdfs: int = 0  # files read as submitted worksheets (PDFs, and what claimed to be one)
    csvs: int = 0
    skipped: int = 0  # system files (.DS_Store, __MACOSX/ ...) left out
    rejected_files: list = field(default_factory=list)  # (file name, reason)
    rejected_rows: list = field(default_factory=list)  # (file name, line, student ref, reason) of CSVs
    handed_in: dict = field(default_factory=dict)  # student id -> files carrying their ticket
    column_notes: list = field(default_factory=list)  # answer sheets' ignored and missing columns
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return len(self.rejected_files) + len(self.rejected_rows)

    def notes(self) -> list[str]:
        """Students whose ticket came in more than one file of this run."""
        return [f"{len(files)} files carry the ticket of {sid}: {', '.join(files)}"
                for sid, files in self.handed_in.items() if len(files) > 1]

    def line(self) -> str:
        rows = sum(s.rows for s in self.sheets)
        already = sum(s.already_stored for s in self.sheets)
        what = (self.sheets[0].source if len(self.sheets) == 1
                else f"all {len(self.sheets)} files")
        if rows and already == rows:
            text = f"{self.assignment}: {what} {'was' if len(self.sheets) == 1 else 'were'} graded before; nothing changed ("
            text += f"{rows} {'rows' if self.csvs else 'submissions'} already stored"
            return text + (f", {self.rejected} of them rejected)" if self.rejected else ")")
        students = set().union(*(s.students for s in self.sheets)) if self.sheets else set()
        answers = sum(s.answers for s in self.sheets)
        scores = [score for s in self.sheets for score in s.scores]
        parts = [f"{self.assignment}: {len(students)} students graded ({answers} answers)"]
        if scores:
            mean = fmean(scores)
            share = f" ({100 * mean / self.max_score:.0f} %)" if self.max_score else ""
            parts.append(f"mean score {mean:.2f} of {self.max_score:g}{share}")
        if self.csvs or not self.pdfs:
            n = len(self.rejected_rows)
            parts.append(f"{n} row{'' if n == 1 else 's'} rejected")
        if self.pdfs:
            n = len(self.rejected_files)
            parts.append(f"{self.pdfs} PDF{'' if self.pdfs == 1 else 's'} read, {n} file{'' if n == 1 else 's'} rejected")
        empty = sum(s.empty for s in self.sheets)
        if empty:
            parts.append(f"{empty} blank rows skipped")
        superseded = sum(s.superseded for s in self.sheets)
        if superseded:
            parts.append(f"{superseded} earlier submissions superseded")
        if already:
            parts.append(f"{already} {'rows' if self.csvs else 'submissions'} already stored")
        if self.skipped:
            parts.append(f"{self.skipped} system files skipped")
        return ", ".join(parts) + f" in {self.seconds:.1f} s"


def _rejected_file(incoming: Incoming, problem: str, raw: str = "") -> AnswerSheet:
    """A file that cannot be graded, as a one-row sheet the store keeps as rejected."""
    return AnswerSheet(incoming.name, incoming.sha256, [], rows=[SheetRow(1, raw, problem=problem)])


def _column_notes(sheet: GradeSummary, name: str) -> list[str]:
    notes = []
    if sheet.ignored_columns:
        notes.append(f"{sheet.source}: columns ignored (not items of {name}): {', '.join(sheet.ignored_columns)}")
    if sheet.missing_columns:
        shown = ", ".join(sheet.missing_columns[:8]) + (" ..." if len(sheet.missing_columns) > 8 else "")
        notes.append(f"{sheet.source}: {len(sheet.missing_columns)} items have no column and count as missing: {shown}")
    return notes


def grade_paths(session: Session, name: str, paths: list[str],
                progress: Callable[[int], None] | None = None, files: Plan | None = None) -> RunSummary:
    """Grade every file of ``paths`` (see the module); the caller commits or rolls back.
    Raises ``CollectError`` for a path that cannot be used and ``SheetError`` for an answer
    sheet named on the command line that cannot be read: the run stops, nothing is kept."""
    start = time.perf_counter()
    files = files or plan(paths)
    run = GradingRun(session, name)
    items = set(run.grader.items)
    key = TicketKey.of(session)
    summary = RunSummary(name, max_score=run.grader.max_score)
    for incoming in collect(files):
        if incoming.kind == CSV and not incoming.problem:
            summary.csvs += 1
            try:
                sheet = read_sheet(incoming.data, incoming.name, run.grader.items)
            except SheetError as e:
                if incoming.direct:
                    raise
                sheet = _rejected_file(incoming, str(e).removeprefix(f"{incoming.name}: "))
            graded = run.grade(sheet, source="csv")
            summary.sheets.append(graded)
            if sheet.columns:
                summary.column_notes += _column_notes(graded, name)
                summary.rejected_rows += [(incoming.name, *r) for r in graded.rejected]
            else:
                summary.rejected_files += [(incoming.name, problem) for _, _, problem in graded.rejected]
        else:
            summary.pdfs += 1
            if incoming.problem:
                sheet = _rejected_file(incoming, incoming.problem)
            else:
                try:
                    row = worksheet_row(read_form(incoming.data), key, run.record, items)
                except Unreadable as e:
                    row = SheetRow(1, "", problem=str(e))
                sheet = AnswerSheet(incoming.name, incoming.sha256, sorted(row.cells or ()), rows=[row])
                if row.cells is not None:
                    summary.handed_in.setdefault(row.student_ref, []).append(incoming.name)
            graded = run.grade(sheet, source="pdf")
            summary.sheets.append(graded)
            summary.rejected_files += [(incoming.name, problem) for _, _, problem in graded.rejected]
        if progress:
            progress(1)
    summary.skipped = files.skipped  # folders' and zips' system files
    summary.seconds = time.perf_counter() - start
    return summary
