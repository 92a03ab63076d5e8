"""exgen as an LTI 1.3 tool, against a real platform (``lti_platform``: lti1p3platform behind a
real HTTP server on 127.0.0.1) and a real ``exgen serve`` app (uvicorn, in this process), on
SQLite and PostgreSQL: launches that land each learner on their own variant and an instructor
on the dashboard, deep linking, the class list, every refusal (a clear 4xx, never a 500), and the
kept scores as the platform's gradebook receives them."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from cli_runner import run
from exgen.service.app import create_app
from exgen.service.config import ServiceConfig
from exgen.storage.session import session_scope
from lti_platform import (INSTITUTION_INSTRUCTOR, INSTRUCTOR, LEARNER, TEACHING_ASSISTANT, Browser, Link, Member,
                          Platform, forms, rsa_pem, serving, wait_for)
from service_helpers import BASE, EXAMPLES, answers, assign_hw3, cli_json, links

ADA = Member("lms-ada", "Ada Lovelace", [LEARNER], sourcedid="s001", email="ada@example.edu")
ALAN = Member("s002", "Alan Turing", [LEARNER])  # no SIS id: the LMS user id is the roster id
GRACE = Member("lms-grace", "Grace Hopper", [LEARNER], sourcedid="s003")
NEWCOMER = Member("lms-emmy", "Emmy Noether", [LEARNER, INSTITUTION_INSTRUCTOR], sourcedid="s900")
TEACHER = Member("lms-teacher", "Tess Teacher", [INSTRUCTOR, "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"])
TA = Member("lms-ta", "Tom Assistant", [TEACHING_ASSISTANT])


@dataclass
class Lms:
    url: str  # the database
    tool: str  # exgen serve's base URL
    platform: Platform

    def browser(self) -> Browser:
        return Browser(self.platform)

    def link(self, **kwargs) -> Link:
        kwargs.setdefault("custom", {"assignment": "hw3"})
        return Link("c1", **kwargs)


@pytest.fixture
def lms(database_url, tmp_path):
    from exgen.lti.platform_api import forget_keys, forget_tokens

    forget_keys()
    forget_tokens()
    assign_hw3(database_url, tmp_path, 'keep = "best"')
    platform = Platform()
    platform.course("c1", "Neural Networks 101", [ADA, ALAN, GRACE, TEACHER, TA])
    with serving(lambda base: create_app(ServiceConfig(database_url, base_url=base))) as tool:
        with platform.start(tool):
            run(database_url, *platform.register_args())
            yield Lms(database_url, tool, platform)


def page_token(response) -> str:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/s/"), location
    return location


def refused(response, status: int, *words: str) -> str:
    """The tool's refusal page: the status, and the reason in its text."""
    assert response.status_code == status, (response.status_code, response.text[:2000])
    assert "text/html" in response.headers["content-type"]
    text = response.text.replace("&#39;", "'").replace("&quot;", '"')
    for word in words:
        assert word in text, (word, text)
    return text


def test_a_learner_lands_on_their_own_variant_page_by_sis_id_or_lms_user_id(lms):
    own = links(lms.url)
    ada, alan = lms.browser(), lms.browser()
    assert page_token(ada.launch(ADA, lms.link())) == own["s001"]
    assert page_token(alan.launch(ALAN, lms.link())) == own["s002"]
    page = ada.http.get(lms.tool + own["s001"])
    assert page.status_code == 200 and "Ada Lovelace" in page.text
    # inside the LMS's iframe: any https page may frame it; the dashboard stays unframable
    assert "frame-ancestors 'self' https: http://localhost:*" in page.headers["content-security-policy"]
    assert "x-frame-options" not in page.headers
    assert page.headers.get("x-frame-options") is None
    assert ada.http.get(lms.tool + "/dashboard").headers["x-frame-options"] == "DENY"
    # the same person launching again lands on the same page
    assert page_token(ada.launch(ADA, lms.link())) == own["s001"]


