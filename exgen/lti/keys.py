"""The tool's RSA key pairs: made on first use, rotatable, the private halves never stored or
shown in the clear.

A private key is kept as PKCS#8 encrypted with AES-256-GCM under the database's ``lti-keys``
key (``exgen.storage.secrets.database_key``: derived from the per-database master key, or from
``EXGEN_SECRET_KEY`` when a department keeps it out of the database), with the key id as
associated data, so a row copied onto another key id does not decrypt. Every app process on one
database signs with the same keys; decrypted keys are remembered per process.

``exgen lti rotate-key`` makes a new key that signs from then on; the old one is retired but
still published in ``/lti/jwks`` for ``RETIRED_KEPT`` (platforms cache a tool's key set), then
dropped.
"""

from __future__ import annotations

import base64
import os
import threading
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from exgen.lti import LtiError
from exgen.storage.models import LtiKey, utcnow
from exgen.storage.secrets import database_key

PURPOSE = "lti-keys"
KEY_BITS = 2048
ALGORITHM = "RS256"
#: How long a retired key stays in the published key set.
RETIRED_KEPT = timedelta(days=7)
_VERSION = "v1."

_lock = threading.Lock()
_private: dict[tuple[str, str], object] = {}  # (database, kid) -> joserfc RSAKey


def _aead(session: Session):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(database_key(session, PURPOSE))


def _seal(session: Session, kid: str, pem: bytes) -> str:
    nonce = os.urandom(12)
    return _VERSION + base64.urlsafe_b64encode(nonce + _aead(session).encrypt(nonce, pem, kid.encode())).decode()


def _unseal(session: Session, kid: str, sealed: str) -> bytes:
    from cryptography.exceptions import InvalidTag

    if not sealed.startswith(_VERSION):
        raise LtiError(f"the tool's key {kid} is stored in an unknown format", 500)
    raw = base64.urlsafe_b64decode(sealed[len(_VERSION):])
    try:
        return _aead(session).decrypt(raw[:12], raw[12:], kid.encode())
    except InvalidTag:
        raise LtiError("the tool's private key cannot be decrypted with this database's key (was "
                       "EXGEN_SECRET_KEY changed?); make a new one with exgen lti rotate-key", 500) from None


def _where(session: Session) -> str:
    return session.get_bind().url.render_as_string(hide_password=True)


def make_key(session: Session) -> LtiKey:
    """A new key pair, stored (the caller commits)."""
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(KEY_BITS, parameters={"use": "sig", "alg": ALGORITHM}, auto_kid=True)
    row = LtiKey(kid=key.kid, public_jwk=dict(key.as_dict(private=False)),
                 private_key=_seal(session, key.kid, key.as_pem(private=True)), created_at=utcnow())
    session.add(row)
    session.flush()
    with _lock:
        _private[(_where(session), key.kid)] = key
    return row


def _newest(session: Session) -> LtiKey | None:
    return session.scalar(select(LtiKey).where(LtiKey.retired_at.is_(None))
                          .order_by(LtiKey.created_at.desc(), LtiKey.kid).limit(1))


def ensure_key(session: Session) -> str:
    """The signing key's id, made now if there is none. Called where nothing else is written in
    the transaction (``exgen lti register``, ``/lti/jwks``): a key must be committed before
    anything signed with it leaves, since the platform checks it at ``/lti/jwks`` at once."""
    row = _newest(session)
    return row.kid if row is not None else make_key(session).kid


def signing_key(session: Session):
    """(kid, private key) of the key that signs now — the newest one not retired (made here only
    if there is none, which ``ensure_key`` prevents)."""
    row = _newest(session)
    if row is None:
        row = make_key(session)
    cache = (_where(session), row.kid)
    with _lock:
        key = _private.get(cache)
    if key is None:
        from joserfc.jwk import RSAKey

        key = RSAKey.import_key(_unseal(session, row.kid, row.private_key),
                                parameters={"kid": row.kid, "use": "sig", "alg": ALGORITHM})
        with _lock:
            _private[cache] = key
    return row.kid, key


def published(session: Session) -> dict:
    """The key set at ``/lti/jwks``: every key not retired, and those retired within
    RETIRED_KEPT (a key is made on first use, so the set is never empty)."""
    ensure_key(session)
    since = utcnow() - RETIRED_KEPT
    rows = session.scalars(select(LtiKey).where((LtiKey.retired_at.is_(None)) | (LtiKey.retired_at > since))
                           .order_by(LtiKey.created_at.desc(), LtiKey.kid)).all()
    return {"keys": [dict(row.public_jwk) for row in rows]}


def rotate(session: Session) -> tuple[str, list[str]]:
    """A new signing key; the keys signing until now are retired (still published for
    RETIRED_KEPT), and keys retired longer ago are deleted. Returns (new kid, retired kids)."""
    now = utcnow()
    session.execute(delete(LtiKey).where(LtiKey.retired_at.is_not(None), LtiKey.retired_at <= now - RETIRED_KEPT))
    retired = list(session.scalars(select(LtiKey).where(LtiKey.retired_at.is_(None))))
    for row in retired:
        row.retired_at = now
    session.flush()
    return make_key(session).kid, [row.kid for row in retired]


def list_keys(session: Session) -> list[LtiKey]:
    return list(session.scalars(select(LtiKey).order_by(LtiKey.created_at.desc(), LtiKey.kid)))
