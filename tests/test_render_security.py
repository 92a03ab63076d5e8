"""Nothing a student wrote is interpreted: hostile names print literally and fetch nothing.

A local HTTP server stands in for the network; it must receive no request while documents that
name it (in <img>, <link>, CSS url()) are rendered.
"""

from __future__ import annotations

import http.server
import shutil
import threading

import pytest

from exgen.render.writer import file_stems, render_assignment
from tests.test_render import HW3, flat, make_record, pdf_text

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


@pytest.fixture
def trap_server():
    """A local HTTP server that records every request it gets."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the stdlib's name)
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def hostile_names(port: int) -> list[str]:
    base = f"http://127.0.0.1:{port}"
    return [
        f'<img src="{base}/img">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
        f"<style>@import url({base}/import.css); body {{ background: url({base}/bg.png) }}</style>",
        f'Eve <svg><image href="{base}/svg.png"/></svg> {{{{ 7*7 }}}}',
        f"</td></tr></table><script>fetch('{base}/script')</script>",
    ]


def test_hostile_names_print_literally_and_fetch_nothing(tmp_path, trap_server):
    port, requests = trap_server
    names = hostile_names(port)
    ids = [f"<b>s{i}</b>" if i % 2 else f"../s{i}" for i in range(len(names))]
    record = make_record(tmp_path, HW3, list(zip(ids, names)))
    out = tmp_path / "out"
    summary = render_assignment(record, out, combined=True)
    assert requests == []
    assert summary.refused == []  # escaped markup never even reaches the fetcher
    stems = file_stems(ids)
    for sid, name in zip(ids, names):
        for kind in ("worksheet", "key"):
            text = flat(pdf_text(out / f"{stems[sid]}-{kind}.pdf"))
            assert flat(name) in text, f"{name!r} not printed literally"
            assert sid in text
    assert "root:" not in flat(pdf_text(out / "all-keys.pdf"))  # /etc/passwd was not read


def test_the_fetcher_refuses_urls_in_markup_that_does_reach_it(tmp_path, trap_server):
    """Defence in depth: even unescaped markup (never produced by exgen) fetches nothing."""
    from exgen.render.pdf import html_to_pdf, url_fetcher

    port, requests = trap_server
    fetcher = url_fetcher()
    html = "<html><body>" + "".join(hostile_names(port)) + "<p>text</p></body></html>"
    html_to_pdf(html, str(tmp_path / "x.pdf"), fetcher)
    assert requests == []
    assert any(url.startswith(f"http://127.0.0.1:{port}/") for url in fetcher.refused)
    assert "file:///etc/passwd" in fetcher.refused


def test_refusals_are_recorded_not_logged_and_weasyprints_logger_is_left_alone(caplog):
    """The fetcher's refusals stay out of the log while a document renders; WeasyPrint's other
    messages still reach the application's log, and its level is never changed."""
    import logging

    from exgen.render.engine import Renderer
    from exgen.render.pdf import REFUSAL, html_to_pdf, url_fetcher

    logger = logging.getLogger("weasyprint")
    level, filters = logger.level, list(logger.filters)
    html = ('<p><img src="file:///etc/passwd">'
            '<img src="data:image/png;base64,bm90IGFuIGltYWdl"></p>')  # a PNG that is not one
    fetcher = url_fetcher()
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        html_to_pdf(html, fetcher=fetcher)
        renderer = Renderer()
        renderer.document(html)
    assert fetcher.refused == ["file:///etc/passwd"] and renderer.refused == ["file:///etc/passwd"]
    messages = [record.getMessage() for record in caplog.records]
    assert not [m for m in messages if REFUSAL in m]
    assert len([m for m in messages if m.startswith("Failed to load image at 'data:")]) == 2
    assert logger.level == level and logger.filters == filters
