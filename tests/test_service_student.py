"""The student's side of exgen serve through a real HTTP client, on SQLite and PostgreSQL:
verdicts as the grader gives them (checked against the simulated students' independently
expected statuses), every [service] policy, and every refusal stored, named and never a 500."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from exgen.storage.models import Submission
from exgen.storage.session import session_scope
from service_helpers import answers, assign_hw3, cli_json, client, links


def stored(url, student_id="s001"):
    with session_scope(url) as session:
        return [(s.source, s.status, s.attempt, s.late, s.current, s.problem, s.raw) for s in session.scalars(
            select(Submission).where(Submission.student_ref == student_id).order_by(Submission.id))]


def submit(c, path, written, **kwargs):
    return c.post(f"/api{path}/submissions", json={"answers": written}, **kwargs)


def test_a_submission_is_graded_like_a_csv_row_and_lands_in_results(database_url, tmp_path):
    assign_hw3(database_url, tmp_path)
    path = links(database_url)["s001"]
    written, expected = answers(database_url, "s001", "slip")
    with client(database_url) as c:
        info = c.get(f"/api{path}").json()
        assert info["student_id"] == "s001" and info["attempts_left"] is None and info["latest"] is None
        assert [i for e in info["exercises"] for i in e["items"]] == list(written)  # work order
        r = submit(c, path, written)
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["attempt"] == 1 and body["late"] is False and body["max_score"] == 14
        assert {item: v["status"] for item, v in body["items"].items()} == expected
        # instant feedback: the worked step of every item not correct, from the key
        for item, verdict in body["items"].items():
            assert ("step" in verdict) == (verdict["status"] != "correct")
        assert abs(body["score"] - sum(v["score"] for v in body["items"].values())) < 1e-6

        results = cli_json(database_url, "results", "hw3", "--json")["students"]["s001"]
        assert results["submitted"] and abs(results["score"] - body["score"]) < 1e-6
        assert {i: v["status"] for i, v in results["items"].items()} == expected
        assert stored(database_url)[0][:5] == ("web", "graded", 1, False, True)
        again = c.get(f"/api{path}").json()
        assert again["attempts_used"] == 1
        for k in body["items"]:
            assert again["latest"]["items"][k] == body["items"][k], k
    run_regrade = cli_json(database_url, "results", "hw3", "--json")
    from cli_runner import run

    run(database_url, "regrade", "hw3")
    assert cli_json(database_url, "results", "hw3", "--json") == run_regrade


def test_a_csv_graded_later_follows_keep_and_counts_as_the_next_attempt(database_url, tmp_path):
    assign_hw3(database_url, tmp_path, 'keep = "best"')
    path = links(database_url)["s001"]
    good, _ = answers(database_url, "s001")
    with client(database_url) as c:
        assert submit(c, path, good).status_code == 201
    best = cli_json(database_url, "results", "hw3", "--json")["students"]["s001"]
    slipped, _ = answers(database_url, "s001", "slip")
    sheet = tmp_path / "late.csv"
    with sheet.open("w", newline="") as handle:
        csv.writer(handle).writerows([["student_id", *slipped], ["s001", *slipped.values()]])
    from cli_runner import run

    run(database_url, "grade", "hw3", str(sheet))
    assert cli_json(database_url, "results", "hw3", "--json")["students"]["s001"] == best  # best still counts
    assert [row[:5] for row in stored(database_url)] == [("web", "graded", 1, False, True),
                                                        ("csv", "graded", 2, False, False)]


def test_attempts_run_out_and_the_refused_answers_are_kept(database_url, tmp_path):
    assign_hw3(database_url, tmp_path, "attempts = 2")
    path = links(database_url)["s002"]
    written, _ = answers(database_url, "s002")
    with client(database_url) as c:
        assert c.get(f"/api{path}").json()["attempts_left"] == 2
        assert submit(c, path, written).json()["attempts_left"] == 1
        assert submit(c, path, written).json()["attempts_left"] == 0
        r = submit(c, path, written)
        assert r.status_code == 409 and r.json() == {"error": "attempts: no attempts left (2 of 2 used)"}
        info = c.get(f"/api{path}").json()
        assert info["attempts_used"] == 2 and info["attempts_left"] == 0
        page = c.get(path).text
        assert "You have used all 2 attempts" in page and 'class="submit"' not in page
    rows = stored(database_url, "s002")
    assert [(r[1], r[2]) for r in rows] == [("graded", 1), ("graded", 2), ("rejected", None)]
    assert rows[2][5] == "no attempts left (2 of 2 used)" and '"answers"' in rows[2][6]


@pytest.mark.parametrize("policy, score, verdicts, steps", [
    ('feedback = "instant"', True, True, True),
    ('feedback = "score"', True, False, False),
    ('feedback = "none"', False, False, False),
    ('feedback = "after_due"\ndue = 2099-01-01T00:00:00Z', False, False, False),
    ('feedback = "after_due"\ndue = 2001-01-01T00:00:00+01:00', True, True, False),
])
def test_feedback_policies_hide_what_they_say(database_url, tmp_path, policy, score, verdicts, steps):
    assign_hw3(database_url, tmp_path, policy)
    path = links(database_url)["s003"]
    written, _ = answers(database_url, "s003", "slip")
    with client(database_url) as c:
        body = submit(c, path, written).json()
        assert ("score" in body) is score and ("items" in body) is verdicts
        if verdicts:
            assert any("step" in v for v in body["items"].values()) is steps
        latest = c.get(f"/api{path}").json()["latest"]
        assert latest == body
        page = c.get(path).text
    assert ("Score <b>" in page) is score
    assert ('class="verdict"' in page) is verdicts
    assert ("Worked step" in page) is steps
    # whatever the student sees, the teacher's results have everything
    assert cli_json(database_url, "results", "hw3", "--json")["students"]["s003"]["items"]


def test_late_work_is_flagged_or_refused(database_url, tmp_path):
    assign_hw3(database_url, tmp_path, 'due = 2001-01-01T00:00:00Z\nlate = "accept"')
    path = links(database_url)["s001"]
    written, _ = answers(database_url, "s001")
    with client(database_url) as c:
        assert c.get(f"/api{path}").json()["due"] == "2001-01-01T00:00:00+00:00"
        r = submit(c, path, written)
        assert r.status_code == 201 and r.json()["late"] is True
    assert stored(database_url)[0][3] is True

    assign_hw3(database_url, tmp_path, 'due = 2001-01-01T00:00:00Z\nlate = "refuse"')  # policy changed
    with client(database_url) as c:
        r = submit(c, path, written)
        assert r.status_code == 409 and r.json()["error"].startswith("due: handed in after the due time")
        page = c.post(path, data=written)
        assert page.status_code == 409 and "late work is not accepted" in page.text
    assert [r[1] for r in stored(database_url)] == ["graded", "rejected", "rejected"]


def test_keep_last_and_keep_best(database_url, tmp_path):
    assign_hw3(database_url, tmp_path, 'keep = "last"')
    paths = links(database_url)
    good, _ = answers(database_url, "s001")
    slipped, _ = answers(database_url, "s001", "slip")
    with client(database_url) as c:
        first = submit(c, paths["s001"], good).json()["score"]
        second = submit(c, paths["s001"], slipped).json()["score"]
    assert second < first
    assert cli_json(database_url, "results", "hw3", "--json")["students"]["s001"]["score"] == pytest.approx(second)
    assign_hw3(database_url, tmp_path, 'keep = "best"')
    from cli_runner import run

    run(database_url, "regrade", "hw3")  # the policy changed: regrading elects under it
    assert cli_json(database_url, "results", "hw3", "--json")["students"]["s001"]["score"] == pytest.approx(first)


def test_bad_requests_name_the_field_and_are_stored_raw(database_url, tmp_path):
    assign_hw3(database_url, tmp_path)
    path = links(database_url)["s004"]
    with client(database_url) as c:
        cases = [
            (b"{not json", "body: not valid JSON (line 1, column 2"),
            (b"[1, 2]", "body: must be a JSON object"),
            (b'{"answer": {}}', "answer: unknown field"),
            (b'{"answers": []}', "answers: must be an object"),
            (b'{"answers": {"q9.loss": "1"}}', "answers.q9.loss: not an item of your exercises"),
            (b'{"answers": {"q1.loss": true}}', "answers.q1.loss: must be text or a number"),
            (b'{"answers": {"q1.loss": "' + b"1" * 101 + b'"}}', "answers.q1.loss: at most 100 characters"),
            (b"\xff\xfe", "body: not UTF-8 text"),
        ]
        for body, message in cases:
            r = c.post(f"/api{path}/submissions", content=body, headers={"content-type": "application/json"})
            assert r.status_code == 422 and r.json()["error"].startswith(message), (body, r.text)
        r = submit(c, path, {"q1.loss": "  "})
        assert r.status_code == 422 and r.json() == {"error": "answers: every answer is blank; nothing was graded"}
        ok = submit(c, path, {"q1.loss": 0.25, "q1.z1[1]": None})  # numbers and nulls are fine
        assert ok.status_code == 201 and ok.json()["items"]["q1.loss"]["submitted"] == "0.25"
    rows = stored(database_url, "s004")
    assert [r[1] for r in rows] == ["rejected"] * len(cases) + ["empty", "graded"]
    assert rows[0][6] == "{not json" and rows[7][6] == "\ufffd\ufffd"  # kept as it came (undecodable bytes marked)
    assert all(r[2] is None for r in rows[:-1]) and rows[-1][2] == 1  # refusals are no attempts


def test_an_unknown_link_is_a_plain_404(database_url, tmp_path):
    assign_hw3(database_url, tmp_path)
    real = links(database_url)["s001"]
    token = real.rsplit("/", 1)[1]
    wrong = [token[:-1] + ("A" if token[-1] != "A" else "B"), token.upper(), "x", "a" * 200, "..%2f..%2fetc"]
    with client(database_url) as c:
        bodies = set()
        for t in wrong:
            for method, path, kwargs in (("GET", f"/api/s/{t}", {}),
                                         ("POST", f"/api/s/{t}/submissions", {"json": {"answers": {}}})):
                r = c.request(method, path, **kwargs)
                assert r.status_code == 404
                bodies.add(r.text)
            page = c.get(f"/s/{t}")
            assert page.status_code == 404
            assert "does not lead to any exercise" in page.text or "%2f" in t  # (that one is no route at all)
        assert bodies == {'{"error":"not found"}'}  # the same answer, whatever the token was
    assert stored(database_url) == []


def test_the_same_submission_twice_is_one_attempt(database_url, tmp_path):
    assign_hw3(database_url, tmp_path, "attempts = 1")
    path = links(database_url)["s001"]
    written, _ = answers(database_url, "s001")
    with client(database_url) as c:
        first = submit(c, path, written, headers={"Idempotency-Key": "abc"})
        again = submit(c, path, written, headers={"Idempotency-Key": "abc"})
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json() and again.headers["idempotent-replayed"] == "true"
        # the page's form carries its own key: a double click or a reload resends it
        form = {**written, "_submission": "form-1"}
        assert c.post(path, data=form).status_code == 409  # the one attempt is used
    assert [r[1] for r in stored(database_url)] == ["graded", "rejected"]


def test_rate_limit_per_link_is_counted_in_the_database(database_url, tmp_path):
    assign_hw3(database_url, tmp_path)
    paths = links(database_url)
    with client(database_url, rate_limit=3) as c:
        codes = [submit(c, paths["s001"], {"q1.loss": str(n)}).status_code for n in range(5)]
        assert codes == [201, 201, 201, 429, 429]
        r = submit(c, paths["s001"], {"q1.loss": "1"})
        assert r.json()["error"].startswith("rate: too many submissions from this link")
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert submit(c, paths["s002"], {"q1.loss": "1"}).status_code == 201  # other links go on
    with client(database_url, rate_limit=3) as c:  # another process counts the same
        assert submit(c, paths["s001"], {"q1.loss": "1"}).status_code == 429
    assert len(stored(database_url)) == 3  # throttled requests store nothing


def test_address_limit_and_size_limits(tmp_path):
    url = f"sqlite:///{tmp_path / 'exgen.db'}"
    assign_hw3(url, tmp_path)
    path = links(url)["s001"]
    with client(url, address_limit=600) as c:
        big = b'{"answers": {"q1.loss": "' + b"1" * 70_000 + b'"}}'
        r = c.post(f"/api{path}/submissions", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["error"].startswith("body: the request is larger than 64 KiB")

        def chunks():  # no Content-Length: counted as it streams
            for _ in range(20):
                yield b"1" * 8192

        r = c.post(f"/api{path}/submissions", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413
        codes = [c.get("/api/s/unknown").status_code for _ in range(598)]  # + the 2 above
        assert set(codes) == {404}  # 600 a minute from one address pass
        for _ in range(600):  # then the limit (a little later when a minute turns meanwhile)
            r = c.get("/api/s/unknown")
            if r.status_code == 429:
                break
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert c.get("/healthz").status_code == 200  # health checks are never throttled
    assert stored(url) == []


def test_the_page_keeps_what_was_typed_and_never_renders_it(database_url, tmp_path):
    assign_hw3(database_url, tmp_path)
    path = links(database_url)["s005"]
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    with client(database_url) as c:
        page = c.get(path)
        assert page.status_code == 200
        assert page.headers["content-security-policy"].startswith("default-src 'none'; script-src 'self'")
        assert page.headers["referrer-policy"] == "same-origin" and page.headers["cache-control"] == "no-store"
        for text in (page.text,):
            assert "<script>" not in text.replace('<script src="/static/exgen.js" defer></script>', "")
            assert "style=" not in text and "<style" not in text
        form = {"q1.loss": "0.25", "q1.z1[1]": hostile[:100], "_submission": "k1"}
        r = c.post(path, data=form)
        assert r.status_code == 200
        assert "<script>alert(1)" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
        assert 'value="0.25"' in r.text  # what was typed stays in its box
        again = c.get(path).text  # and when the page is opened again
        assert 'value="0.25"' in again and "<img src=x" not in again


def test_the_address_limiter_counts_a_sliding_minute():
    from exgen.service.protection import AddressLimiter

    now = [600.0]  # the start of a minute
    limiter = AddressLimiter(10, clock=lambda: now[0])
    assert [limiter.check("a") for _ in range(10)] == [0] * 10
    assert limiter.check("a") == 60 and limiter.check("b") == 0  # per address
    now[0] += 30  # half a minute on: still 10 in the last minute
    assert limiter.check("a") == 30
    now[0] += 30  # a new minute: the last one's 10 weigh in fully at its start
    assert limiter.check("a") == 60
    now[0] += 30  # half of them have slid out
    assert [limiter.check("a") for _ in range(5)] == [0] * 5 and limiter.check("a") > 0
    now[0] += 600  # long quiet: counts are forgotten (memory stays bounded)
    assert limiter.check("a") == 0 and limiter.previous == {}