def test_a_learner_the_roster_lacks_is_added_with_their_own_variant(lms, tmp_path):
    browser = lms.browser()
    location = page_token(browser.launch(NEWCOMER, lms.link()))
    assert links(lms.url)["s900"] == location
    # the variant is the one exgen assign gives s900 with a longer roster (a second database)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    roster = tmp_path / "longer.csv"
    roster.write_text((EXAMPLES / "roster.csv").read_text() + "s900,Emmy Noether,\n")
    assign_hw3(other, tmp_path, 'keep = "best"', roster=roster)
    ours = [v for v in cli_json(lms.url, "variants", "hw3", "--json")["variants"] if v["student_id"] == "s900"]
    theirs = [v for v in cli_json(other, "variants", "hw3", "--json")["variants"] if v["student_id"] == "s900"]
    assert ours and ours == theirs


def test_an_instructor_opens_the_dashboard_signed_in_and_the_class_list_is_synced(lms):
    lms.platform.course("c1", members=[NEWCOMER])
    browser = lms.browser()
    page = browser.launch(TEACHER, lms.link())
    assert page.status_code == 200, page.text
    assert "Open the dashboard" in page.text
    # the class list (NRPS, two members a page): 4 learners, 3 on the roster, the fourth added
    assert "4 learners" in page.text and "3 already on the roster" in page.text and "1 added" in page.text
    assert "s900" in links(lms.url)
    (anchor,) = [f for f in _anchors(page.text) if "/lti/dashboard?code=" in f]
    opened = browser.http.get(lms.tool + anchor)
    assert opened.status_code == 303 and opened.headers["location"] == "/dashboard/a/hw3"
    cookie = opened.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    dashboard = browser.http.get(lms.tool + "/dashboard/a/hw3")
    assert dashboard.status_code == 200 and "Sign in to see" not in dashboard.text and "s900" in dashboard.text
    # the sign-in link works once
    refused(lms.browser().http.get(lms.tool + anchor), 403, "used already")
    # the instructor is a teacher like any other: listed, and revocable
    listing = run(lms.url, "token", "list").output
    (label,) = [line.split("  ")[0] for line in listing.splitlines() if "Tess Teacher" in line]
    run(lms.url, "token", "revoke", label)
    assert "Sign in to see" in browser.http.get(lms.tool + "/dashboard/a/hw3").text


def _anchors(page: str) -> list[str]:
    import re

    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', page)]


def test_deep_linking_round_trip(lms):
    """The instructor picks hw3 in exgen's picker; the platform checks the signed answer with
    the tool's published keys and makes the link and its line item; learners launching that
    link land on their own page and their scores go to that line item (none made by exgen)."""
    browser = lms.browser()
    picker = browser.launch(TEACHER, Link("c1", deep_linking=True))
    assert picker.status_code == 200, picker.text
    (choice,) = [f for f in forms(picker.text) if f["fields"].get("assignment") == "hw3"]
    answer = browser.http.post(lms.tool + choice["action"], data=choice["fields"])
    assert answer.status_code == 200, answer.text
    (back,) = forms(answer.text)
    assert back["action"] == lms.platform.url("/courses/c1/deep-link-return") and "data-autosubmit" in back["attrs"]
    # the one form that leaves the site may go to the platform's return URL, and only there
    assert f"form-action 'self' {lms.platform.base}" in answer.headers["content-security-policy"]
    received = browser.http.post(back["action"], data=back["fields"])
    assert received.status_code == 200, received.text
    (item,) = received.json()["items"]
    assert item["type"] == "ltiResourceLink" and item["url"] == lms.tool + "/lti/launch"
    assert item["custom"] == {"assignment": "hw3"}
    assert item["lineItem"] == {"scoreMaximum": 14.0, "label": "Homework 3 — Backpropagation", "resourceId": "hw3",
                                "tag": "exgen"}
    course = lms.platform.courses["c1"]
    assert len(course.line_items) == 1
    # a learner launches the new link (its custom parameter comes from the platform now)
    ada = lms.browser()
    location = page_token(ada.launch(ADA, Link("c1", resource_link="dl-1", can_create_line_items=False)))
    written, _ = answers(lms.url, "s001")
    assert ada.http.post(f"{lms.tool}/api{location}/submissions", json={"answers": written}).status_code == 201
    score = wait_for(lambda: lms.platform.results.get(("c1", 1, ADA.user_id)))
    assert score["scoreMaximum"] == 14.0 and abs(score["scoreGiven"] - 14.0) < 1e-6
    assert len(course.line_items) == 1
    # a learner cannot pick what a link opens
    refused(lms.browser().launch(ADA, Link("c1", deep_linking=True)), 403, "only the course's instructors")


