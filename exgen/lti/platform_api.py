"""The platform's side over HTTP: its key set, access tokens (OAuth 2 client credentials with a
signed JWT, the IMS Security Framework), line items and scores (AGS 2.0) and class lists (NRPS
2.0).

Every call has timeouts and a size limit; an answer that is not what the service promises is a
:class:`PlatformError` with the status and a short reason, never the token. Key sets and access
tokens are remembered per process (a key set for ``KEYS_FRESH``, fetched again at once when a
launch names a key it lacks — the platform rotated — but at most every ``KEYS_REFETCH``)."""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass

from exgen.lti import claims

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
#: Largest answer read from a platform (a page of a class list is the biggest).
MAX_ANSWER = 4 * 1024 * 1024
KEYS_FRESH = 600.0
KEYS_REFETCH = 10.0
#: A client assertion's lifetime (the platform takes it once, at once).
ASSERTION_SECONDS = 300
#: Pages of a class list followed at most (a class of 100,000 at 100 per page).
MAX_PAGES = 1000

USER_AGENT = "exgen-lti"


class PlatformError(Exception):
    """A platform's service did not answer as it should (``status`` is its HTTP status, None
    when it could not be reached)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


_client_lock = threading.Lock()
_client = None


def http():
    """One HTTP client per process (httpx clients are thread-safe and keep connections)."""
    global _client
    with _client_lock:
        if _client is None:
            import httpx

            _client = httpx.Client(timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT),
                                   follow_redirects=False, headers={"User-Agent": USER_AGENT})
        return _client


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self, what: str):
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise PlatformError(f"{what}: the platform's answer is not JSON", self.status) from None


def call(method: str, url: str, what: str, *, headers: dict | None = None, data: dict | None = None,
         body: bytes | None = None) -> Answer:
    """One request; raises PlatformError when the platform cannot be reached, answers with an
    error status, or sends more than MAX_ANSWER bytes."""
    import httpx

    try:
        with http().stream(method, url, headers=headers, data=data, content=body) as response:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_ANSWER:
                    raise PlatformError(f"{what}: the platform's answer is larger than {MAX_ANSWER // 1024} KiB",
                                        response.status_code)
                chunks.append(chunk)
            answer = Answer(response.status_code, {k.lower(): v for k, v in response.headers.items()},
                            b"".join(chunks))
    except httpx.HTTPError as e:
        raise PlatformError(f"{what}: cannot reach {_host(url)} ({type(e).__name__})") from None
    if not 200 <= answer.status < 300:
        detail = answer.body[:200].decode("utf-8", "replace").strip()
        raise PlatformError(f"{what}: {_host(url)} answered {answer.status}" + (f": {detail}" if detail else ""),
                            answer.status)
    return answer


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc or url[:60]


# -- the platform's keys ---------------------------------------------------------------------------
_keys_lock = threading.Lock()
_keys: dict[str, tuple[float, object]] = {}  # jwks url -> (fetched at, KeySet)


def platform_keys(jwks_url: str, refresh: bool = False):
    """The platform's key set (a joserfc KeySet); ``refresh`` fetches it again unless that was
    done in the last KEYS_REFETCH seconds."""
    from joserfc.jwk import KeySet

    now = time.monotonic()
    with _keys_lock:
        cached = _keys.get(jwks_url)
    if cached is not None:
        age = now - cached[0]
        if age < (KEYS_REFETCH if refresh else KEYS_FRESH):
            return cached[1]
    data = call("GET", jwks_url, "the platform's key set", headers={"Accept": "application/json"}).json(
        "the platform's key set")
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise PlatformError("the platform's key set: not a JWK set ({\"keys\": [...]})")
    usable = [k for k in data["keys"] if isinstance(k, dict) and k.get("kty") == "RSA"
              and k.get("use", "sig") == "sig"]
    try:
        key_set = KeySet.import_key_set({"keys": usable})
    except Exception as e:  # joserfc raises several kinds for a malformed key
        raise PlatformError(f"the platform's key set: a key cannot be read ({type(e).__name__})") from None
    with _keys_lock:
        _keys[jwks_url] = (now, key_set)
    return key_set


def forget_keys() -> None:
    with _keys_lock:
        _keys.clear()


# -- access tokens ---------------------------------------------------------------------------------
_tokens_lock = threading.Lock()
_tokens: dict[tuple, tuple[float, str]] = {}  # (platform id, token url, client id, scopes) -> (expires, token)


def client_assertion(session, platform) -> str:
    """The signed JWT that authenticates the tool at the platform's token endpoint."""
    from joserfc import jwt

    from exgen.lti.keys import ALGORITHM, signing_key

    kid, key = signing_key(session)
    now = int(time.time())
    return jwt.encode({"alg": ALGORITHM, "kid": kid},
                      {"iss": platform.client_id, "sub": platform.client_id, "aud": platform.token_url,
                       "iat": now, "exp": now + ASSERTION_SECONDS, "jti": secrets.token_urlsafe(18)},
                      key, algorithms=[ALGORITHM])


