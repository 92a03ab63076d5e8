"""The teacher's API and dashboard: a token (hashed, constant-time, revocable), answers
identical to the commands' (results, links, grade, export), one student's PDFs, and the
dashboard's cookie and CSRF rules — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tempfile

from pypdf import PdfReader
from sqlalchemy import select

from cli_runner import run
from paper_class import fill
from exgen.storage.models import TeacherToken
from exgen.storage.session import session_scope
from exgen.storage.tokens import PREFIX
from service_helpers import EXAMPLES, answers, assign_hw3, cli_json, client, links, teacher_token


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_tokens_are_random_hashed_shown_once_and_revocable(database_url):
    created = run(database_url, "token", "create", "ana")
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith(PREFIX) and len(token) - len(PREFIX) >= 43  # 256 bits in base64
    with session_scope(database_url) as session:
        row = session.scalar(select(TeacherToken))
        assert row.label == "ana" and row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in run(database_url, "token", "list").stdout
    assert "ana" in run(database_url, "token", "list").stdout
    assert "exists already" in run(database_url, "token", "create", "ana", code=2).output
    with client(database_url) as c:
        assert c.get("/api/assignments", headers=bearer(token)).json() == {"assignments": []}
        for wrong in ("", "x", token[:-1], token + "x", PREFIX, "Basic " + token):
            r = c.get("/api/assignments", headers={"Authorization": wrong if wrong.startswith("Basic") else f"Bearer {wrong}"})
            assert r.status_code == 401 and r.json()["error"].startswith("authorization:"), wrong
            assert r.headers["www-authenticate"] == "Bearer"
        assert c.get("/api/assignments").status_code == 401
        run(database_url, "token", "revoke", "ana")
        assert c.get("/api/assignments", headers=bearer(token)).status_code == 401
    assert "no token labelled 'ana'" in run(database_url, "token", "revoke", "ana", code=2).output


def test_the_api_answers_what_the_commands_print(database_url, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"  # where the service builds a download before sending it
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assign_hw3(database_url, tmp_path)
    token = teacher_token(database_url)
    written, _ = answers(database_url, "s002", "slip")
    with client(database_url) as c:
        assert c.post(f"/api{links(database_url)['s002']}/submissions", json={"answers": written}).status_code == 201
        # a teacher's overrides (one on a submission, one for a student without one) read the same
        run(database_url, "override", "hw3", "s002", "q1.loss", "--status", "correct", "--note", "seen in class")
        run(database_url, "override", "hw3", "s003", "q1.loss", "--status", "correct", "--score", "0.25",
            "--note", "oral exam")
        h = bearer(token)
        assert c.get("/api/assignments", headers=h).json() == {
            "assignments": [{"name": "hw3", "title": "Homework 3 — Backpropagation", "students": 5}]}
        assert c.get("/api/assignments/hw3/results", headers=h).json() == cli_json(database_url, "results", "hw3", "--json")
        assert c.get("/api/assignments/hw3/links", headers=h).json() == \
            cli_json(database_url, "links", "hw3", "--json", "--base-url", "http://testserver")
        listed = list(csv.reader(io.StringIO(c.get("/api/assignments/hw3/links.csv", headers=h).text)))
        assert listed[0] == ["student_id", "name", "url"] and len(listed) == 6
        for fmt in ("moodle", "qti21", "canvas", "canvas-grades", "moodle-grades"):
            r = c.get(f"/api/assignments/hw3/export/{fmt}", headers=h)
            assert r.status_code == 200, fmt
            out = tmp_path / f"cli-{fmt}"
            run(database_url, "export", "hw3", "--to", fmt, "--out", str(out))
            assert r.content == out.read_bytes(), fmt  # byte for byte what exgen export writes
            assert "attachment" in r.headers["content-disposition"]
        assert c.get("/api/assignments/hw3/export/nope", headers=h).json()["error"].startswith("format: unknown")
        assert list(scratch.iterdir()) == []  # each download's file is removed once it is sent
        assert c.get("/api/assignments/nope/results", headers=h).status_code == 404

        pdf = c.get("/api/assignments/hw3/students/s002/worksheet.pdf", headers=h)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "Alan Turing" in text and "Worksheet" in text
        key = c.get("/api/assignments/hw3/students/s002/key.pdf", headers=h)
        assert "Answer key" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(key.content)).pages)
        assert c.get("/api/assignments/hw3/students/s999/key.pdf", headers=h).status_code == 404
        # byte for byte what exgen render writes (the worksheet fillable, its QR code the link here)
        run(database_url, "render", "hw3", "--out", str(tmp_path / "pdfs"), "--student", "s002",
            "--base-url", "http://testserver")
        assert pdf.content == (tmp_path / "pdfs" / "s002-worksheet.pdf").read_bytes()
        assert key.content == (tmp_path / "pdfs" / "s002-key.pdf").read_bytes()
        report = c.get("/api/assignments/hw3/report.pdf", headers=h)
        assert report.status_code == 200 and report.content.startswith(b"%PDF")


def test_grading_an_upload_is_exgen_grade(database_url, tmp_path):
    assign_hw3(database_url, tmp_path)
    token = teacher_token(database_url)
    sheet = tmp_path / "answers.csv"
    run(database_url, "answer-sheet", "hw3", "--out", str(sheet))
    rows = list(csv.reader(sheet.open(newline="")))
    written, _ = answers(database_url, "s001")
    rows[1] = ["s001", *(written.get(item, "") for item in rows[0][1:])]
    rows.append(["s999", "1"] + [""] * (len(rows[0]) - 2))
    with sheet.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with client(database_url) as c:
        h = bearer(token)
        r = c.post("/api/assignments/hw3/grade", headers=h, files={"file": ("answers.csv", sheet.read_bytes(), "text/csv")})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["graded"] == 1 and body["empty"] == 4 and body["rejected"] == [
            {"file": "answers.csv", "line": 7, "student": "s999",
             "problem": "unknown student 's999' (not on the roster of hw3)"}]
        assert "/tmp" not in r.text and body["summary"].startswith("hw3: 1 students graded")
        again = c.post("/api/assignments/hw3/grade", headers=h, files={"file": ("answers.csv", sheet.read_bytes())})
        assert "was graded before; nothing changed" in again.json()["summary"]
        bad = c.post("/api/assignments/hw3/grade", headers=h, files={"file": ("x.csv", b"name,q1.los\nx,1\n")})
        assert bad.status_code == 422 and bad.json()["error"].startswith("file: x.csv: line 1: no student_id column"), bad.text
        pdf = c.post("/api/assignments/hw3/grade", headers=h, files={"file": ("w.pdf", b"%PDF-1.7 ...")})
        assert pdf.status_code == 200 and pdf.json()["rejected_files"][0]["file"] == "w.pdf"  # stored, rejected
        # a filled worksheet, as exgen render writes it and a student's PDF reader fills it in
        worksheet = c.get("/api/assignments/hw3/students/s002/worksheet.pdf", headers=h).content
        written, _ = answers(database_url, "s002")
        filled = fill(worksheet, {item.replace(".", ":", 1): text for item, text in written.items()}, "pypdf")
        r = c.post("/api/assignments/hw3/grade", headers=h, files={"file": ("anything.pdf", filled)})
        assert r.status_code == 200 and r.json()["graded"] == 1 and r.json()["rejected_files"] == []
        assert cli_json(database_url, "results", "hw3", "--json")["students"]["s002"]["score"] == 14
        missing = c.post("/api/assignments/hw3/grade", headers=h)
        assert missing.status_code == 422 and missing.json() == {"error": "file: missing"}
    # the stored rows are those of exgen grade: the CLI sees the same file as graded before
    assert "was graded before" in run(database_url, "grade", "hw3", str(sheet), code=1).stdout


def test_assignments_are_created_and_extended_from_uploads(database_url, tmp_path):
    token = teacher_token(database_url)
    hw3 = (EXAMPLES / "hw3.toml").read_bytes()
    roster = (EXAMPLES / "roster.csv").read_bytes()
    with client(database_url) as c:
        h = bearer(token)
        r = c.post("/api/assignments", headers=h, files={"assignment": ("hw3.toml", hw3), "roster": ("r.csv", roster)})
        assert r.status_code == 200, r.text
        assert {k: r.json()[k] for k in ("name", "students", "new_variants", "created")} == \
            {"name": "hw3", "students": 5, "new_variants": 10, "created": True}
        longer = roster + b"s006,Emmy Noether,emmy@example.edu\n"
        r = c.post("/api/assignments", headers=h, files={"assignment": ("hw3.toml", hw3), "roster": ("r.csv", longer)})
        assert (r.json()["new_students"], r.json()["new_variants"]) == (1, 2)
        changed = hw3.replace(b"seed = 2026", b"seed = 7")
        r = c.post("/api/assignments", headers=h, files={"assignment": ("hw3.toml", changed), "roster": ("r.csv", longer)})
        assert r.status_code == 409 and "Use --force" in r.json()["error"]
        r = c.post("/api/assignments", headers=h, data={"force": "true"},
                   files={"assignment": ("hw3.toml", changed), "roster": ("r.csv", longer)})
        assert r.status_code == 200 and r.json()["new_variants"] == 12
        for files, message in [
            ({"assignment": ("a.toml", b"name = 'x'\nseed = 1\nexercise = [\n"), "roster": ("r.csv", roster)},
             "assignment: a.toml: not valid TOML"),
            ({"assignment": ("a.toml", hw3.replace(b"points = 4", b"points = -4")), "roster": ("r.csv", roster)},
             "assignment: a.toml: exercise[1].points: must be a positive number"),
            ({"assignment": ("a.toml", hw3), "roster": ("r.csv", b"name\nx\n")},
             "roster: r.csv: line 1: no student_id column"),
            ({"assignment": ("a.toml", b"\xff"), "roster": ("r.csv", roster)},
             "assignment: a.toml: line 1, column 1: not UTF-8 text"),
            ({"roster": ("r.csv", roster)}, "assignment: missing"),
        ]:
            r = c.post("/api/assignments", headers=h, files=files)
            assert r.status_code == 422 and r.json()["error"].startswith(message), r.text
        assert "(at line 2, column 8)" in c.post("/api/assignments", headers=h, files={
            "assignment": ("a.toml", b"name = 'x'\nseed = \n"), "roster": ("r.csv", roster)}).json()["error"]


def csrf_of(html):
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_dashboard_sign_in_cookie_and_csrf(database_url, tmp_path):
    assign_hw3(database_url, tmp_path)
    token = teacher_token(database_url)
    with client(database_url) as c:
        page = c.get("/dashboard")
        assert 'type="password"' in page.text and "Sign out" not in page.text
        bad = c.post("/dashboard/sign-in", data={"token": token + "x"})
        assert bad.status_code == 401 and "not valid" in bad.text and "exgen_session" not in bad.headers.get("set-cookie", "")
        foreign = c.post("/dashboard/sign-in", data={"token": token}, headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403
        r = c.post("/dashboard/sign-in", data={"token": token}, follow_redirects=False)
        assert r.status_code == 303
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        assert token not in cookie  # the cookie is signed, it is not the token
        home = c.get("/dashboard")
        assert "hw3" in home.text and "signed in as teacher" in home.text
        page = c.get("/dashboard/a/hw3")
        assert page.status_code == 200 and "Grade answer sheets" in page.text and "s005" in page.text
        # the dashboard's downloads are the API's GET routes, which take the cookie
        assert c.get("/api/assignments/hw3/results").status_code == 200
        # ... but nothing that changes data does: that needs the token or a CSRF-checked form
        sheet = tmp_path / "blank.csv"
        run(database_url, "answer-sheet", "hw3", "--out", str(sheet))
        upload = {"file": ("blank.csv", sheet.read_bytes(), "text/csv")}
        assert c.post("/api/assignments/hw3/grade", files=upload).status_code == 401
        assert c.post("/dashboard/a/hw3/grade", files=upload, data={"csrf": "wrong"}).status_code == 403
        csrf = csrf_of(page.text)
        graded = c.post("/dashboard/a/hw3/grade", files=upload, data={"csrf": csrf})
        assert graded.status_code == 200 and "0 students graded" in graded.text
        assert c.post("/dashboard/sign-out", data={"csrf": "wrong"}).status_code == 403
        out = c.post("/dashboard/sign-out", data={"csrf": csrf}, follow_redirects=False)
        assert out.status_code == 303 and 'exgen_session=""' in out.headers["set-cookie"]
        c.cookies.clear()
        assert 'type="password"' in c.get("/dashboard").text
        # a cookie made before the token was revoked stops working with it
        c.post("/dashboard/sign-in", data={"token": token})
        assert c.get("/api/assignments").status_code == 200
        run(database_url, "token", "revoke", "teacher")
        assert c.get("/api/assignments").status_code == 401
        assert 'type="password"' in c.get("/dashboard").text


def test_links_command(database_url, tmp_path):
    assign_hw3(database_url, tmp_path)
    data = cli_json(database_url, "links", "hw3", "--json", "--base-url", "https://exgen.example.edu/")
    assert [(l["student_id"], l["name"]) for l in data["links"]][:2] == [("s001", "Ada Lovelace"), ("s002", "Alan Turing")]
    assert all(re.fullmatch(r"https://exgen\.example\.edu/s/[A-Za-z0-9_-]{24}", l["url"]) for l in data["links"])
    assert cli_json(database_url, "links", "hw3", "--json", "--base-url", "https://exgen.example.edu") == data
    out = tmp_path / "links.csv"
    run(database_url, "links", "hw3", "--out", str(out), "--base-url", "https://exgen.example.edu")
    assert list(csv.reader(out.open(newline="")))[1] == ["s001", "Ada Lovelace", data["links"][0]["url"]]
    rotated = cli_json(database_url, "links", "hw3", "--json", "--rotate", "s002", "--base-url", "https://exgen.example.edu")
    assert rotated["links"][1]["url"] != data["links"][1]["url"] and rotated["links"][0] == data["links"][0]
    assert "not a student of hw3" in run(database_url, "links", "hw3", "--rotate", "s999", code=2).output
    assert "--base-url" in run(database_url, "links", "hw3", "--base-url", "ftp://x", code=2).output
    assert "no assignment named 'nope'" in run(database_url, "links", "nope", code=2).output


def test_the_access_log_never_holds_a_link_token():
    import logging

    from exgen.service.protection import RedactTokens, redact
    from exgen.service.serve import log_config

    token = "meY6JdWoaXoOQHrIqJDfGmJd"
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "POST", f"/api/s/{token}/submissions?x={token}", "1.1", 201), None)
    RedactTokens().filter(record)
    assert token not in record.getMessage() and "/api/s/…/submissions" in record.getMessage()
    assert redact(f"/s/{token}") == "/s/…" and redact("/dashboard/a/hw3") == "/dashboard/a/hw3"
    config = log_config(access_log=True)
    assert config["handlers"]["access"]["filters"] == ["redact"]
    assert config["filters"]["redact"]["()"] == "exgen.service.protection.RedactTokens"


def test_every_page_has_the_security_headers(database_url, tmp_path):
    assign_hw3(database_url, tmp_path)
    with client(database_url) as c:
        for path in ("/dashboard", links(database_url)["s001"], "/s/unknown", "/healthz", "/openapi.json", "/nope"):
            r = c.get(path)
            assert "script-src 'self'" in r.headers["content-security-policy"], path
            assert r.headers["x-content-type-options"] == "nosniff"
            if path.startswith("/s/"):  # a student's page opens inside an LMS's iframe (LTI)
                assert "frame-ancestors 'self' https: " in r.headers["content-security-policy"]
                assert "x-frame-options" not in r.headers
            else:
                assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
                assert r.headers["x-frame-options"] == "DENY"
            assert r.headers["cache-control"] == "no-store"
        css = c.get("/static/exgen.css")
        assert css.status_code == 200 and "max-age" in css.headers["cache-control"]
        assert c.get("/static/../pyproject.toml").status_code == 404
        assert c.get("/static/fonts/..%2f..%2fetc%2fpasswd").status_code == 404


def test_the_class_documents_as_one_zip(tmp_path):
    import zipfile

    url = f"sqlite:///{tmp_path / 'exgen.db'}"
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\ns001,Ada\ns002,Alan\n")
    assign_hw3(url, tmp_path, roster=roster)
    token = teacher_token(url)
    with client(url) as c:
        r = c.get("/api/assignments/hw3/documents.zip", headers=bearer(token))
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    names = sorted(zipfile.ZipFile(io.BytesIO(r.content)).namelist())
    assert names == ["hw3/all-keys.pdf", "hw3/all-worksheets.pdf", "hw3/s001-key.pdf", "hw3/s001-worksheet.pdf",
                     "hw3/s002-key.pdf", "hw3/s002-worksheet.pdf"]