def stop_the_servers_sender(lms):
    """The server runs in this process, so a command run here would wake its sender, which may
    then post first: it stops, and the commands send what they marked themselves — as when they
    run on another machine than exgen serve."""
    from exgen.lti.outcomes import _OUTBOXES
    from exgen.storage.session import engine_for

    _OUTBOXES[engine_for(lms.url)].stop()


def _kept(url, student_id):
    return cli_json(url, "results", "hw3", "--json")["students"][student_id]


def test_kept_scores_reach_the_gradebook_one_line_item_one_score_per_student(lms):
    """A link without a line item of its own: exgen makes exactly one, however many launches
    and attempts; each graded attempt posts the KEPT score (keep = "best": a worse attempt
    leaves the gradebook as it was), with the AGS fields, for the student's LMS user id."""
    platform, course = lms.platform, lms.platform.courses["c1"]
    people = {"s001": (ADA, lms.browser()), "s002": (ALAN, lms.browser())}
    locations = {sid: page_token(browser.launch(member, lms.link())) for sid, (member, browser) in people.items()}
    for _ in range(2):  # more launches change nothing
        page_token(people["s001"][1].launch(ADA, lms.link()))
        assert lms.browser().launch(TEACHER, lms.link()).status_code == 200
    assert len(course.line_items) == 1
    (item,) = course.line_items.values()
    assert item["resourceId"] == "hw3" and item["tag"] == "exgen" and item["scoreMaximum"] == 14.0
    assert platform.score_posts == []  # nothing graded yet

    def submit(sid, way):
        member, browser = people[sid]
        written, _ = answers(lms.url, sid, way)
        reply = browser.http.post(f"{lms.tool}/api{locations[sid]}/submissions", json={"answers": written})
        assert reply.status_code == 201, reply.text
        return reply.json()["score"]

    def gradebook(sid):
        return platform.results.get(("c1", 1, people[sid][0].user_id))

    slipped = submit("s001", "slip")
    wait_for(lambda: gradebook("s001"))
    assert abs(gradebook("s001")["scoreGiven"] - slipped) < 1e-6
    best = submit("s001", "rounds_4")
    assert best > slipped
    wait_for(lambda: abs(gradebook("s001")["scoreGiven"] - best) < 1e-6)
    posts = len(platform.score_posts)
    submit("s001", "slip")  # worse: the best attempt still counts, and the gradebook keeps it
    submit("s002", "rounds_4")
    wait_for(lambda: gradebook("s002"))
    assert len([p for p in platform.score_posts if p[2]["userId"] == ADA.user_id]) == posts  # no post for it
    for sid in people:
        score = gradebook(sid)
        kept = _kept(lms.url, sid)
        assert abs(score["scoreGiven"] - kept["score"]) < 1e-6 and score["scoreMaximum"] == kept["max_score"] == 14.0
        assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
        assert score["userId"] == people[sid][0].user_id
    assert {p[2]["userId"] for p in platform.score_posts} == {ADA.user_id, ALAN.user_id}
    assert len(course.line_items) == 1


