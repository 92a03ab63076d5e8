"""A learning platform for the LTI tests, served for real on 127.0.0.1 — never a mocked verifier.

The LTI side is PyPI's ``lti1p3platform`` (a platform implementation on PyJWT and jwcrypto, a
JOSE stack independent of the tool's joserfc): it builds and signs the launches (its own RSA
key, published at ``/jwks``), checks the tool's answers to its authorisation requests, verifies
the tool's client assertions and deep-linking responses against the tool's key set fetched over
HTTP from ``/lti/jwks``, and issues and checks access tokens. This module adds what a real LMS
serves around it: the OIDC authorisation endpoint, the token endpoint (which also checks the
assertion's audience, issuer and subject with PyJWT), courses with members, AGS line items and
scores (recorded as a gradebook keeps them: the latest score per user and line item, every post
counted), NRPS class lists (two members a page, to make the tool follow ``Link: rel=next``),
and course pages that show the tool in an iframe, for a real browser (``Platform.framed_launch``).

``Browser`` plays the student's or teacher's browser: it starts a launch at the tool's
``/lti/login``, follows the redirect to the platform, and posts the platform's auto-submitting
form to the tool — as a browser does, cookies included.
"""

from __future__ import annotations

import html
import html.parser
import itertools
import json
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import jwt as pyjwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jwcrypto.jwk import JWK
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request as PlatformRequest

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
TEACHING_ASSISTANT = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
INSTITUTION_INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"
SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
DEPLOYMENT = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"


# -- servers in this process ----------------------------------------------------------------------
@contextmanager
def serving(make_app, timeout: float = 20.0, host: str = "127.0.0.1"):
    """Serve ``make_app(base_url)`` with uvicorn on a free 127.0.0.1 port, in a thread; yields the
    base URL and stops the server (its lifespan's shutdown included) when the block ends.
    ``host`` is the name in the base URL: ``localhost`` reaches the same server as another *site*
    than ``127.0.0.1`` (browsers compare host names, not addresses)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base = f"http://{host}:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(make_app(base), log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()


def rsa_pem() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


class KeyedRegistration(Registration):
    """lti1p3platform's registration, with a key id (its thumbprint) on the published key and on
    every signature — as real platforms do. ``signing_pem`` signs instead of the platform's own
    key while the header still names the platform's key (a forged signature)."""

    signing_pem: str | None = None
    tamper = None  # a function that may change the message just before it is signed


    @classmethod
    def get_jwk(cls, public_key):
        jwk = super().get_jwk(public_key)
        jwk["kid"] = JWK.from_pem(public_key.encode()).thumbprint()
        return jwk

    def get_kid(self):
        return JWK.from_pem(self.get_platform_public_key().encode()).thumbprint()

    def platform_encode_and_sign(self, payload, expiration=None):
        if self.tamper is not None:
            copy = dict(payload)
            changed = self.tamper(copy)
            payload = copy if changed is None else changed
        if self.signing_pem is None:
            return super().platform_encode_and_sign(payload, expiration)
        return Registration.encode_and_sign(payload, self.signing_pem, {"kid": self.get_kid()}, expiration)


class Conf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs):
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs):
        return self._registration


class Req(PlatformRequest):
    def build_metadata(self, request):
        return request


class Launcher(LTIAdvantageMessageLaunchAbstract):
    """One launch, built by lti1p3platform."""

    def render_launch_form(self, launch_data, **kwargs):
        return launch_data


# -- the platform ---------------------------------------------------------------------------------------
@dataclass
class Member:
    user_id: str
    name: str
    roles: list
    sourcedid: str = ""
    email: str = ""
    status: str = "Active"

    def nrps(self) -> dict:
        out = {"user_id": self.user_id, "name": self.name, "roles": self.roles, "status": self.status}
        if self.sourcedid:
            out["lis_person_sourcedid"] = self.sourcedid
        if self.email:
            out["email"] = self.email
        return out


@dataclass
class Course:
    id: str
    title: str
    members: dict = field(default_factory=dict)  # user id -> Member
    line_items: dict = field(default_factory=dict)  # number -> line item (dict)
    links: dict = field(default_factory=dict)  # resource link id -> {"custom": {...}, "line_item": number|None}


