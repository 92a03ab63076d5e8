"""Per-database keys: one random master key per database, from which each use derives its own.

Student links and worksheet tickets must come out the same in every process that serves one
database (``exgen serve`` on several machines, ``exgen render`` on another), so their keys live
in the database, made on first use. A department that does not want a database dump to be
enough to forge links sets ``EXGEN_SECRET_KEY``: the master key is then that value and nothing
secret is stored. Keys are never printed or logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets as random_bytes

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exgen.storage.models import Secret

MASTER = "master"
ENVIRONMENT = "EXGEN_SECRET_KEY"


#: Master keys read from databases, by URL: once made, a database's key never changes, and the
#: service derives keys on every request.
_KNOWN: dict[str, bytes] = {}


def _master_key(session: Session) -> bytes:
    configured = os.environ.get(ENVIRONMENT)
    if configured:
        return configured.encode()
    where = session.get_bind().url.render_as_string(hide_password=False)
    known = _KNOWN.get(where)
    if known is not None:
        return known
    value = session.scalar(select(Secret.value).where(Secret.name == MASTER))
    if value is not None:
        key = base64.urlsafe_b64decode(value)
        if not session.info.get("exgen_made_master_key"):  # committed before: it stays
            _KNOWN[where] = key
        return key
    fresh = base64.urlsafe_b64encode(random_bytes.token_bytes(32)).decode()
    session.info["exgen_made_master_key"] = True
    try:
        with session.begin_nested():  # another process may make it at the same moment
            session.add(Secret(name=MASTER, value=fresh))
    except IntegrityError:
        pass
    # not remembered yet: this transaction may still roll back
    return base64.urlsafe_b64decode(session.scalar(select(Secret.value).where(Secret.name == MASTER)))


def database_key(session: Session, purpose: str) -> bytes:
    """The key for one purpose (``"student-links"``, ``"tickets"`` ...), derived from the
    database's master key: knowing one purpose's key reveals nothing of another's."""
    return hmac.new(_master_key(session), purpose.encode(), hashlib.sha256).digest()


def tag(key: bytes, message: str, length: int) -> str:
    """An HMAC-SHA256 of ``message`` as ``length`` URL-safe base64 characters (6 bits each)."""
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:length]


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two secrets or tags."""
    return hmac.compare_digest(a.encode(), b.encode())