def test_answer_sheets_and_regrades_go_back_too_and_the_class_list_links_paper_only_students(lms, tmp_path):
    """Grace never launches: the class list (exgen lti roster) links her; her answer sheet,
    graded with exgen grade, is posted as the command ends; a regrade that changes a score
    posts it again."""
    import csv

    stop_the_servers_sender(lms)
    lms.browser().launch(TEACHER, lms.link())  # the course and its line item
    out = run(lms.url, "lti", "roster", "hw3").output
    assert "3 learners" in out and "3 on the roster" in out and "0 added" in out
    written, _ = answers(lms.url, "s003", "slip")
    sheet = tmp_path / "sheet.csv"
    with sheet.open("w", newline="") as handle:
        csv.writer(handle).writerows([["student_id", *written], ["s003", *written.values()]])
    graded = run(lms.url, "grade", "hw3", str(sheet))
    assert "lti: 1 score sent" in graded.stderr
    score = lms.platform.results[("c1", 1, GRACE.user_id)]
    assert abs(score["scoreGiven"] - _kept(lms.url, "s003")["score"]) < 1e-6
    before = score["scoreGiven"]
    # no follow-through credit any more: the slip's later answers lose their points
    definition = tmp_path / "hw3.toml"
    definition.write_text(definition.read_text().replace("[service]", "[grading]\nfollow_through_credit = 0.0\n\n[service]"))
    assigned = run(lms.url, "assign", str(definition), "--roster", str(EXAMPLES / "roster.csv"))
    assert "re-marked" in assigned.output and "lti: 1 score sent" in assigned.stderr  # no regrade needed
    assert "lti:" not in run(lms.url, "regrade", "hw3").stderr  # nothing changed since
    after = lms.platform.results[("c1", 1, GRACE.user_id)]["scoreGiven"]
    assert after < before and abs(after - _kept(lms.url, "s003")["score"]) < 1e-6
    # exgen lti sync posts every kept score again
    posts = len(lms.platform.score_posts)
    assert "1 score sent" in run(lms.url, "lti", "sync", "hw3").output
    assert len(lms.platform.score_posts) == posts + 1


def test_a_platform_that_is_down_loses_nothing_and_is_retried(lms):
    from exgen.storage.models import LtiScore, Submission

    browser = lms.browser()
    location = page_token(browser.launch(ADA, lms.link()))
    lms.platform.refuse_scores = True
    written, _ = answers(lms.url, "s001")
    reply = browser.http.post(f"{lms.tool}/api{location}/submissions", json={"answers": written})
    assert reply.status_code == 201  # the student's answer is taken, whatever the platform does

    def failed():
        with session_scope(lms.url) as session:
            row = session.scalar(select(LtiScore))
            return row if row.failures else None

    row = wait_for(failed, what="the failure to be recorded")
    assert row.pending and "503" in row.last_error and row.next_try_at is not None
    with session_scope(lms.url) as session:
        assert session.scalar(select(func.count(Submission.id))) == 1
    stop_the_servers_sender(lms)
    assert "1 failed" in run(lms.url, "lti", "sync", "hw3", code=1).output
    lms.platform.refuse_scores = False
    assert "1 score sent" in run(lms.url, "lti", "sync", "hw3").output
    assert lms.platform.results[("c1", 1, ADA.user_id)]["scoreGiven"] == pytest.approx(_kept(lms.url, "s001")["score"])
    with session_scope(lms.url) as session:
        row = session.scalar(select(LtiScore))
        assert not row.pending and row.failures == 0 and row.last_error == ""