@dataclass
class Link:
    """What a launch of the platform carries (a resource link, or a deep-linking request)."""

    course: str
    resource_link: str = "rl-1"
    custom: dict = field(default_factory=dict)
    line_item: int | None = None  # the link's own line item (AGS "lineitem")
    ags: bool = True
    can_create_line_items: bool = True
    nrps: bool = True
    deep_linking: bool = False


class Platform:
    """The LMS. ``start(tool_base)`` serves it and registers the tool with it."""

    def __init__(self, client_id: str = "exgen-client", deployment_id: str = "dep-1"):
        self.client_id, self.deployment_id = client_id, deployment_id
        self.private_pem, self.public_pem = rsa_pem()
        self.courses: dict[str, Course] = {}
        self.score_posts: list[tuple[str, int, dict]] = []  # (course, line item, score) as posted
        self.results: dict[tuple[str, int, str], dict] = {}  # (course, line item, user) -> latest score
        self.token_requests = 0
        self.deep_links: list[list] = []  # content items received
        self.pending: dict[str, dict] = {}  # lti_message_hint -> launch spec
        self.pages: dict[int, tuple[str, str]] = {}  # number -> (title, the URL its iframe shows)
        self.refuse_scores = False  # answer every score post with 503 (the platform is down)
        self._hints = itertools.count(1)
        self._lock = threading.Lock()
        self.base = ""
        self.tool = ""

    # urls
    @property
    def issuer(self) -> str:
        return self.base

    def url(self, path: str) -> str:
        return self.base + path

    def course(self, course_id: str, title: str = "", members=()) -> Course:
        course = self.courses.setdefault(course_id, Course(course_id, title or f"Course {course_id}"))
        for m in members:
            course.members[m.user_id] = m
        return course

    def registration(self, signing_pem: str | None = None, deep_linking: bool = False) -> KeyedRegistration:
        reg = KeyedRegistration()
        reg.set_iss(self.issuer).set_client_id(self.client_id).set_deployment_id(self.deployment_id)
        reg.set_oidc_login_url(self.tool + "/lti/login").set_launch_url(self.tool + "/lti/launch")
        reg.set_tool_key_set_url(self.tool + "/lti/jwks")
        reg.set_platform_public_key(self.public_pem).set_platform_private_key(self.private_pem)
        if deep_linking:
            reg.set_deeplink_launch_url(self.tool + "/lti/launch")
        reg.signing_pem = signing_pem
        return reg

    def conf(self, **kwargs) -> Conf:
        return Conf(registration=self.registration(**kwargs))

    def register_args(self) -> list[str]:
        """``exgen lti register`` arguments for this platform."""
        return ["lti", "register", "--issuer", self.issuer, "--client-id", self.client_id,
                "--deployment-id", self.deployment_id, "--jwks-url", self.url("/jwks"),
                "--auth-url", self.url("/auth"), "--token-url", self.url("/token")]

    @contextmanager
    def start(self, tool_base: str, host: str = "127.0.0.1"):
        """Serve the platform (at ``http://host:port``: ``localhost`` makes it another site than a
        tool on 127.0.0.1, as a real LMS is)."""
        self.tool = tool_base
        with serving(self.app, host=host) as base:
            self.base = base
            yield self

    # -- launches ------------------------------------------------------------------------------------
    def remember(self, user: Member, link: Link, **options) -> str:
        hint = f"hint-{next(self._hints)}"
        with self._lock:
            self.pending[hint] = {"user": user, "link": link, **options}
        return hint

    def login_params(self, user: Member, link: Link, **options) -> dict:
        """What the platform sends the tool's login initiation URL to start a launch."""
        return {"iss": self.issuer, "login_hint": user.user_id, "target_link_uri": self.tool + "/lti/launch",
                "lti_message_hint": self.remember(user, link, **options), "client_id": self.client_id,
                "lti_deployment_id": self.deployment_id}

    def page(self, title: str, frame: str) -> str:
        """The URL of a course page of the LMS showing ``frame`` in an iframe (as Canvas and Moodle
        show a tool)."""
        with self._lock:
            number = len(self.pages) + 1
            self.pages[number] = (title, frame)
        return self.url(f"/pages/{number}")

    def framed_launch(self, user: Member, link: Link, **options) -> str:
        """The URL of a course page whose iframe starts a launch for ``user``: the frame is the
        platform's auto-submitting form to the tool's login initiation URL, as Moodle's
        ``launch.php`` and Canvas's are."""
        return self.page(self.courses[link.course].title,
                         self.url("/launch?" + urlencode(self.login_params(user, link, **options))))

    def app(self, base: str) -> FastAPI:
        app = FastAPI()
        platform = self

        @app.get("/jwks")
        def jwks():
            return {"keys": platform.registration().get_jwks()}

        @app.get("/pages/{number}")
        def course_page(number: int):
            title, frame = platform.pages[number]
            return HTMLResponse(_COURSE_PAGE.format(title=html.escape(title), frame=html.escape(frame)))

        @app.get("/launch")
        def start_launch(request: Request):
            return HTMLResponse(_auto_post(platform.tool + "/lti/login", dict(request.query_params)))

        @app.get("/auth")
        def auth(request: Request):
            return platform._authorise(dict(request.query_params))

        @app.post("/token")
        async def token(request: Request):
            form = dict(parse_qsl((await request.body()).decode()))
            return await _in_thread(platform._token, form)

        @app.get("/courses/{course}/lineitems")
        def list_items(course: str, request: Request):
            return platform._service(request, course, (LINEITEM, LINEITEM_READONLY), platform._list_items)

        @app.post("/courses/{course}/lineitems")
        async def create_item(course: str, request: Request):
            body = await request.body()
            return platform._service(request, course, (LINEITEM,), lambda c, r: platform._create_item(c, body))

        @app.post("/courses/{course}/lineitems/{number}/scores")
        async def score(course: str, number: int, request: Request):
            body = await request.body()
            return platform._service(request, course, (SCORE,), lambda c, r: platform._score(c, number, r, body))

        @app.get("/courses/{course}/memberships")
        def memberships(course: str, request: Request):
            return platform._service(request, course, (NRPS_SCOPE,), platform._members)

        @app.post("/courses/{course}/deep-link-return")
        async def deep_link_return(course: str, request: Request):
            form = dict(parse_qsl((await request.body()).decode()))
            return await _in_thread(platform._deep_link_return, course, form)

        return app

    def _authorise(self, query: dict):
        spec = self.pending.pop(query.get("lti_message_hint", ""), None)
        if spec is None:
            return JSONResponse({"error": "unknown lti_message_hint"}, 400)
        user: Member = spec["user"]
        link: Link = spec["link"]
        # what the tool must send (IMS Security Framework §5.1.1.2), checked here
        expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
                    "client_id": self.client_id, "redirect_uri": self.tool + "/lti/launch", "login_hint": user.user_id}
        wrong = [k for k, v in expected.items() if query.get(k) != v]
        if wrong:
            return JSONResponse({"error": f"authorisation request: wrong {', '.join(wrong)}"}, 400)
        conf = self.conf(signing_pem=spec.get("signing_pem"), deep_linking=link.deep_linking)
        conf.get_registration().tamper = spec.get("tamper")
        launcher = Launcher(Req({"method": "GET", "get_data": query, "form_data": {}, "headers": {},
                                 "content_type": None, "path": "/auth", "json": None}), conf)
        launcher.set_id_token_expiration(spec.get("expires_in", 300))
        course = self.courses[link.course]
        launcher.set_user_data(user.user_id, user.roles, full_name=user.name, email_address=user.email or None)
        launcher.set_launch_context_claim(course.id, context_title=course.title)
        extra = {}
        if user.sourcedid:
            extra["https://purl.imsglobal.org/spec/lti/claim/lis"] = {"person_sourcedid": user.sourcedid}
        if link.deep_linking:
            launcher.set_dl(self.url(f"/courses/{course.id}/deep-link-return"), title="exgen",
                            accept_types={"ltiResourceLink"})
            # the request's opaque data, a string (DL 2.0 §4.4.1), which the tool must send back
            settings = launcher._deep_linking_launch_data["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"]
            settings["data"] = f"course={course.id}"
        else:
            stored = course.links.get(link.resource_link, {})
            launcher.set_resource_link_claim(link.resource_link, title="exgen")
            custom = {**stored.get("custom", {}), **link.custom}
            if custom:
                launcher.set_custom_parameters_claim(custom)
            line_item = link.line_item if link.line_item is not None else stored.get("line_item")
            if link.ags:
                launcher.set_ags(self.url(f"/courses/{course.id}/lineitems"),
                                 self.url(f"/courses/{course.id}/lineitems/{line_item}") if line_item else None,
                                 allow_creating_lineitems=link.can_create_line_items)
        if link.nrps:
            launcher.set_nrps(self.url(f"/courses/{course.id}/memberships"))
        launcher.set_extra_claims(extra)
        if spec.get("deployment"):
            launcher.set_extra_claims({DEPLOYMENT: spec["deployment"]})
        data = launcher.lti_launch()
        return HTMLResponse(_auto_post(data["launch_url"], {"id_token": data["id_token"], "state": data["state"]}))

    def _token(self, form: dict):
        with self._lock:
            self.token_requests += 1
        conf = self.conf()
        conf.get_registration()
        try:
            answer = conf.get_access_token(form)
        except Exception as e:  # lti1p3platform: a bad grant, a missing claim, a bad signature
            return JSONResponse({"error": "invalid_client", "error_description": str(e)}, 400)
        # lti1p3platform does not check the assertion's audience, issuer or subject: PyJWT does
        keys = pyjwt.PyJWKClient(self.tool + "/lti/jwks")
        assertion = form["client_assertion"]
        claims = pyjwt.decode(assertion, keys.get_signing_key_from_jwt(assertion).key, algorithms=["RS256"],
                              audience=self.url("/token"), options={"require": ["exp", "iat", "jti"]})
        if claims["iss"] != self.client_id or claims["sub"] != self.client_id:
            return JSONResponse({"error": "invalid_client"}, 400)
        return answer

    def _service(self, request: Request, course_id: str, scopes, handler):
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return JSONResponse({"error": "no bearer token"}, 401)
        conf = self.conf()
        conf.get_registration()
        try:
            allowed = conf.validate_token(header[7:], allowed_scopes=list(scopes))
        except Exception:
            return JSONResponse({"error": "invalid token"}, 401)
        if not allowed:
            return JSONResponse({"error": "scope not granted"}, 403)
        course = self.courses.get(course_id)
        if course is None:
            return JSONResponse({"error": "no such course"}, 404)
        return handler(course, request)

    def _list_items(self, course: Course, request: Request):
        query = request.query_params
        items = [i for i in course.line_items.values()
                 if (not query.get("resource_id") or i.get("resourceId") == query["resource_id"])
                 and (not query.get("tag") or i.get("tag") == query["tag"])]
        return Response(json.dumps(items), media_type="application/vnd.ims.lis.v2.lineitemcontainer+json")

    def _create_item(self, course: Course, body: bytes):
        item = json.loads(body)
        with self._lock:
            number = len(course.line_items) + 1
            item["id"] = self.url(f"/courses/{course.id}/lineitems/{number}")
            course.line_items[number] = item
        return Response(json.dumps(item), status_code=201, media_type="application/vnd.ims.lis.v2.lineitem+json")

    def _score(self, course: Course, number: int, request: Request, body: bytes):
        if self.refuse_scores:
            return JSONResponse({"error": "down for maintenance"}, 503)
        if request.headers.get("content-type") != "application/vnd.ims.lis.v1.score+json":
            return JSONResponse({"error": "content type"}, 415)
        if number not in course.line_items:
            return JSONResponse({"error": "no such line item"}, 404)
        score = json.loads(body)
        if score.get("userId") not in course.members:
            return JSONResponse({"error": "user not in course"}, 400)
        for key in ("scoreGiven", "scoreMaximum", "activityProgress", "gradingProgress", "timestamp"):
            if key not in score:
                return JSONResponse({"error": f"missing {key}"}, 400)
        with self._lock:
            self.score_posts.append((course.id, number, score))
            key = (course.id, number, score["userId"])
            if key not in self.results or self.results[key]["timestamp"] <= score["timestamp"]:
                self.results[key] = score  # a gradebook keeps the latest (AGS §3.4.7)
        return Response(status_code=204)

    def _members(self, course: Course, request: Request):
        members = [m.nrps() for m in course.members.values()]
        start = int(request.query_params.get("from", 0))
        page = members[start:start + 2]
        headers = {}
        if start + 2 < len(members):
            headers["Link"] = f'<{self.url(f"/courses/{course.id}/memberships")}?from={start + 2}>; rel="next"'
        return Response(json.dumps({"id": str(request.url), "context": {"id": course.id},
                                    "members": page}),
                        media_type="application/vnd.ims.lti-nrps.v2.membershipcontainer+json", headers=headers)

    def _deep_link_return(self, course_id: str, form: dict):
        conf = self.conf()
        conf.get_registration()
        try:
            items = conf.validate_deeplinking_resp({"JWT": form["JWT"]})
        except Exception as e:
            return JSONResponse({"error": str(e)}, 400)
        claims = pyjwt.decode(form["JWT"], options={"verify_signature": False})  # verified just above
        if claims.get("iss") != self.client_id or self.issuer not in (claims.get("aud") or []):
            return JSONResponse({"error": "wrong iss or aud"}, 400)
        if claims.get(DEPLOYMENT) != self.deployment_id:
            return JSONResponse({"error": "wrong deployment"}, 400)
        if claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/data") != f"course={course_id}":
            return JSONResponse({"error": "the request's data did not come back"}, 400)
        course = self.courses[course_id]
        with self._lock:
            self.deep_links.append(items)
            for item in items:  # the platform makes the link, and the line item it asks for
                number = None
                if "lineItem" in item:
                    number = len(course.line_items) + 1
                    course.line_items[number] = {**item["lineItem"],
                                                 "id": self.url(f"/courses/{course_id}/lineitems/{number}")}
                course.links[f"dl-{len(course.links) + 1}"] = {"custom": item.get("custom", {}), "line_item": number}
        return {"items": items}


