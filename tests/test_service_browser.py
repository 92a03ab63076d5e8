"""The pages in a real browser (Playwright driving Debian's chromium): a student opens their
link, types every answer with the keyboard, submits and reads the verdicts; the page works
without JavaScript; a teacher signs in to the dashboard. No console errors, no CSP violations.

``pytest --update-golden`` also writes the README's screenshots (docs/screenshots/) at desktop
and phone width."""

from __future__ import annotations

import pytest

from browser_helpers import DESKTOP, PHONE, needs_chromium, shoot, type_and_hand_in, watched
from service_helpers import answers, assign_hw3, links, serving, teacher_token

pytestmark = needs_chromium


@pytest.fixture
def server(tmp_path):
    url = f"sqlite:///{tmp_path / 'exgen.db'}"
    assign_hw3(url, tmp_path, "attempts = 3")
    with serving(url) as base:
        yield url, base


def test_a_student_types_submits_and_reads_the_verdicts(browser, server, request):
    url, base = server
    written, expected = answers(url, "s002", "slip")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    problems = watched(page)
    page.goto(base + links(url)["s002"])
    assert page.title().startswith("Homework 3")
    boxes = page.locator(".answer input")
    assert boxes.count() == len(written)
    assert [boxes.nth(i).get_attribute("name") for i in range(boxes.count())] == list(written)  # work order
    # every box has a label naming the quantity, as on the worksheet
    assert page.get_by_label("q2.dL/dW1[1,2]").count() == 1

    boxes.first.click()
    type_and_hand_in(page, page, written)

    assert page.locator("#notice").inner_text() == "Submitted (attempt 1)."
    verdicts = {}
    for i in range(boxes.count()):
        box = page.locator(".answer").nth(i)
        name = box.locator("input").get_attribute("name")
        status = (box.get_attribute("class") or "").replace("with-step", "").split()[1]
        verdicts[name] = status
        assert box.locator("input").input_value() == written[name]  # what was typed stays
        if status != "correct":
            assert box.locator(".step").count() == 1  # the worked step, under "instant"
    assert verdicts == expected
    assert "Attempts: 1 of 3 used, 2 left." in page.locator(".attempts").inner_text()
    page.locator(".answer.incorrect").first.scroll_into_view_if_needed()
    shoot(page, "student-desktop", request, height=1500)
    phone = browser.new_context(viewport=PHONE, device_scale_factor=1.5, is_mobile=True, has_touch=True)
    small = phone.new_page()
    problems += watched(small)
    small.goto(base + links(url)["s002"])
    assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing runs off the side
    shoot(small, "student-phone", request, height=2600)
    phone.close()
    context.close()
    assert problems == []


def test_the_page_works_without_javascript(browser, server):
    url, base = server
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto(base + links(url)["s003"])
    first = page.locator(".answer input").first
    first.fill("0.5")
    first.press("Enter")  # must not hand in half-finished work
    page.wait_for_timeout(300)
    assert page.locator("#notice").count() == 0
    with page.expect_navigation():
        page.locator("button.submit").click()
    assert page.locator("#notice").inner_text() == "Submitted (attempt 1)."
    assert page.locator(".answer").first.get_attribute("class").split()[1] in ("incorrect", "correct")
    context.close()


def test_a_teacher_signs_in_to_the_dashboard(browser, server, request):
    url, base = server
    token = teacher_token(url)
    written, _ = answers(url, "s001")
    import httpx

    assert httpx.post(f"{base}/api{links(url)['s001']}/submissions", json={"answers": written}).status_code == 201
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    problems = watched(page)
    page.goto(base + "/dashboard")
    page.get_by_label("Teacher token").click()
    page.keyboard.type(token)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "signed in as" in page.content(), page.content()[:3000]
    cookie = next(c for c in context.cookies() if c["name"] == "exgen_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and token not in cookie["value"]
    with page.expect_navigation():
        page.get_by_role("link", name="hw3").click()
    row = page.locator("table.results tbody tr").first
    assert "s001" in row.inner_text() and "14.00" in row.inner_text()
    assert page.get_by_role("link", name="Item analysis report (PDF)").count() == 1
    assert page.locator("table.shares tbody tr").count() == 42
    shoot(page, "dashboard-desktop", request, height=1300)
    # the class rendered as a job: its page refreshes itself until the download is there
    with page.expect_navigation():
        page.get_by_role("button", name="Render the class").click()
    assert "/dashboard/jobs/" in page.url
    page.locator("a.download").wait_for(timeout=180_000)
    assert page.locator(".job-state").inner_text().startswith("Done. 5 students: 12 PDF files")
    shoot(page, "dashboard-job", request, height=400)
    href = page.get_by_role("link", name="Download").get_attribute("href")
    zipped = page.request.get(base + href)  # with the browser's signed-in cookie
    assert zipped.ok and zipped.headers["content-type"] == "application/zip" and zipped.body()[:2] == b"PK"
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    assert page.get_by_label("Teacher token").count() == 1
    context.close()
    assert problems == []
