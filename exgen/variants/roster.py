"""Class rosters: a CSV with a ``student_id`` column (and usually ``name``), read strictly.

Every problem names the file, line and column; nothing is guessed. A BOM and blank lines are
fine; duplicate or empty ids, a missing ``student_id`` column, non-UTF-8 bytes, control
characters (NUL, line breaks inside a cell ...) and anything beyond the limits
(``exgen.limits``: file size, students, cell length) are not: every cell ends up on worksheets
and in gradebooks.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from exgen.limits import (MAX_CELL_LENGTH, MAX_ROSTER_COLUMNS, MAX_ROSTER_FILE, MAX_STUDENT_ID_LENGTH,
                          MAX_STUDENT_NAME_LENGTH, MAX_STUDENTS, megabytes)
from exgen.textfile import NotUTF8, control_character, decode_utf8

MAX_ID_LENGTH = MAX_STUDENT_ID_LENGTH


class RosterError(ValueError):
    pass


@dataclass(frozen=True)
class RosterEntry:
    student_id: str
    name: str
    extra: dict = field(default_factory=dict)  # other columns, by header
    line: int = 0


def decode(data: bytes, source: str) -> str:
    try:
        return decode_utf8(data, source, "save the roster as UTF-8 (in Excel: CSV UTF-8)")
    except NotUTF8 as e:
        raise RosterError(str(e)) from None


def read_roster(data: bytes, source: str) -> list[RosterEntry]:
    if len(data) > MAX_ROSTER_FILE:
        raise RosterError(f"{source}: the roster is larger than {megabytes(MAX_ROSTER_FILE)} (exgen.limits)")
    text = decode(data, source)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []  # (line, cells) of the header and every student, blank lines left out
    try:
        for row in reader:
            if len(row) > MAX_ROSTER_COLUMNS:
                raise RosterError(f"{source}: line {reader.line_num}: {len(row)} cells; at most "
                                  f"{MAX_ROSTER_COLUMNS} columns (exgen.limits)")
            if not any(cell.strip() for cell in row):
                continue
            # the line where the row starts: a quoted cell may span lines
            rows.append((reader.line_num - sum(cell.count("\n") for cell in row), row))
            if len(rows) > MAX_STUDENTS + 1:
                raise RosterError(f"{source}: line {rows[-1][0]}: more than {MAX_STUDENTS} students "
                                  "(exgen.limits)")
    except csv.Error as e:
        raise RosterError(f"{source}: line {reader.line_num}: not valid CSV ({e})") from None
    for line, row in rows:
        for column, cell in enumerate(row, 1):
            _check_cell(cell, f"{source}: line {line}, column {column}")
    if not rows:
        raise RosterError(f"{source}: the roster is empty (expected a header line with student_id,name)")
    header_line, header = rows[0]
    columns = [h.strip().lower() for h in header]
    if "student_id" not in columns:
        raise RosterError(
            f"{source}: line {header_line}: no student_id column (the header has: "
            f"{', '.join(h.strip() for h in header) or 'nothing'})"
        )
    first: dict[str, int] = {}
    for i, name in enumerate(columns):
        if name and first.setdefault(name, i) != i:
            raise RosterError(f"{source}: line {header_line}, column {i + 1}: column {name!r} appears twice")
    id_col = columns.index("student_id")
    name_col = columns.index("name") if "name" in columns else None
    entries: list[RosterEntry] = []
    seen: dict[str, int] = {}
    for line, row in rows[1:]:
        if len(row) > len(columns) and any(cell.strip() for cell in row[len(columns):]):
            raise RosterError(
                f"{source}: line {line}: {len(row)} cells but the header has {len(columns)} columns"
            )
        row = row + [""] * (len(columns) - len(row))
        student_id = row[id_col].strip()
        where = f"{source}: line {line}, column {id_col + 1} (student_id)"
        if not student_id:
            raise RosterError(f"{where}: empty student id")
        if len(student_id) > MAX_ID_LENGTH:
            raise RosterError(f"{where}: student id longer than {MAX_ID_LENGTH} characters")
        if student_id in seen:
            raise RosterError(f"{where}: student id {student_id!r} is already on line {seen[student_id]}")
        seen[student_id] = line
        extra = {
            header[i].strip(): row[i].strip()
            for i in range(len(columns))
            if i not in (id_col, name_col) and columns[i]
        }
        name = row[name_col].strip() if name_col is not None else ""
        if len(name) > MAX_STUDENT_NAME_LENGTH:
            raise RosterError(f"{source}: line {line}, column {name_col + 1} (name): a name of {len(name)} "
                              f"characters; at most {MAX_STUDENT_NAME_LENGTH} (exgen.limits)")
        entries.append(RosterEntry(student_id, name, extra, line))
    if not entries:
        raise RosterError(f"{source}: the roster has a header but no students")
    return entries


def _check_cell(cell: str, where: str) -> None:
    if len(cell) > MAX_CELL_LENGTH:
        raise RosterError(f"{where}: a cell of {len(cell)} characters; at most {MAX_CELL_LENGTH} (exgen.limits)")
    bad = control_character(cell.strip())
    if bad:
        raise RosterError(f"{where}: contains a control character ({bad}); every cell must be one line "
                          "of text")
