"""Short-lived signed tickets the tool hands out and takes back: the OIDC ``state``, a deep
link's picker form, a teacher's one-time dashboard sign-in. A ticket is its content (JSON,
base64url), an expiry time and an HMAC-SHA256 of both under the database's key for its purpose
— so any app process on the database reads it, and no one can make or alter one. Anything that
must be used only once is also written down (:func:`use_once`)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import datetime, timezone

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exgen.lti import LtiError
from exgen.storage.models import LtiNonce, utcnow
from exgen.storage.secrets import database_key, same, tag

MAX_TICKET = 8192


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make(session: Session, purpose: str, content: dict, seconds: int) -> str:
    body = f"{_b64(json.dumps(content, separators=(',', ':')).encode())}.{int(time.time()) + seconds}"
    return f"{body}.{tag(database_key(session, purpose), body, 43)}"


def read(session: Session, purpose: str, ticket: str, field: str, what: str) -> dict:
    """The content of a ticket made for ``purpose``; LtiError naming ``field`` when it is
    missing, not one of ours, altered or expired."""
    if not ticket:
        raise LtiError(f"{field}: missing", 400)
    parts = ticket.split(".")
    if len(ticket) > MAX_TICKET or len(parts) != 3 or not parts[1].isdigit():
        raise LtiError(f"{field}: not a {what} made by this tool", 400)
    body = f"{parts[0]}.{parts[1]}"
    if not same(tag(database_key(session, purpose), body, 43), parts[2]):
        raise LtiError(f"{field}: not a {what} made by this tool (altered or forged)", 400)
    if int(parts[1]) < time.time():
        raise LtiError(f"{field}: the {what} has expired; start again from the learning platform", 400)
    try:
        content = json.loads(_unb64(parts[0]))
    except (ValueError, UnicodeDecodeError):
        raise LtiError(f"{field}: not a {what} made by this tool", 400) from None
    if not isinstance(content, dict):
        raise LtiError(f"{field}: not a {what} made by this tool", 400)
    content["_expires"] = int(parts[1])
    return content


def use_once(session: Session, what: str, value: str, until: datetime | float) -> bool:
    """Write down that ``value`` (of kind ``what``) is used; False when it was used before.
    Entries past their ``until`` are dropped on the way (the thing they guard has expired)."""
    if not isinstance(until, datetime):
        until = datetime.fromtimestamp(until, timezone.utc)
    session.execute(delete(LtiNonce).where(LtiNonce.expires_at < utcnow()))
    digest = hashlib.sha256(f"{what}\x1f{value}".encode()).hexdigest()
    try:
        with session.begin_nested():
            session.add(LtiNonce(digest=digest, expires_at=until))
    except IntegrityError:
        return False
    return True
