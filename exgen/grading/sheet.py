"""Answer-sheet CSVs (design §4): writing the empty sheet, reading a filled one.

The header is ``student_id`` and every asked item (``q2.dL/dW1[1,2]``); the sheet has one row
per student. Reading is forgiving where a spreadsheet may have changed the file (a BOM, UTF-16,
``;`` or tab as separator after a European Excel, extra columns such as ``name``, missing trailing
cells) and strict where guessing could lose or corrupt a mark: a header naming an item the
assignment does not have, or a column twice, stops the whole file (nothing is stored). A row
that cannot be read is kept with the reason, never dropped.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
from exgen.limits import MAX_CELL_LENGTH, MAX_SHEET_FILE, MAX_SHEET_ROWS, megabytes
from exgen.textfile import NotUTF8, decode_utf8
from dataclasses import dataclass, field

STUDENT_ID = "student_id"
#: Spreadsheets treat a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DELIMITERS = (",", ";", "\t")


class SheetError(ValueError):
    """The file as a whole cannot be used; the message names the file, line and column."""


@dataclass
class SheetRow:
    line: int  # first line of the row in the file (1-based)
    raw: str  # the row's text exactly as in the file
    student_ref: str = ""  # the student id as written
    cells: dict[str, str] | None = None  # header -> cell text; None when the row is unreadable
    problem: str = ""  # why the row cannot be graded (unreadable, no id, too many cells)

    def answers(self, exercise: str) -> dict[str, str]:
        """The cells of one exercise, keyed by item without the exercise prefix."""
        prefix = exercise + "."
        return {h[len(prefix):]: text for h, text in (self.cells or {}).items() if h.startswith(prefix)}

    def has_answers(self, items) -> bool:
        return has_answers(self.cells or {}, items)


@dataclass
class AnswerSheet:
    source: str  # the file name as given
    sha256: str  # of the file's bytes: the same file graded twice is recognised
    columns: list[str]  # item columns, in file order
    ignored: list[str] = field(default_factory=list)  # other columns (name, email ...)
    rows: list[SheetRow] = field(default_factory=list)
    delimiter: str = ","

    @property
    def decimal_comma(self) -> bool:
        """Saved by a spreadsheet whose locale writes decimal commas: only those use ';' to
        separate cells (the comma is taken)."""
        return self.delimiter == ";"


def has_answers(cells: dict, items) -> bool:
    """Whether any item column holds something (a row left as the template had it does not)."""
    return any((cells.get(item) or "").strip() for item in items)


def sheet_items(record) -> list[str]:
    """Every asked item of an assignment (``exgen.storage.records.AssignmentRecord``), with the
    exercise prefix, in exercise order and work order within each exercise."""
    items: list[str] = []
    for exercise in record.exercises:
        seen: dict[str, None] = {}
        for variant in record.variants:
            if variant.exercise == exercise["key"]:
                for item in variant.asked:
                    seen.setdefault(item, None)
        items.extend(f"{exercise['key']}.{item}" for item in seen)
    return items


def defuse(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_sheet(record, handle) -> int:
    """Write the empty answer sheet of an assignment; returns the number of student rows."""
    writer = csv.writer(handle, lineterminator="\r\n")
    items = sheet_items(record)
    writer.writerow([STUDENT_ID, *items])
    for student in record.students:
        writer.writerow([defuse(student["student_id"]), *([""] * len(items))])
    return len(record.students)


# -- reading ---------------------------------------------------------------------------------
def decode(data: bytes, source: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise SheetError(f"{source}: starts like UTF-16 text but is not; save it as CSV UTF-8") from None
    try:
        return decode_utf8(data, source, "save the sheet as UTF-8 (in Excel: CSV UTF-8)")
    except NotUTF8 as e:
        raise SheetError(str(e)) from None


def _delimiter(header_line: str) -> str:
    """The separator of the file, from its header: the one that yields a student_id column."""
    best, best_count = ",", 0
    for delimiter in DELIMITERS:
        try:
            cells = next(csv.reader([header_line], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        names = [c.strip().lower() for c in cells]
        if STUDENT_ID in names and len(cells) > best_count:
            best, best_count = delimiter, len(cells)
    return best


def _records(text: str, delimiter: str):
    """(first line, raw text, cells or None, problem) for every CSV record, blank lines skipped.

    The raw text is cut from the file itself, so a record spanning lines (a quoted line break)
    is kept whole; a record the csv module refuses becomes a row with the reason."""
    lines = list(io.StringIO(text, newline=""))
    reader = csv.reader(iter(lines), delimiter=delimiter, strict=True)
    consumed = 0
    while True:
        try:
            cells = next(reader)
            problem = ""
        except StopIteration:
            return
        except csv.Error as e:
            cells, problem = None, f"not valid CSV ({e})"
        start, consumed = consumed, reader.line_num
        raw = "".join(lines[start:consumed])
        if raw.endswith("\r\n"):
            raw = raw[:-2]
        elif raw.endswith(("\n", "\r")):
            raw = raw[:-1]
        if cells is not None and not any(c.strip() for c in cells):
            continue
        yield start + 1, raw, cells, problem


def read_sheet(data: bytes, source: str, items: list[str]) -> AnswerSheet:
    """Read a filled answer sheet of an assignment whose asked items are ``items``."""
    if len(data) > MAX_SHEET_FILE:
        raise SheetError(f"{source}: the answer sheet is larger than {megabytes(MAX_SHEET_FILE)} (exgen.limits)")
    text = decode(data, source)
    nul = text.find("\x00")
    if nul >= 0:  # no CSV holds one (a spreadsheet file renamed?), and no database text can
        line = text.count("\n", 0, nul) + 1
        raise SheetError(f"{source}: line {line}, column {nul - (text.rfind(chr(10), 0, nul) + 1) + 1}: "
                         "a NUL byte; this is not a CSV text file (save the sheet as CSV UTF-8)")
    sha256 = hashlib.sha256(data).hexdigest()
    first = text.lstrip("\r\n").split("\n", 1)[0]
    if not first.strip():
        raise SheetError(f"{source}: the file is empty (expected the header student_id,<items>)")
    delimiter = _delimiter(first)
    records = _records(text, delimiter)
    try:
        header_line, _, header, problem = next(records)
    except StopIteration:
        raise SheetError(f"{source}: the file is empty (expected the header student_id,<items>)") from None
    if header is None:
        raise SheetError(f"{source}: line {header_line}: the header is not valid CSV ({problem})")
    names = [h.strip() for h in header]
    lowered = [n.lower() for n in names]
    if STUDENT_ID not in lowered:
        raise SheetError(f"{source}: line {header_line}: no student_id column (the header starts with "
                         f"{', '.join(names[:3]) or 'nothing'}); write the sheet with exgen answer-sheet")
    known = set(items)
    exercises = {item.split(".", 1)[0] for item in items}
    columns, ignored, seen = [], [], {}
    for n, name in enumerate(names, 1):
        where = f"{source}: line {header_line}, column {n}"
        if name in seen or (name.lower() == STUDENT_ID and STUDENT_ID in seen):
            raise SheetError(f"{where}: column {name!r} appears twice (also column {seen.get(name) or seen[STUDENT_ID]})")
        if name.lower() == STUDENT_ID:
            seen[STUDENT_ID] = n
            continue
        seen[name] = n
        if name in known:
            columns.append(name)
        elif name.split(".", 1)[0] in exercises and "." in name:
            close = difflib.get_close_matches(name, items, n=1, cutoff=0.8)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SheetError(f"{where}: {name!r} is not an item of this assignment{hint}")
        else:
            ignored.append(name or f"(column {n}, no name)")
    if not columns:
        raise SheetError(f"{source}: line {header_line}: no answer columns (expected items like {items[0]!r})")
    id_column = lowered.index(STUDENT_ID)
    sheet = AnswerSheet(source, sha256, columns, ignored, delimiter=delimiter)
    width = len(names)
    for line, raw, cells, problem in records:
        if len(sheet.rows) == MAX_SHEET_ROWS:
            raise SheetError(f"{source}: line {line}: more than {MAX_SHEET_ROWS} rows (exgen.limits)")
        row = SheetRow(line, raw)
        sheet.rows.append(row)
        if cells is None:
            row.problem = problem
            continue
        row.student_ref = cells[id_column].strip() if id_column < len(cells) else ""
        long = next((n for n, c in enumerate(cells, 1) if len(c) > MAX_CELL_LENGTH), None)
        if long is not None:
            row.problem = (f"column {long}: a cell of {len(cells[long - 1])} characters; at most "
                           f"{MAX_CELL_LENGTH} (exgen.limits)")
            continue
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            row.problem = f"{len(cells)} cells but the header has {width} columns"
            continue
        cells = cells + [""] * (width - len(cells))
        row.cells = {name: cells[n] for n, name in enumerate(names) if name}
        if not row.student_ref:
            row.problem = "no student id"
    return sheet
