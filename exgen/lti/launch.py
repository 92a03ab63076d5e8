"""OIDC login initiation and the launch (LTI 1.3 core, IMS Security Framework §5.1).

1. The platform sends the browser to ``/lti/login`` (iss, login_hint, target_link_uri, and
   perhaps client_id, lti_deployment_id, lti_message_hint): :func:`login` checks the platform
   is registered and answers with the platform's authorisation URL, a ``state`` and a ``nonce``.
   The state is a signed ticket (``exgen.lti.tickets``) holding the platform and the nonce, so
   no app process needs to remember the login. It is also set as a cookie for the launch URL:
   when the browser sends it back, it must match.
2. The platform posts ``id_token`` and ``state`` to ``/lti/launch``: :func:`verify` checks, in
   this order, the state (ours, unaltered, unexpired, the cookie if any), the id_token's
   signature against the platform's published keys, its issuer (the platform the login
   started with), audience (our client id; ``azp`` when there are several), expiry and issue
   time (a minute of leeway for clocks), nonce (the state's), LTI version and message type, and
   the deployment (registered). Last the nonce is written down: a second launch with it is a
   replay and is refused, whichever process gets it.

Why the cookie is not required: inside an LMS's iframe many browsers withhold third-party
cookies, so a launch that needed one would fail for those students. The state is signed,
short-lived and single-use through its nonce, which is what binds the id_token to the login;
the cookie, when the browser does send it, adds the binding to that browser.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from exgen.lti import LtiError, claims, platforms, tickets
from exgen.storage.models import LtiPlatform, TeacherToken
from exgen.storage.secrets import database_key

STATE = "lti-state"
#: How long a login may take to come back as a launch.
STATE_SECONDS = 600
#: Clock difference tolerated between the platform and this server.
LEEWAY = 60
MAX_ID_TOKEN = 60 * 1024
MAX_PARAMETER = 2048
COOKIE_PREFIX = "exgen-lti-"


@dataclass
class LoginRedirect:
    url: str
    cookie_name: str
    cookie_value: str


def _parameter(params, name: str, required: bool = True) -> str:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise LtiError(f"{name}: missing (the learning platform must send it to start a launch)", 400)
        return ""
    if not isinstance(value, str) or len(value) > MAX_PARAMETER:
        raise LtiError(f"{name}: longer than {MAX_PARAMETER} characters", 400)
    return value


def _cookie_value(session: Session, state: str) -> str:
    return hmac.new(database_key(session, STATE), f"cookie\x1f{state}".encode(), hashlib.sha256).hexdigest()[:32]


def login(session: Session, params, launch_url: str) -> LoginRedirect:
    """The answer to a login initiation: where to send the browser (the platform's
    authorisation endpoint) and the cookie that binds the launch to this browser."""
    issuer = _parameter(params, "iss")
    login_hint = _parameter(params, "login_hint")
    client_id = _parameter(params, "client_id", required=False)
    deployment = _parameter(params, "lti_deployment_id", required=False)
    message_hint = _parameter(params, "lti_message_hint", required=False)
    _parameter(params, "target_link_uri", required=False)  # read, not followed: the launch decides
    platform = platforms.for_login(session, issuer, client_id or None)
    if deployment and deployment not in {d.deployment_id for d in platform.deployments}:
        raise LtiError(f"lti_deployment_id: {deployment!r} is not a registered deployment of {issuer} "
                       "(exgen lti register ... --deployment-id)", 403)
    nonce, browser = secrets.token_urlsafe(24), secrets.token_urlsafe(9)
    state = tickets.make(session, STATE, {"p": platform.id, "n": nonce, "b": browser}, STATE_SECONDS)
    query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
             "client_id": platform.client_id, "redirect_uri": launch_url, "login_hint": login_hint,
             "state": state, "nonce": nonce}
    if message_hint:
        query["lti_message_hint"] = message_hint
    separator = "&" if "?" in platform.auth_url else "?"
    return LoginRedirect(platform.auth_url + separator + urlencode(query), COOKIE_PREFIX + browser,
                         _cookie_value(session, state))


@dataclass
class Launch:
    """A verified launch: the platform, and the id_token's claims."""

    platform: LtiPlatform
    claims: dict = field(repr=False)

    def _text(self, value, limit: int = 255) -> str:
        return value.strip()[:limit] if isinstance(value, str) else ""

    def _object(self, name: str) -> dict:
        value = self.claims.get(name)
        return value if isinstance(value, dict) else {}

    @property
    def message_type(self) -> str:
        return self.claims.get(claims.MESSAGE_TYPE, "")

    @property
    def deployment_id(self) -> str:
        return self.claims.get(claims.DEPLOYMENT_ID, "")

    @property
    def user_id(self) -> str:
        return self._text(self.claims.get("sub"))

    @property
    def roles(self) -> list[str]:
        roles = self.claims.get(claims.ROLES)
        return [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []

    @property
    def instructor(self) -> bool:
        return claims.is_instructor(self.roles)

    @property
    def learner(self) -> bool:
        return claims.is_learner(self.roles)

    @property
    def name(self) -> str:
        full = self._text(self.claims.get("name"), 300)
        if full:
            return full
        return " ".join(p for p in (self._text(self.claims.get("given_name"), 150),
                                    self._text(self.claims.get("family_name"), 150)) if p)

    @property
    def custom(self) -> dict:
        return {k: v for k, v in self._object(claims.CUSTOM).items() if isinstance(k, str) and isinstance(v, str)}

    @property
    def assignment_name(self) -> str:
        """The exgen assignment the link names: the custom parameter ``assignment`` (a teacher's
        link setting, or put there by deep linking)."""
        return self._text(self.custom.get("assignment"), 100)

    @property
    def sourcedid(self) -> str:
        return self._text(self._object(claims.LIS).get("person_sourcedid"), 100)

    @property
    def student_ids(self) -> list[str]:
        """The roster ids this user may have, most specific first: the custom parameter
        ``student_id`` (an administrator's substitution such as ``$Canvas.user.sisSourceId``),
        the SIS id (``lis.person_sourcedid``), the LTI user id."""
        out = []
        for value in (self._text(self.custom.get("student_id"), 100), self.sourcedid, self._text(self.user_id, 100)):
            # "$Canvas.user.sisSourceId" comes as it is when the user has no SIS id
            if value and not value.startswith("$") and value not in out:
                out.append(value)
        return out

    @property
    def context_id(self) -> str:
        return self._text(self._object(claims.CONTEXT).get("id"))

    @property
    def context_title(self) -> str:
        context = self._object(claims.CONTEXT)
        return self._text(context.get("title"), 300) or self._text(context.get("label"), 300)

    @property
    def resource_link_id(self) -> str:
        return self._text(self._object(claims.RESOURCE_LINK).get("id"))

    @property
    def ags(self) -> dict:
        return self._object(claims.AGS_ENDPOINT)

    @property
    def memberships_url(self) -> str:
        url = self._object(claims.NRPS).get("context_memberships_url")
        return url if isinstance(url, str) and url.startswith(("https://", "http://")) else ""

    @property
    def deep_linking(self) -> dict:
        return self._object(claims.DEEP_LINKING_SETTINGS)


def _decode(id_token: str, jwks_url: str):
    """The id_token's header and claims once its signature checks out against the platform's
    keys (fetched again once when it names a key the cached set lacks)."""
    from joserfc import jwt
    from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError

    from exgen.lti.platform_api import PlatformError, platform_keys

    for refresh in (False, True):
        try:
            keys = platform_keys(jwks_url, refresh=refresh)
        except PlatformError as e:
            raise LtiError(f"id_token: cannot check it, the platform's keys are unavailable ({e})", 502) from None
        try:
            return jwt.decode(id_token, keys, algorithms=["RS256"])
        except InvalidKeyIdError:
            if refresh:
                raise LtiError("id_token: signed with a key the platform does not publish (kid)", 401) from None
        except BadSignatureError:
            raise LtiError("id_token: the signature does not match the platform's keys", 401) from None
        except JoseError as e:
            raise LtiError(f"id_token: not a valid signed token ({e.error or type(e).__name__})", 401) from None
        except (ValueError, TypeError, KeyError):
            raise LtiError("id_token: not a valid signed token", 401) from None
    raise AssertionError("unreachable")


def _check_claims(token_claims: dict, platform: LtiPlatform, nonce: str) -> None:
    from joserfc.errors import ClaimError, ExpiredTokenError, MissingClaimError
    from joserfc.jwt import JWTClaimsRegistry

    registry = JWTClaimsRegistry(
        leeway=LEEWAY,
        iss={"essential": True, "value": platform.issuer},
        aud={"essential": True, "value": platform.client_id},
        exp={"essential": True}, iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    explain = {
        "iss": f"issued by another platform than the one this login started with ({platform.issuer})",
        "aud": f"meant for another tool (its audience is not this tool's client id {platform.client_id})",
        "nonce": "its nonce is not the one of this login",
        "exp": "its expiry time is not a number", "iat": "its issue time is in the future",
    }
    try:
        registry.validate(token_claims)
    except ExpiredTokenError:
        raise LtiError("id_token: expired (exp is past); launch again from the learning platform", 401) from None
    except MissingClaimError as e:
        raise LtiError(f"id_token: {e.claim}: missing", 401) from None
    except ClaimError as e:
        raise LtiError(f"id_token: {e.claim}: {explain.get(e.claim, 'not valid')}", 401) from None
    audience = token_claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and token_claims.get("azp") != platform.client_id:
        raise LtiError("id_token: azp: several audiences, and the authorised party is not this tool", 401)
    if "azp" in token_claims and token_claims["azp"] != platform.client_id:
        raise LtiError("id_token: azp: the authorised party is not this tool", 401)
    if token_claims.get(claims.VERSION) != "1.3.0":
        raise LtiError(f"id_token: {claims.VERSION}: must be 1.3.0", 400)
    if token_claims.get(claims.MESSAGE_TYPE) not in (claims.RESOURCE_LINK_REQUEST, claims.DEEP_LINKING_REQUEST):
        raise LtiError(f"id_token: {claims.MESSAGE_TYPE}: exgen takes resource link and deep linking launches, "
                       f"not {str(token_claims.get(claims.MESSAGE_TYPE))[:60]!r}", 400)


def verify(session: Session, form, cookies) -> Launch:
    """The launch in ``form`` (``id_token``, ``state``), verified; LtiError (4xx) otherwise."""
    if form.get("error"):
        reason = str(form.get("error_description") or form.get("error"))[:200]
        raise LtiError(f"the learning platform did not sign you in: {reason}", 401)
    state_text = form.get("state") or ""
    state = tickets.read(session, STATE, state_text if isinstance(state_text, str) else "", "state", "login state")
    if not isinstance(state.get("p"), int) or not isinstance(state.get("n"), str) or not isinstance(state.get("b"), str):
        raise LtiError("state: not a login state made by this tool", 400)
    cookie = cookies.get(COOKIE_PREFIX + state["b"])
    if cookie is not None and not hmac.compare_digest(cookie.encode(), _cookie_value(session, state_text).encode()):
        raise LtiError("state: this login was started in another browser", 400)
    platform = session.get(LtiPlatform, state["p"])
    if platform is None:
        raise LtiError("state: the platform of this login is no longer registered", 400)
    id_token = form.get("id_token") or ""
    if not isinstance(id_token, str) or not id_token:
        raise LtiError("id_token: missing", 400)
    if len(id_token) > MAX_ID_TOKEN:
        raise LtiError(f"id_token: longer than {MAX_ID_TOKEN // 1024} KiB", 400)
    token = _decode(id_token, platform.jwks_url)
    _check_claims(token.claims, platform, state["n"])
    deployment = token.claims.get(claims.DEPLOYMENT_ID)
    if not isinstance(deployment, str) or deployment not in {d.deployment_id for d in platform.deployments}:
        raise LtiError(f"id_token: {claims.DEPLOYMENT_ID}: {str(deployment)[:80]!r} is not a registered deployment "
                       f"of {platform.issuer} (exgen lti register ... --deployment-id)", 403)
    if not tickets.use_once(session, "nonce", f"{platform.issuer}\x1f{state['n']}", state["_expires"] + LEEWAY):
        raise LtiError("id_token: this launch was used already (a replayed nonce); launch again from the "
                       "learning platform", 401)
    return Launch(platform, token.claims)


# -- teachers ----------------------------------------------------------------------------------------
TEACHERS = "lti-teachers"
SIGN_IN = "lti-sign-in"
SIGN_IN_SECONDS = 300


def _teacher_prefix(platform: LtiPlatform) -> str:
    return f"lti:{platform.id}:"


def teacher_for(session: Session, launch: Launch) -> TeacherToken:
    """The teacher identity of an instructor's launch: a row of ``teacher_tokens`` (so the
    dashboard's cookie, ``exgen token list`` and ``exgen token revoke`` work for them as for any
    teacher) whose hash is an HMAC of the platform and the LTI user id — no token exists whose
    SHA-256 it is, so it can never be used as a bearer token."""
    from sqlalchemy.exc import IntegrityError

    platform = launch.platform
    digest = hmac.new(database_key(session, TEACHERS),
                      f"{platform.issuer}\x1f{platform.client_id}\x1f{launch.user_id}".encode(),
                      hashlib.sha256).hexdigest()
    label = f"{_teacher_prefix(platform)}{digest[:10]} {launch.name or 'instructor'}"[:100]
    row = session.scalar(select(TeacherToken).where(TeacherToken.token_sha256 == digest))
    if row is None:
        try:
            with session.begin_nested():
                row = TeacherToken(label=label, token_sha256=digest)
                session.add(row)
        except IntegrityError:  # the same instructor launching twice at once
            row = session.scalar(select(TeacherToken).where(TeacherToken.token_sha256 == digest))
    elif row.label != label:
        row.label = label
    session.flush()
    return row


def forget_teachers(session: Session, platform: LtiPlatform) -> None:
    session.execute(delete(TeacherToken).where(TeacherToken.label.startswith(_teacher_prefix(platform),
                                                                             autoescape=True)))


def sign_in_code(session: Session, teacher: TeacherToken, assignment: str | None) -> str:
    """A one-time code that signs ``teacher`` in to the dashboard (a link the instructor's
    launch page shows: the dashboard opens in a tab of its own, where its cookie works)."""
    return tickets.make(session, SIGN_IN, {"t": teacher.id, "a": assignment or "",
                                           "r": secrets.token_urlsafe(9)}, SIGN_IN_SECONDS)


def redeem_sign_in(session: Session, code: str) -> tuple[TeacherToken, str]:
    content = tickets.read(session, SIGN_IN, code, "code", "sign-in link")
    teacher = session.get(TeacherToken, content.get("t")) if isinstance(content.get("t"), int) else None
    if teacher is None:
        raise LtiError("code: this sign-in is no longer valid (the teacher's access was revoked)", 403)
    if not tickets.use_once(session, "sign-in", code, content["_expires"] + LEEWAY):
        raise LtiError("code: this sign-in link was used already; launch exgen again from the learning platform", 403)
    return teacher, str(content.get("a") or "")


def now() -> int:
    return int(time.time())
