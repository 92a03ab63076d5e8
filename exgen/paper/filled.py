"""A filled worksheet read back (design §10): its form fields into answer cells keyed by item,
its ticket checked, or the one-line reason it cannot be graded.

Everything in the file is data: field values become cells exactly as typed (the judge reads
them like answer-sheet cells), nothing in a PDF is run or followed, and a file is read only
after its size was checked. A worksheet becomes a one-row answer sheet (``SheetRow``), so it
is marked and stored by the same code as a CSV row; its raw text is the fields as read (JSON).
"""

from __future__ import annotations

import io
import json
import logging
import re
import warnings
from dataclasses import dataclass

from exgen.grading.sheet import SheetRow
from exgen.limits import MAX_CELL_LENGTH, MAX_PDF_BYTES
from exgen.paper.form import TICKET_FIELD, item_of_field
from exgen.paper.tickets import TicketKey, parse_ticket, variant_codes

#: A PDF larger than this is not read (exgen.limits); characters of one field's value kept, as
#: of any answer-sheet cell (an answer is a number; the rest is noise).
MAX_FIELD_TEXT = MAX_CELL_LENGTH
#: How far into the file the PDF header may start (the format allows leading junk).
HEADER_WINDOW = 1024
#: Where the worksheet prints its ticket, for a reader that dropped the hidden field.
_PRINTED_TICKET = re.compile(r"Ticket\s+(\S+)")

_SIGNATURES = [  # what a file that is not a PDF probably is, for the message
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"), (b"MM\x00*", "a TIFF image"), (b"PK\x03\x04", "a zip archive (a Word or OpenDocument file?)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"), (b"{\\rtf", "an RTF document"),
]


ENCRYPTED = "encrypted (password-protected): save the worksheet again without a password"


class Unreadable(ValueError):
    """The file is no PDF exgen can read; the message is the one-line reason."""


@dataclass
class FormContents:
    fields: dict[str, str]  # every text field of the form as read: name -> value
    ticket: str | None  # the ticket's text (from its field, else as printed on page 1)


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def too_large(size: int) -> str:
    return f"over the size limit: {megabytes(size)} (a PDF may have at most {MAX_PDF_BYTES // 1024 // 1024} MB)"


def _kind(data: bytes) -> str:
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    return "text" if data[:512].isascii() and data.strip() else "something else"


def _text(value) -> str:
    """A field value as text: a string as is, anything else (a name, a number) as written."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value)
    if len(text) > MAX_FIELD_TEXT:
        text = text[:MAX_FIELD_TEXT] + f"…(cut: {len(text)} characters)"
    return text


def read_form(data: bytes) -> FormContents:
    """The form fields and ticket of a PDF; :class:`Unreadable` with the reason otherwise."""
    if len(data) > MAX_PDF_BYTES:
        raise Unreadable(too_large(len(data)))
    if b"%PDF-" not in data[:HEADER_WINDOW]:
        if not data:
            raise Unreadable("an empty file, not a PDF")
        raise Unreadable(f"not a PDF file: it looks like {_kind(data)}")
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    # pypdf reports what it repairs in a damaged file as log records and warnings: the reason
    # the file is rejected (or nothing, if it could be read) is all a teacher needs to see
    logger = logging.getLogger("pypdf")
    level = logger.level
    try:
        logger.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _read(PdfReader(io.BytesIO(data), strict=False))
    except Unreadable:
        raise
    except (FileNotDecryptedError, DependencyError):  # pypdf tried the empty password and failed
        raise Unreadable(ENCRYPTED) from None
    except Exception as e:  # noqa: BLE001 - any parser error on a damaged or hostile file
        # pypdf raises its own errors for most damage, but a crafted file can trip it anywhere
        # (KeyError, TypeError, RecursionError ...): each is this file's problem, in one line.
        name = "" if isinstance(e, PdfReadError) else f"{type(e).__name__}: "
        detail = (name + " ".join(str(e).split()))[:120] or type(e).__name__
        raise Unreadable(f"damaged: not a readable PDF ({detail})") from None
    finally:
        logger.setLevel(level)


def _read(reader) -> FormContents:
    if reader.is_encrypted:
        raise Unreadable(ENCRYPTED)
    fields = reader.get_fields() or {}
    values = {str(name): _text(field.get("/V")) for name, field in fields.items()
              if field.get("/FT") in ("/Tx", None)}
    ticket = values.get(TICKET_FIELD)
    if ticket is None and values and reader.pages:
        # a reader that rebuilt the form may drop a hidden field; the page still shows the ticket
        printed = _PRINTED_TICKET.search(reader.pages[0].extract_text() or "")
        ticket = printed.group(1) if printed else None
    return FormContents(values, ticket)


def worksheet_row(contents: FormContents, key: TicketKey, record, items: set[str]) -> SheetRow:
    """A filled worksheet as a one-row answer sheet: its student from the ticket, its cells
    from the answer fields (keyed by item), or the reason it cannot be graded."""
    raw = json.dumps(contents.fields, ensure_ascii=False)
    row = SheetRow(line=1, raw=raw)
    if not contents.fields:
        row.problem = ("has no form fields: not a fillable exgen worksheet, or it was printed to PDF "
                       "(which drops the typed answers): hand in the filled worksheet itself")
        return row
    if contents.ticket is None:
        row.problem = f"no {TICKET_FIELD} field: not an exgen worksheet, or its form was rebuilt by another program"
        return row
    ticket = parse_ticket(contents.ticket)
    if ticket is None or not key.verifies(ticket):
        row.student_ref = ticket.student_id if ticket else ""
        row.problem = ("its ticket does not verify: it was altered, or the worksheet comes from "
                       "another exgen database")
        return row
    row.student_ref = ticket.student_id
    if ticket.assignment != record.name:
        row.problem = f"a worksheet of assignment {ticket.assignment!r}, not {record.name!r}"
        return row
    current = variant_codes(record, ticket.student_id)
    if current and ticket.codes != current:
        row.problem = (f"printed before the variants were replaced (variants {ticket.codes}, now {current}): "
                       "its exercises are not the student's current ones; hand out the new worksheet")
        return row
    cells = {}
    for name, value in contents.fields.items():
        item = item_of_field(name)
        if item in items:
            cells[item] = value
    if not any(value.strip() for value in cells.values()):
        row.problem = "an empty form: no answer was typed into it (was it saved after filling in?)"
        return row
    row.cells = cells
    return row
