"""A class on the service, for the service's tests: hw3 assigned with a policy, a client on the
real application (httpx through Starlette's TestClient), the students' links, and answers the
simulated students of ``grading_class`` write (with their independently expected verdicts)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from cli_runner import run
from grading_class import WAYS, answers_and_expectations
from exgen.service.app import create_app
from exgen.service.config import ServiceConfig
from exgen.storage.links import class_links
from exgen.storage.records import load_assignment
from exgen.storage.session import session_scope
from exgen.storage.tokens import create_token

EXAMPLES = Path(__file__).parents[1] / "examples"
BASE = "http://testserver"


def assign_hw3(url, tmp_path, service: str = "", roster: Path | None = None) -> None:
    """hw3 with a ``[service]`` table (TOML lines), for the five students of the example roster."""
    definition = tmp_path / "hw3.toml"
    text = (EXAMPLES / "hw3.toml").read_text()
    if service:
        head, exercises = text.split("[[exercise]]", 1)
        text = head + "[service]\n" + service + "\n\n[[exercise]]" + exercises
    definition.write_text(text)
    run(url, "assign", str(definition), "--roster", str(roster or EXAMPLES / "roster.csv"))


def client(url, **config) -> TestClient:
    config.setdefault("base_url", BASE)
    return TestClient(create_app(ServiceConfig(url, **config)), raise_server_exceptions=True)


def links(url, name="hw3") -> dict[str, str]:
    """student id -> path of the student's page (``/s/<token>``)."""
    with session_scope(url) as session:
        data = class_links(session, name, BASE)
    return {link["student_id"]: link["url"][len(BASE):] for link in data["links"]}


def teacher_token(url, label="teacher") -> str:
    with session_scope(url) as session:
        return create_token(session, label)


def answers(url, student_id: str, way: str = "rounds_4"):
    """(item -> text, item -> expected status) of a student working ``way`` (grading_class)."""
    with session_scope(url) as session:
        record = load_assignment(session, "hw3")
    written, expected = {}, {}
    for exercise in ("q1", "q2"):
        variant = record.variant(student_id, exercise)
        texts, wanted = answers_and_expectations(variant, WAYS[way](variant.solution.graph))
        for item in texts:
            written[f"{exercise}.{item}"] = texts[item]
            expected[f"{exercise}.{item}"] = wanted[item][0]
    return written, expected


def cli_json(url, *args):
    return json.loads(run(url, *args).stdout)


# -- real servers ------------------------------------------------------------------------------------
import os  # noqa: E402
import selectors  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from contextlib import contextmanager  # noqa: E402


class Server(str):
    """A running server's base URL (a str), with the pid of its ``exgen serve`` process."""

    def __new__(cls, url: str, pid: int):
        server = super().__new__(cls, url)
        server.pid = pid
        return server


@contextmanager
def serving(url, *options, timeout=60.0):
    """``exgen serve`` as a real process on a free 127.0.0.1 port; yields its base URL once it
    has printed ``exgen: serving on ...``. It dies with this process (PR_SET_PDEATHSIG) and is
    stopped, with its workers (its own process group), when the block ends."""
    from exgen.processes import die_with_parent

    log = open(os.devnull, "wb") if not os.environ.get("EXGEN_TEST_SERVER_LOG") else None
    process = subprocess.Popen(
        [sys.executable, "-m", "exgen", "--db", url, "serve", "--host", "127.0.0.1", "--port", "0",
         "--no-access-log", *options],
        stdout=subprocess.PIPE, stderr=log, start_new_session=True, preexec_fn=die_with_parent)
    try:
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        line = b""
        deadline = __import__("time").monotonic() + timeout
        while not line.endswith(b"\n"):
            remaining = deadline - __import__("time").monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise RuntimeError(f"exgen serve did not start within {timeout} s")
            chunk = os.read(process.stdout.fileno(), 1)
            if not chunk:
                raise RuntimeError(f"exgen serve exited with status {process.wait()}")
            line += chunk
        text = line.decode().strip()
        assert text.startswith("exgen: serving on http://127.0.0.1:"), text
        yield Server(text.rsplit(" ", 1)[1], process.pid)
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if log is not None:
            log.close()
