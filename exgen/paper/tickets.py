"""Worksheet tickets (design §10): ``NAME/SID/CODE/TAG`` in the read-only ``exgen:ticket`` field.

- NAME: the assignment (its names never hold ``/``);
- SID: the student id as on the roster (may hold ``/``: the ticket is split at the first ``/``
  and at the last two);
- CODE: the student's variant codes in exercise order, joined by ``-`` (``K3F7QA-ZP2MXD``):
  a worksheet printed before ``exgen assign --force`` replaced the variants carries the old
  codes, so it is recognised instead of being graded against exercises it never showed;
- TAG: an HMAC-SHA256 of the other three under the database's ``tickets`` key
  (``exgen.storage.secrets``), 22 URL-safe base64 characters (132 bits).

A ticket says which worksheet a file is, whatever the file is called; it cannot be made or
changed without the key. It does not say who uploaded the file (the LMS knows that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from exgen.storage.secrets import database_key, same, tag
from exgen.variants.assignment import NAME_PATTERN

PURPOSE = "tickets"
TAG_LENGTH = 22
#: Longer text in a ticket field is not a ticket (and is not parsed further).
MAX_LENGTH = 400
_CODES = re.compile(r"^[A-Z2-7]{6}(?:-[A-Z2-7]{6})*$")
_TAG = re.compile(rf"^[A-Za-z0-9_-]{{{TAG_LENGTH}}}$")


@dataclass(frozen=True)
class Ticket:
    assignment: str
    student_id: str
    codes: str
    tag: str

    @property
    def text(self) -> str:
        return f"{self.assignment}/{self.student_id}/{self.codes}/{self.tag}"


def variant_codes(record, student_id: str) -> str:
    """The codes of a student's variants, in exercise order: the CODE part of their ticket."""
    variants = (record.variant(student_id, e["key"]) for e in record.exercises)
    return "-".join(v.code for v in variants if v is not None)


def parse_ticket(text: str) -> Ticket | None:
    """The parts of a ticket's text, or None when it is not one (checks the form only)."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        return None
    text = text.strip()
    name, _, rest = text.partition("/")
    parts = rest.rsplit("/", 2)
    if len(parts) != 3 or not NAME_PATTERN.match(name):
        return None
    student_id, codes, mac = parts
    if not student_id or not _CODES.match(codes) or not _TAG.match(mac):
        return None
    return Ticket(name, student_id, codes, mac)


class TicketKey:
    """Issues and checks the tickets of one database."""

    def __init__(self, key: bytes):
        self._key = key

    @classmethod
    def of(cls, session: Session) -> TicketKey:
        return cls(database_key(session, PURPOSE))

    def _tag(self, assignment: str, student_id: str, codes: str) -> str:
        return tag(self._key, f"ticket\x1f{assignment}\x1f{student_id}\x1f{codes}", TAG_LENGTH)

    def issue(self, assignment: str, student_id: str, codes: str) -> Ticket:
        return Ticket(assignment, student_id, codes, self._tag(assignment, student_id, codes))

    def verifies(self, ticket: Ticket) -> bool:
        """Whether this database issued the ticket, unchanged (compared in constant time)."""
        return same(self._tag(ticket.assignment, ticket.student_id, ticket.codes), ticket.tag)


@dataclass(frozen=True)
class WorksheetIdentity:
    """What a student's worksheet carries to be recognised: the ticket, and the student's
    private link when the service has a base URL. The QR code holds the link, else the ticket."""

    ticket: str
    link: str = ""

    @property
    def qr(self) -> str:
        return self.link or self.ticket


def worksheet_identities(session: Session, record, base_url: str | None = None) -> dict[str, WorksheetIdentity]:
    """Every student's worksheet identity (student id -> identity), made while the database is
    open; rendering then needs no database (workers are forked without a connection)."""
    key = TicketKey.of(session)
    links: dict[str, str] = {}
    if base_url:
        from exgen.storage.links import link_url, student_tokens
        from exgen.storage.records import find_assignment

        tokens = student_tokens(session, find_assignment(session, record.name))
        links = {sid: link_url(base_url, token) for sid, token in tokens.items()}
    out = {}
    for student in record.students:
        sid = student["student_id"]
        ticket = key.issue(record.name, sid, variant_codes(record, sid)).text
        out[sid] = WorksheetIdentity(ticket, links.get(sid, ""))
    return out