async def _in_thread(function, *args):
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args)


#: A course page around a tool, laid out as Canvas and Moodle do: the course's menu on the left,
#: the tool's iframe in the rest of the window.
_COURSE_PAGE = """<!DOCTYPE html><html><head><title>{title}</title><link rel="icon" href="data:,"><style>
body {{ margin: 0; font: 15px sans-serif; background: #f5f5f5; display: grid; height: 100vh;
       grid-template: 44px 1fr / 180px 1fr; }}
header {{ grid-column: 1 / 3; padding: 12px 24px; background: #394b58; color: #fff; }}
nav {{ padding: 16px 24px; line-height: 2.2; color: #2d5b8c; border-right: 1px solid #ddd; }}
iframe {{ border: 0; width: 100%; height: 100%; background: #fff; }}
</style></head><body>
<header><b>Test LMS</b> · {title}</header>
<nav>Home<br>Modules<br><b>Assignments</b><br>Grades<br>People</nav>
<iframe name="tool" title="exgen" src="{frame}"></iframe>
</body></html>"""


def _auto_post(action: str, fields: dict) -> str:
    inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in fields.items())
    return (f'<!DOCTYPE html><html><body><form method="post" action="{action}" id="launch">{inputs}</form>'
            '<script>document.getElementById("launch").submit();</script></body></html>')


