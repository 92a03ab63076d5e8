"""Platforms registered with the tool (``exgen lti register | list | remove``): an issuer and the
client id it gave exgen, its deployments, and where its keys, sign-in and tokens are."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from exgen.lti import LtiError
from exgen.storage.models import LtiDeployment, LtiPlatform

MAX_URL = 1000
MAX_ID = 255


def check_url(value: str, field: str) -> str:
    """An absolute http(s) URL without credentials or fragment (what every platform gives)."""
    value = (value or "").strip()
    if not value:
        raise LtiError(f"{field}: missing")
    if len(value) > MAX_URL:
        raise LtiError(f"{field}: longer than {MAX_URL} characters")
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise LtiError(f"{field}: must be an https:// (or http://) URL, got {value!r}")
    if parts.username or parts.password or parts.fragment:
        raise LtiError(f"{field}: must not hold a user name, password or #fragment")
    return value


def check_id(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise LtiError(f"{field}: missing")
    if len(value) > MAX_ID:
        raise LtiError(f"{field}: longer than {MAX_ID} characters")
    if any(unicodedata.category(c)[0] == "C" for c in value):
        raise LtiError(f"{field}: holds control characters")
    return value


def register(session: Session, issuer: str, client_id: str, deployment_ids: list[str], jwks_url: str,
             auth_url: str, token_url: str) -> tuple[LtiPlatform, bool]:
    """Store a platform, or update the one with this issuer and client id (its URLs and its
    deployments become the ones given). Returns (platform, created)."""
    issuer = check_url(issuer, "--issuer")
    client_id = check_id(client_id, "--client-id")
    deployments = []
    for value in deployment_ids:
        value = check_id(value, "--deployment-id")
        if value not in deployments:
            deployments.append(value)
    if not deployments:
        raise LtiError("--deployment-id: give at least one (the platform shows it with the tool's settings)")
    urls = {name: check_url(value, f"--{name.replace('_', '-')}")
            for name, value in (("jwks_url", jwks_url), ("auth_url", auth_url), ("token_url", token_url))}
    platform = find(session, issuer, client_id)
    created = platform is None
    if created:
        platform = LtiPlatform(issuer=issuer, client_id=client_id, **urls)
        session.add(platform)
    else:
        for name, value in urls.items():
            setattr(platform, name, value)
    have = {d.deployment_id: d for d in platform.deployments}
    platform.deployments = [have.get(d) or LtiDeployment(deployment_id=d) for d in deployments]
    session.flush()
    from exgen.lti.keys import ensure_key

    ensure_key(session)  # the tool's key pair exists before the first launch needs it
    return platform, created


def find(session: Session, issuer: str, client_id: str) -> LtiPlatform | None:
    return session.scalar(select(LtiPlatform).where(LtiPlatform.issuer == issuer, LtiPlatform.client_id == client_id))


def for_login(session: Session, issuer: str, client_id: str | None) -> LtiPlatform:
    """The platform a login initiation comes from: by issuer and client id, or by issuer alone
    when only one client id is registered for it."""
    candidates = session.scalars(select(LtiPlatform).where(LtiPlatform.issuer == issuer)).all()
    if not candidates:
        raise LtiError(f"iss: {issuer!r} is not a registered platform (exgen lti register)", 400)
    if client_id:
        platform = next((p for p in candidates if p.client_id == client_id), None)
        if platform is None:
            raise LtiError(f"client_id: {client_id!r} is not registered for issuer {issuer!r} "
                           "(exgen lti register)", 400)
        return platform
    if len(candidates) > 1:
        raise LtiError(f"client_id: missing, and issuer {issuer!r} has {len(candidates)} registrations", 400)
    return candidates[0]


def list_platforms(session: Session) -> list[LtiPlatform]:
    return list(session.scalars(select(LtiPlatform).order_by(LtiPlatform.issuer, LtiPlatform.client_id)))


def remove(session: Session, issuer: str, client_id: str) -> None:
    """Forget a platform: its launches are refused from now on; its courses, line items and
    the teachers' sign-ins it made go with it."""
    platform = find(session, issuer, client_id)
    if platform is None:
        known = [f"{p.issuer} {p.client_id}" for p in list_platforms(session)]
        raise LtiError(f"no platform with issuer {issuer!r} and client id {client_id!r}"
                       + (f" (registered: {'; '.join(known)})" if known else " (none is registered)"))
    from exgen.lti.launch import forget_teachers

    forget_teachers(session, platform)
    session.delete(platform)
    session.flush()


def describe(platform: LtiPlatform) -> dict:
    """A platform as ``exgen lti list --json`` shows it."""
    return {"issuer": platform.issuer, "client_id": platform.client_id,
            "deployment_ids": [d.deployment_id for d in platform.deployments],
            "jwks_url": platform.jwks_url, "auth_url": platform.auth_url, "token_url": platform.token_url}