def access_token(session, platform, scopes: tuple[str, ...]) -> str:
    cache = (platform.id, platform.token_url, platform.client_id, tuple(sorted(scopes)))
    with _tokens_lock:
        cached = _tokens.get(cache)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    answer = call("POST", platform.token_url, "access token", headers={"Accept": "application/json"}, data={
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": client_assertion(session, platform),
        "scope": " ".join(sorted(scopes)),
    }).json("access token")
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        raise PlatformError("access token: the platform's answer has no access_token")
    lifetime = answer.get("expires_in", 3600)
    lifetime = lifetime if isinstance(lifetime, (int, float)) and lifetime > 0 else 3600
    with _tokens_lock:
        _tokens[cache] = (time.monotonic() + max(0.0, min(lifetime, 3600) - 60), token)
    return token


def forget_tokens() -> None:
    with _tokens_lock:
        _tokens.clear()


def forget_token(platform, scopes: tuple[str, ...]) -> None:
    with _tokens_lock:
        _tokens.pop((platform.id, platform.token_url, platform.client_id, tuple(sorted(scopes))), None)


def service_call(session, platform, scopes: tuple[str, ...], method: str, url: str, what: str,
                 accept: str, content_type: str | None = None, body=None) -> Answer:
    """A call to an LTI service with a bearer token for ``scopes`` (a fresh token once, if the
    platform says the one it gave has expired)."""
    payload = json.dumps(body).encode() if body is not None else None
    for attempt in (1, 2):
        headers = {"Authorization": f"Bearer {access_token(session, platform, scopes)}", "Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            return call(method, url, what, headers=headers, body=payload)
        except PlatformError as e:
            if e.status == 401 and attempt == 1:
                forget_token(platform, scopes)
                continue
            raise
    raise AssertionError("unreachable")


# -- AGS: line items and scores --------------------------------------------------------------------
def with_path(url: str, suffix: str) -> str:
    """``url`` with ``suffix`` added to its path, its query kept (``.../lineitems/7?type=x`` ->
    ``.../lineitems/7/scores?type=x``, AGS §3.4)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def find_line_items(session, platform, lineitems_url: str, resource_id: str, scopes: tuple) -> list[dict]:
    """The context's line items with this resource id and exgen's tag (filtered again here:
    not every platform applies the query)."""
    from urllib.parse import urlencode, urlsplit, urlunsplit

    parts = urlsplit(lineitems_url)
    query = "&".join(q for q in (parts.query, urlencode({"resource_id": resource_id, "tag": claims.LINE_ITEM_TAG,
                                                         "limit": 100})) if q)
    url = urlunsplit(parts._replace(query=query))
    items = service_call(session, platform, scopes, "GET", url, "line items", claims.LINEITEMS_MEDIA).json("line items")
    if not isinstance(items, list):
        raise PlatformError("line items: the platform's answer is not a list")
    return [i for i in items if isinstance(i, dict) and isinstance(i.get("id"), str)
            and i.get("resourceId") == resource_id and i.get("tag", claims.LINE_ITEM_TAG) == claims.LINE_ITEM_TAG]


def create_line_item(session, platform, lineitems_url: str, item: dict, scopes: tuple) -> str:
    made = service_call(session, platform, scopes, "POST", lineitems_url, "new line item", claims.LINEITEM_MEDIA,
                        claims.LINEITEM_MEDIA, item).json("new line item")
    if not isinstance(made, dict) or not isinstance(made.get("id"), str):
        raise PlatformError("new line item: the platform's answer has no id")
    return made["id"]


def post_score(session, platform, line_item_url: str, score: dict, scopes: tuple) -> None:
    service_call(session, platform, scopes, "POST", with_path(line_item_url, "/scores"), "score",
                 "application/json", claims.SCORE_MEDIA, score)


# -- NRPS: the class list --------------------------------------------------------------------------
def _next_page(link_header: str | None) -> str | None:
    """The ``rel="next"`` URL of a Link header."""
    for part in (link_header or "").split(","):
        if ";" not in part:
            continue
        target, *params = part.split(";")
        if any(p.strip().replace(" ", "") in ('rel="next"', "rel=next") for p in params):
            return target.strip().strip("<>")
    return None


def members(session, platform, memberships_url: str) -> list[dict]:
    """Every member of the context (all pages)."""
    out, url, pages = [], memberships_url, 0
    while url and pages < MAX_PAGES:
        answer = service_call(session, platform, (claims.SCOPE_NRPS,), "GET", url, "class list",
                              claims.MEMBERSHIP_MEDIA)
        data = answer.json("class list")
        page = data.get("members") if isinstance(data, dict) else None
        if not isinstance(page, list):
            raise PlatformError("class list: the platform's answer has no members list")
        out.extend(m for m in page if isinstance(m, dict))
        url, pages = _next_page(answer.headers.get("link")), pages + 1
    return out