# -- the browser ---------------------------------------------------------------------------------------------
class _Forms(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "fields": {}, "attrs": attrs})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")


def forms(page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


class Browser:
    """A person's browser: its own cookie jar, redirects followed only where a test says."""

    def __init__(self, platform: Platform):
        self.platform = platform
        self.http = httpx.Client(timeout=30, follow_redirects=False)

    def close(self):
        self.http.close()

    def login(self, user: Member, link: Link, login_params: dict | None = None, **options) -> httpx.Response:
        """Login initiation at the tool, as the platform starts it (the tool's answer)."""
        params = {**self.platform.login_params(user, link, **options), **(login_params or {})}
        return self.http.get(self.platform.tool + "/lti/login", params={k: v for k, v in params.items() if v is not None})

    def launch_form(self, user: Member, link: Link, **options) -> dict:
        """Up to the platform's auto-submitting form (not posted yet): {"action", "fields"}."""
        started = self.login(user, link, **options)
        assert started.status_code == 302, started.text
        page = self.http.get(started.headers["location"])
        assert page.status_code == 200, page.text
        return forms(page.text)[0]

    def post(self, form: dict, **changes) -> httpx.Response:
        fields = {k: v for k, v in {**form["fields"], **changes}.items() if v is not None}
        return self.http.post(form["action"], data=fields)

    def launch(self, user: Member, link: Link, **options) -> httpx.Response:
        """A whole launch; the tool's answer to it."""
        return self.post(self.launch_form(user, link, **options))


def wait_for(condition, timeout: float = 15.0, what: str = "the platform to receive it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


__all__ = ["Browser", "Course", "Link", "Member", "Platform", "forms", "serving", "wait_for", "urlencode", "urlsplit",
           "INSTRUCTOR", "LEARNER", "TEACHING_ASSISTANT", "INSTITUTION_INSTRUCTOR"]
