"""Class rosters: a CSV with a ``student_id`` column (and usually ``name``), read strictly.

Every problem names the file, line and column; nothing is guessed. A BOM and blank lines are
fine; duplicate or empty ids, a missing ``student_id`` column and non-UTF-8 bytes are not.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from exgen.textfile import NotUTF8, decode_utf8

MAX_ID_LENGTH = 100


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
    text = decode(data, source)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as e:
        raise RosterError(f"{source}: line {reader.line_num}: not valid CSV ({e})") from None
    rows = [(n, row) for n, row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise RosterError(f"{source}: the roster is empty (expected a header line with student_id,name)")
    header_line, header = rows[0]
    columns = [h.strip().lower() for h in header]
    if "student_id" not in columns:
        raise RosterError(
            f"{source}: line {header_line}: no student_id column (the header has: "
            f"{', '.join(h.strip() for h in header) or 'nothing'})"
        )
    for i, name in enumerate(columns):
        if name and columns.index(name) != i:
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
        entries.append(RosterEntry(student_id, name, extra, line))
    if not entries:
        raise RosterError(f"{source}: the roster has a header but no students")
    return entries
