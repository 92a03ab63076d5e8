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