def test_two_first_launches_at_once_make_one_line_item(lms):
    results = []

    def launch(member):
        results.append(lms.browser().launch(member, lms.link()).status_code)

    threads = [threading.Thread(target=launch, args=(m,)) for m in (ADA, ALAN, GRACE)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [303, 303, 303]
    assert len(lms.platform.courses["c1"].line_items) == 1


# -- refusals: each a clear 4xx, never a 500 ------------------------------------------------------------
def _claim(name, value):
    def tamper(message):
        message[name] = value
    return tamper


REFUSALS = {
    # the token is signed with another key, under the platform's key id
    "bad signature": (dict(signing_pem=rsa_pem()[0]), 401, "signature does not match"),
    "wrong audience": (dict(tamper=_claim("aud", "another-tool")), 401, "aud: meant for another tool"),
    "wrong issuer": (dict(tamper=_claim("iss", "https://evil.example")), 401, "iss: issued by another platform"),
    "expired token": (dict(expires_in=-120), 401, "expired"),
    "unknown deployment": (dict(deployment="dep-unknown"), 403, "'dep-unknown' is not a registered deployment"),
    "nonce not the login's": (dict(tamper=_claim("nonce", "another-nonce")), 401, "nonce: its nonce is not"),
    "old LTI version": (dict(tamper=_claim("https://purl.imsglobal.org/spec/lti/claim/version", "1.1")), 400,
                        "must be 1.3.0"),
    "several audiences, no azp": (dict(tamper=lambda m: {**{k: v for k, v in m.items() if k != "azp"},
                                                         "aud": ["another-tool", m["aud"]]}), 401, "azp"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_launch_that_does_not_verify_is_refused(lms, case):
    options, status, words = REFUSALS[case]
    refused(lms.browser().launch(ADA, lms.link(), **options), status, words)
    assert lms.platform.score_posts == []


def test_a_replayed_launch_is_refused(lms):
    browser = lms.browser()
    form = browser.launch_form(ADA, lms.link())
    page_token(browser.post(form))
    refused(browser.post(form), 401, "used already")
    refused(lms.browser().post(form), 401, "used already")  # from another browser too


def test_a_launch_with_a_missing_forged_or_foreign_state_is_refused(lms):
    browser = lms.browser()
    form = browser.launch_form(ADA, lms.link())
    refused(browser.post(form, state=None), 400, "state: missing")
    state = form["fields"]["state"]
    forged = state[:-3] + ("AAA" if not state.endswith("AAA") else "BBB")
    refused(browser.post(form, state=forged), 400, "state: not a login state made by this tool")
    refused(browser.post(form, state="1.2"), 400, "state: not a login state")
    refused(browser.post(form, id_token=None), 400, "id_token: missing")
    refused(browser.post(form, id_token="not.a.token"), 401, "id_token")
    # the state's cookie, sent by another browser with another value
    other = lms.browser()
    for name in browser.http.cookies.keys():
        other.http.cookies.set(name, "0" * 32, domain="127.0.0.1")
    refused(other.post(form), 400, "started in another browser")
    # this login's state with another login's id_token: the nonce does not match
    second = lms.browser().launch_form(ALAN, lms.link())
    refused(browser.post(form, id_token=second["fields"]["id_token"]), 401, "nonce")
    page_token(browser.post(form))  # the untouched launch still works


def test_a_student_cannot_launch_into_another_students_page(lms):
    """Ada edits her id_token to claim Alan's identity (the signature no longer matches); she
    asks for the assignment picker; her SIS id is reused by another LMS account (that account is
    refused: Ada's scores never go to it)."""
    import base64
    import json

    browser = lms.browser()
    form = browser.launch_form(ADA, lms.link())
    head, body, signature = form["fields"]["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["sub"] = ALAN.user_id
    claims["https://purl.imsglobal.org/spec/lti/claim/lis"] = {"person_sourcedid": "s002"}
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    refused(browser.post(form, id_token=f"{head}.{edited}.{signature}"), 401, "signature does not match")
    refused(lms.browser().launch(ADA, Link("c1", deep_linking=True)), 403, "only the course's instructors")
    page_token(lms.browser().launch(ADA, lms.link()))
    impostor = Member("lms-other", "Not Ada", [LEARNER], sourcedid="s001")
    lms.platform.course("c1", members=[impostor])
    refused(lms.browser().launch(impostor, lms.link()), 409, "already linked to another account")


def test_launches_the_tool_cannot_serve_are_refused_with_the_reason(lms):
    refused(lms.browser().launch(ADA, lms.link(custom={})), 400, "custom parameter assignment=NAME")
    refused(lms.browser().launch(ADA, lms.link(custom={"assignment": "hw9"})), 404, "no exgen assignment named 'hw9'")
    refused(lms.browser().launch(TA, lms.link()), 403, "learners and instructors")
    anonymous = Member("lms-anonymous", "", [LEARNER])  # the platform keeps its id to itself
    refused(lms.browser().launch(anonymous, lms.link(), tamper=lambda m: {k: v for k, v in m.items() if k != "sub"}),
            403, "no user id")


def test_a_login_the_tool_cannot_start_is_refused(lms):
    browser = lms.browser()
    refused(browser.login(ADA, lms.link(), login_params={"iss": "https://unknown.example"}), 400,
            "is not a registered platform")
    refused(browser.login(ADA, lms.link(), login_params={"client_id": "someone-else"}), 400, "is not registered")
    refused(browser.login(ADA, lms.link(), login_params={"lti_deployment_id": "dep-9"}), 403, "not a registered deployment")
    refused(browser.login(ADA, lms.link(), login_params={"login_hint": None}), 400, "login_hint: missing")
    refused(browser.http.post(lms.tool + "/lti/login", content=b"\xff\xfe", headers={
        "content-type": "application/x-www-form-urlencoded"}), 400, "not a form")
    # a POST login initiation works like a GET one
    started = browser.http.post(lms.tool + "/lti/login", data={
        "iss": lms.platform.issuer, "login_hint": ADA.user_id, "target_link_uri": lms.tool + "/lti/launch",
        "lti_message_hint": lms.platform.remember(ADA, lms.link())})
    assert started.status_code == 302 and started.headers["location"].startswith(lms.platform.url("/auth?"))


def test_a_removed_platform_launches_nothing_and_its_teachers_are_signed_out(lms):
    browser = lms.browser()
    form = browser.launch_form(ADA, lms.link())
    assert browser.launch(TEACHER, lms.link()).status_code == 200
    assert "Tess Teacher" in run(lms.url, "token", "list").output
    run(lms.url, "lti", "remove", lms.platform.issuer, lms.platform.client_id)
    refused(browser.post(form), 400, "no longer registered")
    refused(lms.browser().login(ADA, lms.link()), 400, "is not a registered platform")
    assert "Tess Teacher" not in run(lms.url, "token", "list").output


# -- the tool's keys, the commands and the configuration page -------------------------------------------
def test_the_tools_private_key_is_stored_encrypted_and_rotates(database_url, monkeypatch):
    from datetime import timedelta

    from exgen.lti import LtiError, keys
    from exgen.storage.models import LtiKey, utcnow

    run(database_url, "lti", "register", "--issuer", "https://lms.example.edu", "--client-id", "c",
        "--deployment-id", "d", "--jwks-url", "https://lms.example.edu/jwks", "--auth-url",
        "https://lms.example.edu/auth", "--token-url", "https://lms.example.edu/token")
    with session_scope(database_url) as session:
        (row,) = session.scalars(select(LtiKey)).all()
        first = row.kid
        assert row.private_key.startswith("v1.") and "PRIVATE" not in row.private_key
        assert set(row.public_jwk) == {"kty", "n", "e", "kid", "use", "alg"}  # no private member
        pem = keys._unseal(session, row.kid, row.private_key)
        assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
        # a row moved onto another key id does not decrypt (the id is authenticated with it)
        with pytest.raises(LtiError, match="cannot be decrypted"):
            keys._unseal(session, "another-kid", row.private_key)
    listed = run(database_url, "lti", "keys").output
    assert first in listed and "signing" in listed and "PRIVATE" not in listed
    out = run(database_url, "lti", "rotate-key").output
    with session_scope(database_url) as session:
        second = keys.signing_key(session)[0]
        assert second != first and f"new signing key {second}" in out and f"retired {first}" in out
        assert [k["kid"] for k in keys.published(session)["keys"]] == [second, first]  # the old one still there
        session.get(LtiKey, first).retired_at = utcnow() - keys.RETIRED_KEPT - timedelta(minutes=1)
    with session_scope(database_url) as session:
        assert [k["kid"] for k in keys.published(session)["keys"]] == [second]
    run(database_url, "lti", "rotate-key")
    with session_scope(database_url) as session:
        assert first not in {k.kid for k in session.scalars(select(LtiKey))}  # dropped for good
    # the database's key changes (EXGEN_SECRET_KEY set afterwards): a clear message, not a traceback
    monkeypatch.setenv("EXGEN_SECRET_KEY", "a-department-secret-" * 3)
    keys._private.clear()
    with session_scope(database_url) as session, pytest.raises(LtiError, match="EXGEN_SECRET_KEY"):
        keys.signing_key(session)
    run(database_url, "lti", "rotate-key")
    with session_scope(database_url) as session:
        assert keys.signing_key(session)[1].as_dict(private=False)["kty"] == "RSA"


def test_after_a_key_rotation_the_platform_verifies_the_new_key(lms):
    """Scores go back with a token obtained with the new key (the platform fetches /lti/jwks)."""
    from exgen.lti.platform_api import forget_tokens

    browser = lms.browser()
    location = page_token(browser.launch(ADA, lms.link()))
    run(lms.url, "lti", "rotate-key")
    forget_tokens()
    written, _ = answers(lms.url, "s001")
    assert browser.http.post(f"{lms.tool}/api{location}/submissions", json={"answers": written}).status_code == 201
    wait_for(lambda: lms.platform.results.get(("c1", 1, ADA.user_id)))
    published = browser.http.get(lms.tool + "/lti/jwks").json()["keys"]
    assert len(published) == 2 and all("d" not in k and k["alg"] == "RS256" for k in published)


def test_lti_register_list_and_remove(tmp_path):
    import json

    url = f"sqlite:///{tmp_path / 'exgen.db'}"
    args = ["lti", "register", "--issuer", "https://moodle.example.edu", "--client-id", "abc",
            "--jwks-url", "https://moodle.example.edu/mod/lti/certs.php",
            "--auth-url", "https://moodle.example.edu/mod/lti/auth.php",
            "--token-url", "https://moodle.example.edu/mod/lti/token.php"]
    assert "registered https://moodle.example.edu (client id abc; deployments 1, 2)" in \
        run(url, *args, "--deployment-id", "1", "--deployment-id", "2").output
    assert "updated" in run(url, *args, "--deployment-id", "2").output
    (platform,) = json.loads(run(url, "lti", "list", "--json").output)["platforms"]
    assert platform == {"issuer": "https://moodle.example.edu", "client_id": "abc", "deployment_ids": ["2"],
                        "jwks_url": "https://moodle.example.edu/mod/lti/certs.php",
                        "auth_url": "https://moodle.example.edu/mod/lti/auth.php",
                        "token_url": "https://moodle.example.edu/mod/lti/token.php"}
    assert "https://moodle.example.edu  client id abc  deployments 2" in run(url, "lti", "list").output
    bad = list(args)
    bad[bad.index("--issuer") + 1] = "moodle.example.edu"
    assert "--issuer: must be an https://" in run(url, *bad, "--deployment-id", "1", code=2).output
    bad = list(args)
    bad[bad.index("--token-url") + 1] = "https://user:secret@moodle.example.edu/token"
    assert "--token-url: must not hold a user name" in run(url, *bad, "--deployment-id", "1", code=2).output
    assert "--deployment-id: holds control characters" in run(url, *args, "--deployment-id", "a\x07", code=2).output
    assert "Missing option '--deployment-id'" in run(url, *args, code=2).output
    assert "no platform with issuer 'https://other'" in run(url, "lti", "remove", "https://other", "abc", code=2).output
    assert "removed" in run(url, "lti", "remove", "https://moodle.example.edu", "abc").output
    assert "no platforms registered" in run(url, "lti", "list").output


def test_the_configuration_page_says_what_to_paste(database_url):
    from fastapi.testclient import TestClient

    base = "https://exgen.example.edu"
    with TestClient(create_app(ServiceConfig(database_url, base_url=base))) as c:
        page = c.get("/lti/config")
        assert page.status_code == 200
        for text in (f"{base}/lti/login", f"{base}/lti/launch", f"{base}/lti/jwks", f"{base}/lti/config.json",
                     "assignment=NAME", "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                     "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
                     "Developer Keys", "LtiDeepLinkingRequest", "configure a tool manually", "Keyset URL",
                     "exgen lti register --issuer https://canvas.instructure.com"):
            assert text in page.text.replace("&#39;", "'"), text
        assert "plain http" not in page.text
        canvas = c.get("/lti/config.json").json()
        assert canvas["oidc_initiation_url"] == f"{base}/lti/login" and canvas["public_jwk_url"] == f"{base}/lti/jwks"
        assert canvas["target_link_uri"] == f"{base}/lti/launch"
        (extension,) = canvas["extensions"]
        assert extension["privacy_level"] == "public" and extension["domain"] == "exgen.example.edu"
        assert {p["placement"] for p in extension["settings"]["placements"]} == {"assignment_selection", "link_selection"}
        jwks = c.get("/lti/jwks")
        assert jwks.headers["cache-control"] == "public, max-age=300"
        assert [set(k) for k in jwks.json()["keys"]] == [{"kty", "n", "e", "kid", "use", "alg"}]
    with TestClient(create_app(ServiceConfig(database_url, base_url=BASE))) as c:
        assert "plain http" in c.get("/lti/config").text


def test_a_teachers_override_goes_to_the_gradebook(lms):
    """An override changes the score results report: the gradebook gets that score, and again
    when the override is removed."""
    browser = lms.browser()
    location = page_token(browser.launch(ADA, lms.link()))
    written, expected = answers(lms.url, "s001", "slip")
    assert browser.http.post(f"{lms.tool}/api{location}/submissions", json={"answers": written}).status_code == 201
    graded = wait_for(lambda: lms.platform.results.get(("c1", 1, ADA.user_id)))["scoreGiven"]
    (item,) = [i for i, status in expected.items() if status == "incorrect"][:1]
    run(lms.url, "override", "hw3", "s001", item, "--status", "correct", "--note", "a typo, the work is right")
    decided = _kept(lms.url, "s001")["score"]
    assert decided > graded
    wait_for(lambda: abs(lms.platform.results[("c1", 1, ADA.user_id)]["scoreGiven"] - decided) < 1e-6)
    run(lms.url, "override", "hw3", "s001", item, "--clear")
    wait_for(lambda: abs(lms.platform.results[("c1", 1, ADA.user_id)]["scoreGiven"] - graded) < 1e-6)


@pytest.mark.parametrize("family", ['preset = "two-layer"',
                                    'preset = "two-layer"\n[exercise.family]\nbatch_size = 2\n'
                                    'activations = ["leaky_relu", "sigmoid"]\nnegative_slope = 0.2'])
def test_a_stored_definition_reads_back_as_it_went_in(family):
    """Students added from an LMS get their variants from the stored definition: read back, it
    hashes (and so generates) exactly as the file did."""
    from exgen.variants.assignment import AssignmentDef, parse_assignment

    text = f'name = "x"\nseed = 7\n[[exercise]]\nid = "q1"\npoints = 3\n{family}\n'
    definition = parse_assignment(text)
    back = AssignmentDef.from_json(definition.to_json())
    assert back.variants_hash() == definition.variants_hash() and back.to_json() == definition.to_json()
