"""exgen inside a learning platform's page, in a real browser (Playwright driving Debian's
chromium), as Canvas and Moodle show it: the LMS's course page (the test platform of
``lti_platform``, on http://localhost) holds an iframe, and the launch runs in it against a real
``exgen serve`` on http://127.0.0.1 — another *site*, so the browser treats the tool as a
third party, withholding the cookies it would set there.

- a learner's launch lands in the frame on their own page; they type their answers with the
  keyboard, submit and read the verdicts, all inside the frame, with no cookie of exgen's; the
  result is stored and the kept score reaches the platform's gradebook;
- an instructor's launch in the frame opens the dashboard in a tab of its own, signed in; their
  deep-linking launch there picks the assignment and sends it back to the platform;
- the same LMS page gets nothing of the dashboard in its frame (the browser refuses it).

``pytest --update-golden`` also writes docs/screenshots/lms-iframe-desktop.png."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from browser_helpers import DESKTOP, needs_chromium, shoot, type_and_hand_in, watched
from cli_runner import run
from lti_platform import INSTRUCTOR, LEARNER, Link, Member, Platform, wait_for
from service_helpers import answers, assign_hw3, cli_json, links, serving

pytestmark = needs_chromium

ALAN = Member("s002", "Alan Turing", [LEARNER])  # the LMS user id is the roster id
TEACHER = Member("lms-teacher", "Tess Teacher", [INSTRUCTOR])
HW3 = Link("c1", custom={"assignment": "hw3"})


@pytest.fixture(scope="module")
def lms(tmp_path_factory):
    """(database URL, exgen serve's base URL, the platform) with hw3 assigned and the platform
    registered; the LMS is another site than the tool. One for the module (the tests touch
    different things: s002's work, the instructor's session, course c2's links)."""
    folder = tmp_path_factory.mktemp("lms")
    url = f"sqlite:///{folder / 'exgen.db'}"
    assign_hw3(url, folder, "attempts = 3")
    platform = Platform()
    platform.course("c1", "Neural Networks 101", [ALAN, TEACHER])
    platform.course("c2", "Neural Networks 102", [TEACHER])
    with serving(url) as tool, platform.start(tool, host="localhost"):
        run(url, *platform.register_args())
        assert urlsplit(platform.base).hostname == "localhost" and urlsplit(tool).hostname == "127.0.0.1"
        yield url, tool, platform


def launched_in_frame(browser, platform, user, link):
    """A new browser context on the LMS's course page with ``user``'s launch of ``link`` in its
    iframe: (context, page, the frame's locator, the page's problems as they come)."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    problems = watched(page)
    page.goto(platform.framed_launch(user, link))
    return context, page, page.frame_locator("iframe[name=tool]"), problems


def exgen_cookies(context, tool) -> list[dict]:
    return [c for c in context.cookies() if c["domain"] == urlsplit(tool).hostname]


def test_a_learner_launched_in_the_lms_page_works_inside_its_iframe(browser, lms, request):
    url, tool, platform = lms
    written, expected = answers(url, "s002", "slip")
    context, page, framed, problems = launched_in_frame(browser, platform, ALAN, HW3)
    course_page = page.url
    boxes = framed.locator(".answer input")
    boxes.first.wait_for()
    # login → the platform's sign-in → the launch → the learner's own page, all in the frame
    frame = page.frame(name="tool")
    assert frame.url == tool + links(url)["s002"]
    assert page.url == course_page
    assert boxes.count() == len(written)

    boxes.first.click()
    type_and_hand_in(page, frame, written)  # a form post inside the frame

    assert framed.locator("#notice").inner_text() == "Submitted (attempt 1)."
    verdicts = {}
    for i in range(boxes.count()):
        box = framed.locator(".answer").nth(i)
        name = box.locator("input").get_attribute("name")
        verdicts[name] = (box.get_attribute("class") or "").replace("with-step", "").split()[1]
        assert box.locator("input").input_value() == written[name]  # what was typed stays
    assert verdicts == expected
    assert page.url == course_page  # the LMS page stayed around the frame throughout
    shoot(page, "lms-iframe-desktop", request)  # the frame at its top: the notice and the first verdicts

    # stored, as exgen results reads it, and the kept score sent on to the LMS's gradebook
    stored = cli_json(url, "results", "hw3", "--json")["students"]["s002"]
    assert {item: cell["status"] for item, cell in stored["items"].items() if item in written} == expected
    (number,) = platform.courses["c1"].line_items
    score = wait_for(lambda: platform.results.get(("c1", number, ALAN.user_id)))
    assert score["scoreGiven"] == pytest.approx(stored["score"]) and score["scoreMaximum"] == stored["max_score"]
    # none of it needed a cookie: the browser holds none of exgen's (the launch's state cookie,
    # SameSite=Lax over http, is refused inside another site's frame, as browsers that block
    # third-party cookies refuse every one)
    assert exgen_cookies(context, tool) == []
    context.close()
    assert problems == []


def test_an_instructor_launched_in_the_iframe_opens_the_dashboard_in_a_tab_signed_in(browser, lms):
    url, tool, platform = lms
    context, page, framed, problems = launched_in_frame(browser, platform, TEACHER, HW3)
    opener = framed.get_by_role("link", name="Open the dashboard")
    opener.wait_for()
    with context.expect_page() as opened:
        opener.click()
    tab = opened.value
    problems += watched(tab)
    tab.wait_for_load_state()
    # a top-level page of exgen's own: its SameSite=Strict session cookie is set and sent
    assert tab.url == tool + "/dashboard/a/hw3"
    who = tab.locator(".who").inner_text()
    assert who.startswith("signed in as") and who.endswith("Tess Teacher")
    assert [c["name"] for c in exgen_cookies(context, tool)] == ["exgen_session"]
    context.close()
    assert problems == []


def test_an_instructor_picks_the_assignment_inside_the_iframe_and_it_goes_back_to_the_platform(browser, lms):
    """Deep linking in the frame: the picker's form posts to exgen, whose answer (a signed
    message) is sent on at once to the platform's return URL — a form that leaves exgen's site,
    allowed by the answer's own form-action."""
    url, tool, platform = lms
    context, page, framed, problems = launched_in_frame(browser, platform, TEACHER, Link("c2", deep_linking=True))
    chosen = framed.locator("tr", has=framed.locator("code", has_text="hw3")).get_by_role("button")
    chosen.click()
    page.frame(name="tool").wait_for_url(platform.url("/courses/c2/deep-link-return"))
    (items,) = platform.deep_links
    assert [(i["type"], i["custom"]) for i in items] == [("ltiResourceLink", {"assignment": "hw3"})]
    assert list(platform.courses["c2"].links) == ["dl-1"]  # the platform made the link
    context.close()
    assert problems == []


def test_the_lms_page_cannot_frame_the_dashboard(browser, lms):
    url, tool, platform = lms
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    messages, answered = [], []
    page.on("console", lambda m: messages.append(m.text))
    page.on("response", lambda r: answered.append(r.status) if r.url == tool + "/dashboard" else None)
    # the same kind of page shows a student's page (the harness can frame exgen at all) ...
    page.goto(platform.page("Neural Networks 101", tool + links(url)["s001"]))
    page.frame_locator("iframe[name=tool]").locator(".answer input").first.wait_for()
    # ... and shows nothing of the dashboard, though exgen answered it
    page.goto(platform.page("Neural Networks 101", tool + "/dashboard"), wait_until="load")
    assert answered == [200]
    frame = page.frame(name="tool")
    assert frame.url != tool + "/dashboard"  # the browser's error page took the dashboard's place
    assert page.frame_locator("iframe[name=tool]").get_by_label("Teacher token").count() == 0
    # the browser says why: exgen's frame-ancestors 'none' (or X-Frame-Options: DENY, its older form)
    assert any("frame-ancestors 'none'" in m or "X-Frame-Options" in m for m in messages), messages
    context.close()
