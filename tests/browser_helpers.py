"""What the browser tests share: Debian's chromium (the ``browser`` fixture in conftest.py
launches it through Playwright), the window sizes, a watch on a page's console and requests,
and screenshots (``pytest --update-golden`` writes them to docs/screenshots/, else to $TMPDIR)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")


def watched(page) -> list[str]:
    """Console errors (a CSP violation is one) and failed requests of a page."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    return problems


def shoot(page, name, request, height=None):
    path = Path(request.config.rootpath) / "docs" / "screenshots" / f"{name}.png"
    target = path if request.config.getoption("--update-golden") else Path(os.environ.get("TMPDIR", "/tmp")) / f"exgen-{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    clip = {"x": 0, "y": 0, "width": width, "height": height} if height else None
    page.screenshot(path=str(target), full_page=True, clip=clip)
    return target


def type_and_hand_in(page, document, written: dict) -> None:
    """Type each answer of ``written`` (item -> text, in work order) with the keyboard into
    ``document`` (the page, or a frame of it), Enter moving on to the next box, then hand in
    with Enter on the button; returns once the answer page has loaded."""
    for item, text in written.items():
        assert document.evaluate("document.activeElement.name") == item
        page.keyboard.type(text)
        page.keyboard.press("Enter")  # the script moves on to the next box; nothing is submitted
    assert document.evaluate("document.activeElement.className") == "submit"
    with document.expect_navigation():
        page.keyboard.press("Enter")  # on the button: hand in
