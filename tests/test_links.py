"""Students' private links: at least 128 random bits, stable across runs, stored hashed,
rotatable, and found again only from the exact token — on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from cli_runner import run
from exgen.storage.links import TOKEN_LENGTH, link_url, student_for_token, student_tokens
from exgen.storage.models import Secret, StudentLink
from exgen.storage.records import find_assignment
from exgen.storage.session import dispose_all, session_scope

EXAMPLES = Path(__file__).parents[1] / "examples"


def tokens(url, rotate=frozenset()):
    with session_scope(url) as session:
        return student_tokens(session, find_assignment(session, "hw3"), set(rotate))


def owner(url, token):
    with session_scope(url) as session:
        student = student_for_token(session, token)
        return None if student is None else student.student_id


def test_links_are_stable_private_and_rotatable(database_url, monkeypatch):
    monkeypatch.delenv("EXGEN_SECRET_KEY", raising=False)
    run(database_url, "assign", str(EXAMPLES / "hw3.toml"), "--roster", str(EXAMPLES / "roster.csv"))
    first = tokens(database_url)
    assert list(first) == ["s001", "s002", "s003", "s004", "s005"]  # roster order
    assert len(set(first.values())) == 5 and all(len(t) == TOKEN_LENGTH for t in first.values())
    assert TOKEN_LENGTH * 6 >= 128
    dispose_all()
    assert tokens(database_url) == first  # the same links on every run
    assert {sid: owner(database_url, t) for sid, t in first.items()} == {sid: sid for sid in first}

    with session_scope(database_url) as session:  # nothing but hashes is stored
        stored = set(session.scalars(select(StudentLink.token_sha256)))
        assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in first.values()}
        assert not any(t in (s.value for s in session.scalars(select(Secret))) for t in first.values())

    token = first["s002"]
    for wrong in ["", token[:-1], token + "A", token[:-1] + ("A" if token[-1] != "A" else "B"), token.upper()]:
        assert owner(database_url, wrong) is None

    rotated = tokens(database_url, rotate={"s002"})
    assert rotated["s002"] != token and {k: v for k, v in rotated.items() if k != "s002"} == \
        {k: v for k, v in first.items() if k != "s002"}
    assert owner(database_url, token) is None and owner(database_url, rotated["s002"]) == "s002"
    assert tokens(database_url) == rotated  # a rotation lasts

    monkeypatch.setenv("EXGEN_SECRET_KEY", "a department's own key")
    keyed = tokens(database_url)
    assert set(keyed.values()).isdisjoint(rotated.values())
    assert owner(database_url, keyed["s003"]) == "s003" and owner(database_url, rotated["s003"]) is None


def test_link_url_joins_base_and_token():
    assert link_url("https://exgen.example.edu/", "abc") == "https://exgen.example.edu/s/abc"
    assert link_url("http://127.0.0.1:8000", "abc") == "http://127.0.0.1:8000/s/abc"
