"""Teachers' bearer tokens (design §9) and the dashboard's signed-in cookie.

A token is 256 random bits, printed once by ``exgen token create`` and never again: only its
SHA-256 is stored, so a copy of the database does not hand out access. A presented token is
hashed and looked up by its hash; the stored and the computed hash are then compared in
constant time. Tokens are never logged.

The dashboard's cookie is not the token: it names the token's row, an expiry time and an HMAC
of both and the token's hash under the database's ``dashboard`` key, so every app process on
one database accepts it, revoking the token ends every session made with it, and nothing needs
to be stored per session. Its CSRF token is an HMAC of the cookie under the same key.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exgen.storage.models import TeacherToken, utcnow
from exgen.storage.secrets import database_key, same, tag

PREFIX = "exgen_"
#: Random bytes of a token: 256 bits.
TOKEN_BYTES = 32
MAX_LABEL = 100
#: How long a dashboard sign-in lasts.
SESSION_HOURS = 12
#: How often a token's last use is written down (not on every request).
LAST_USED_EVERY = timedelta(minutes=5)
PURPOSE = "dashboard"


class TokenError(ValueError):
    """A token command that cannot be carried out (bad or taken label, unknown label)."""


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_label(label: str) -> str:
    label = label.strip()
    if not label:
        raise TokenError("the label is empty: name who or what holds the token, e.g. 'ana-laptop'")
    if len(label) > MAX_LABEL:
        raise TokenError(f"the label has {len(label)} characters; at most {MAX_LABEL}")
    if any(unicodedata.category(c)[0] == "C" for c in label):
        raise TokenError("the label holds control characters")
    return label


def create_token(session: Session, label: str) -> str:
    """A new teacher token under ``label`` (which must be free): returned once, stored hashed."""
    label = check_label(label)
    token = PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    try:
        with session.begin_nested():
            session.add(TeacherToken(label=label, token_sha256=_sha256(token)))
    except IntegrityError:
        raise TokenError(f"a token labelled {label!r} exists already (exgen token revoke {label!r} first)") from None
    return token


def list_tokens(session: Session) -> list[TeacherToken]:
    return list(session.scalars(select(TeacherToken).order_by(TeacherToken.created_at, TeacherToken.id)))


def revoke_token(session: Session, label: str) -> None:
    if not session.execute(delete(TeacherToken).where(TeacherToken.label == label)).rowcount:
        known = [t.label for t in list_tokens(session)]
        raise TokenError(f"no token labelled {label!r}" + (f" (known: {', '.join(known)})" if known else ""))


def teacher_for_token(session: Session, token: str) -> TeacherToken | None:
    """The token's row, or None for anything that is not a valid token."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = _sha256(token)
    row = session.scalar(select(TeacherToken).where(TeacherToken.token_sha256 == digest))
    if row is None or not same(row.token_sha256, digest):
        return None
    _touch(row)
    return row


def _touch(row: TeacherToken) -> None:
    now = utcnow()
    last = row.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite returns naive UTC
        last = last.replace(tzinfo=timezone.utc)
    if last is None or now - last > LAST_USED_EVERY:
        row.last_used_at = now


# -- the dashboard's cookie ------------------------------------------------------------------
def _cookie_tag(key: bytes, token_id: int, digest: str, expires: int) -> str:
    return tag(key, f"session\x1f{token_id}\x1f{digest}\x1f{expires}", 43)


def session_cookie(session: Session, row: TeacherToken, now: datetime | None = None) -> str:
    """The cookie value that signs the holder of ``row`` in for SESSION_HOURS."""
    expires = int(((now or utcnow()) + timedelta(hours=SESSION_HOURS)).timestamp())
    return f"{row.id}.{expires}.{_cookie_tag(database_key(session, PURPOSE), row.id, row.token_sha256, expires)}"


def teacher_for_cookie(session: Session, value: str, now: datetime | None = None) -> TeacherToken | None:
    """The token a dashboard cookie was made from, while it is unexpired and not revoked."""
    parts = (value or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(value) > 200:
        return None
    token_id, expires = int(parts[0]), int(parts[1])
    if expires < (now or utcnow()).timestamp():
        return None
    row = session.get(TeacherToken, token_id)
    if row is None:
        return None
    expected = _cookie_tag(database_key(session, PURPOSE), row.id, row.token_sha256, expires)
    if not same(expected, parts[2]):
        return None
    _touch(row)
    return row


def csrf_token(session: Session, cookie: str) -> str:
    """The value a dashboard form must carry: bound to the signed-in cookie."""
    return tag(database_key(session, PURPOSE), f"csrf\x1f{cookie}", 32)


def csrf_ok(session: Session, cookie: str, presented: str) -> bool:
    return bool(cookie) and bool(presented) and same(csrf_token(session, cookie), presented)
