"""What every request passes before a route sees it, as plain ASGI middleware (cheap: no
request objects are built for it):

- **size limits** (413): a body larger than its route allows is refused from its
  Content-Length before a byte is read, and a body without one is counted as it streams in;
- **a rate limit per client address** (429 with Retry-After): a sliding window in this process.
  It is generous on purpose — a whole class behind one school address must never be throttled
  — and guards against floods; the per-link limit on submissions is exact and shared by every
  process (counted in the database, ``exgen.grading.store.submit_answers``);
- **security headers**: a strict Content-Security-Policy (scripts and styles only from our own
  ``/static``: no inline script or style anywhere), no referrer to other sites (a student's
  link is their key and must not leak; within the site browsers then send a real Origin, which
  the dashboard checks), no framing, no sniffing, and no caching of anything but the static
  files;
- **an access log without secrets**: the token in ``/s/<token>`` is never written to a log.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time

from starlette.exceptions import HTTPException

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
NO_STORE = (b"cache-control", b"no-store")
STATIC_CACHE = (b"cache-control", b"public, max-age=3600")
#: Paths never rate-limited: health checks of load balancers, and our own static files.
UNLIMITED = ("/healthz", "/static/")
#: Paths whose requests carry teachers' uploads (assignment files, rosters, answer sheets).
UPLOADS = re.compile(r"^/(api/assignments(/[^/]+/grade)?|dashboard/a/[^/]+/grade)$")


async def _send_json(send, status: int, error: str, headers: list | None = None) -> None:
    body = json.dumps({"error": error}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *SECURITY_HEADERS, NO_STORE, *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def _too_large_error(limit: int) -> str:
    return f"body: the request is larger than {limit // 1024} KiB"


class TooLarge(HTTPException):
    """Raised while a body streams in past its limit: an HTTPException, so that FastAPI's own
    body parsing passes it on as is (it turns other errors into a 400)."""

    def __init__(self, limit: int):
        super().__init__(413, _too_large_error(limit), {"Connection": "close"})


class BodyLimit:
    """413 for a body over the route's limit: from Content-Length before reading, else while
    streaming (the route then sees an exception that turns into the same 413)."""

    def __init__(self, app, student_limit: int, upload_limit: int):
        self.app, self.student_limit, self.upload_limit = app, student_limit, upload_limit

    def limit(self, path: str) -> int:
        return self.upload_limit if UPLOADS.match(path) else self.student_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        limit = self.limit(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    return await _send_json(send, 400, "content-length: not a number")
                if length > limit:
                    return await _send_json(send, 413, _too_large_error(limit), [(b"connection", b"close")])
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise TooLarge(limit)
            return message

        async def watched_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except TooLarge:  # read outside a route (the routes' handlers answer it themselves)
            if not started:
                await _send_json(send, 413, _too_large_error(limit), [(b"connection", b"close")])


class AddressLimiter:
    """At most ``per_minute`` requests per client address in any minute (approximately: a
    sliding window from this and the previous minute's counts), in this process."""

    def __init__(self, per_minute: int, clock=time.monotonic):
        self.per_minute, self.clock = per_minute, clock
        self.window = -1
        self.current: dict[str, int] = {}
        self.previous: dict[str, int] = {}

    def check(self, address: str) -> int:
        """0 when the request may pass (and it is counted), else seconds to wait."""
        now = self.clock()
        window = int(now // 60)
        if window != self.window:  # memory stays bounded: two minutes of addresses
            self.previous = self.current if window == self.window + 1 else {}
            self.current, self.window = {}, window
        elapsed = now / 60 - window
        count = self.current.get(address, 0)
        estimate = self.previous.get(address, 0) * (1 - elapsed) + count
        if estimate >= self.per_minute:
            return max(1, math.ceil((1 - elapsed) * 60))
        self.current[address] = count + 1
        return 0


class RateLimit:
    def __init__(self, app, per_minute: int):
        self.app = app
        self.limiter = AddressLimiter(per_minute)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(UNLIMITED) or scope["path"] == "/healthz":
            return await self.app(scope, receive, send)
        address = (scope.get("client") or ("?", 0))[0]
        wait = self.limiter.check(address)
        if wait:
            return await _send_json(send, 429, f"client: too many requests from {address}; try again in {wait} s",
                                    [(b"retry-after", str(wait).encode())])
        return await self.app(scope, receive, send)


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        static = scope["path"].startswith("/static/")

        async def with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in SECURITY_HEADERS if h[0] not in present]
                if b"cache-control" not in present:
                    extra.append(STATIC_CACHE if static else NO_STORE)
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


# -- logs ---------------------------------------------------------------------------------------
_TOKEN_IN_PATH = re.compile(r"(/s/)[^/?\s]+")


def redact(path: str) -> str:
    """A path as it may be logged: a student's link token replaced by ``…``."""
    return _TOKEN_IN_PATH.sub(r"\1…", path)


class RedactTokens(logging.Filter):
    """uvicorn's access log line, with the student's token cut out of the path (and the query
    string dropped: nothing there is for a log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            args = list(record.args)
            args[2] = redact(args[2].split("?", 1)[0])
            record.args = tuple(args)
        return True
