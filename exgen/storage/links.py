"""Students' private links (design §9): ``<base URL>/s/<token>``, one per student of an
assignment, at least 128 random bits, stable across runs, stored hashed, rotatable.

The token is an HMAC of (assignment, student id, generation) under the database's link key
(``exgen.storage.secrets``): ``exgen links`` can print the same link again without the token
ever being stored, and ``--rotate`` raises the generation, which makes a new token and retires
the old one. Only the token's SHA-256 is stored, to find the student a token belongs to.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from exgen.storage.models import Assignment, Student, StudentLink
from exgen.storage.secrets import database_key, same, tag

PURPOSE = "student-links"
#: Characters of URL-safe base64: 24 × 6 = 144 bits.
TOKEN_LENGTH = 24


def _token(key: bytes, assignment: str, student_id: str, generation: int) -> str:
    return tag(key, f"link\x1f{assignment}\x1f{student_id}\x1f{generation}", TOKEN_LENGTH)


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def student_tokens(session: Session, assignment: Assignment, rotate: set[str] = frozenset()) -> dict[str, str]:
    """Every student's link token (student id -> token), in roster order; links are made on
    first use and, for the ids in ``rotate``, replaced by new ones."""
    key = database_key(session, PURPOSE)
    students = session.scalars(select(Student).where(Student.assignment_id == assignment.id)
                               .order_by(Student.position)).all()
    links = {link.student_pk: link for link in session.scalars(
        select(StudentLink).join(Student).where(Student.assignment_id == assignment.id))}
    tokens = {}
    for student in students:
        link = links.get(student.id)
        if link is None:
            link = StudentLink(student_pk=student.id, generation=1)
            session.add(link)
        elif student.student_id in rotate:
            link.generation += 1
        token = _token(key, assignment.name, student.student_id, link.generation)
        link.token_sha256 = _sha256(token)
        tokens[student.student_id] = token
    session.flush()
    return tokens


def student_token(session: Session, assignment_name: str, student_pk: int, student_id: str) -> str:
    """One student's link token (their link is made if they had none): what an LTI launch sends
    a student to, without deriving the whole class's."""
    link = session.scalar(select(StudentLink).where(StudentLink.student_pk == student_pk))
    key = database_key(session, PURPOSE)
    if link is None:
        link = StudentLink(student_pk=student_pk, generation=1)
        session.add(link)
    token = _token(key, assignment_name, student_id, link.generation)
    link.token_sha256 = _sha256(token)
    session.flush()
    return token


def student_for_token(session: Session, token: str, lock: bool = False):
    """The student a link token belongs to (a :class:`~exgen.storage.rows.StudentRow`, its
    assignment as ``.assignment``), or None — unknown, rotated, or not a token at all: the
    caller answers 404 alike, giving no hint whether a link ever existed. One prebuilt
    statement: the service asks this on every request. ``lock``: the student is about to hand
    in (``exgen.grading.store.submit_answers``); on PostgreSQL the same statement takes that
    submission's locks (``lock_student``) and reads the assignment under them."""
    from exgen.storage.rows import LINK_OWNER, LINK_OWNER_LOCKED, AssignmentRow, StudentRow

    if not token or len(token) != TOKEN_LENGTH:
        return None
    locked = lock and session.get_bind().dialect.name == "postgresql"
    row = session.execute(LINK_OWNER_LOCKED if locked else LINK_OWNER, {"digest": _sha256(token)}).first()
    if row is None:
        return None
    assignment = AssignmentRow(row.assignment_id, row.assignment_name, row.title, row.updated_at,
                               row.variants_hash, row.definition)
    expected = _token(database_key(session, PURPOSE), assignment.name, row.student_id, row.generation)
    if not same(expected, token):
        return None
    return StudentRow(row.id, row.assignment_id, row.student_id, row.name, assignment, locked)


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


#: Where links point when no base URL is given (``--base-url``, ``EXGEN_BASE_URL``): what
#: ``exgen serve`` listens on by default.
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def class_links(session: Session, name: str, base_url: str, rotate: set[str] = frozenset()) -> dict:
    """``{"links": [{"student_id", "name", "url"}]}`` for every student of an assignment, in
    roster order (design §9: what ``exgen links NAME --json`` prints and the API answers)."""
    from exgen.storage.records import RecordError, find_assignment

    assignment = find_assignment(session, name)
    names = dict(session.execute(select(Student.student_id, Student.name)
                                 .where(Student.assignment_id == assignment.id)).all())
    unknown = sorted(set(rotate) - set(names))
    if unknown:
        raise RecordError(f"cannot rotate the link of {', '.join(map(repr, unknown))}: not a student of {name}")
    tokens = student_tokens(session, assignment, set(rotate))
    return {"links": [{"student_id": sid, "name": names[sid], "url": link_url(base_url, token)}
                      for sid, token in tokens.items()]}


def links_csv(links: list[dict]) -> str:
    """``student_id,name,url`` for a mail merge (``exgen links --out`` and the API alike); ids
    and names that a spreadsheet would run as a formula are defused."""
    import csv
    import io

    from exgen.grading.sheet import defuse

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["student_id", "name", "url"])
    for row in links:
        writer.writerow([defuse(row["student_id"]), defuse(row["name"]), row["url"]])
    return buffer.getvalue()
