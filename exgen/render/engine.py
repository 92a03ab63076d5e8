"""WeasyPrint as exgen drives it: one Renderer per process, with a lean user-agent stylesheet.

Why a user-agent stylesheet of our own: WeasyPrint's default one (``html5_ua.css``) styles every
HTML element there is, and six of its rules (``::marker``, ``::footnote-call``, …) match every
element as pseudo-elements; the cascade then computes seven styles per element. Profiled on an
answer key of ~1700 elements: 270 ms of a 920 ms render went to the cascade, 30 ms with the
lean sheet below. It holds the default sheet's rules for the elements our templates use, and
only those (``tests/test_render_engine.py`` checks that the documents use no other element, and
that the pages come out the same under WeasyPrint's own sheet).

The hook is ``HTML._ua_stylesheets``, a method WeasyPrint has had since its early versions but
does not document (hence pyproject.toml pins WeasyPrint below its next major version); should it
go away, documents render exactly the same, only slower (and the test that the lean sheet is
used fails, saying so).
"""

from __future__ import annotations

import gc
from collections import OrderedDict
from contextlib import contextmanager
from functools import lru_cache

#: The rules of WeasyPrint's html5_ua.css for the elements of templates/*.html (and nothing
#: that matches every element). The documents' own stylesheet overrides most of it anyway.
UA_CSS = """
html, body, div, p, h1, h2, h3 { display: block }
head, style, title, meta, script, link, base, template { display: none }
h1 { font-size: 2em; font-weight: bold; margin-top: .67em; margin-bottom: .67em }
h2 { font-size: 1.5em; font-weight: bold; margin-top: .83em; margin-bottom: .83em }
h3 { font-size: 1.17em; font-weight: bold; margin-top: 1em; margin-bottom: 1em }
h1, h2, h3 { hyphens: manual; break-after: avoid; break-inside: avoid; bookmark-label: content(text) }
h1 { bookmark-level: 1 }
h2 { bookmark-level: 2 }
h3 { bookmark-level: 3 }
p { margin-top: 1em; margin-bottom: 1em }
body { margin: 8px }
b { font-weight: bold }
sub { vertical-align: sub; font-size: smaller; line-height: normal }
sup { vertical-align: super; font-size: smaller; line-height: normal }
table { display: table; box-sizing: border-box; border-spacing: 2px; border-collapse: separate;
        text-indent: initial; border-color: gray }
tbody { display: table-row-group; vertical-align: middle; border-color: inherit }
tr { display: table-row; vertical-align: inherit; border-color: inherit }
td { display: table-cell; vertical-align: inherit; padding: 1px; border-color: gray }
img, svg { overflow: hidden }
@page {
  margin: 75px;
  @top-left { text-align: left; vertical-align: middle }
  @top-center { text-align: center; vertical-align: middle }
  @top-right { text-align: right; vertical-align: middle }
  @bottom-left { text-align: left; vertical-align: middle }
  @bottom-center { text-align: center; vertical-align: middle }
  @bottom-right { text-align: right; vertical-align: middle }
}
"""

#: The elements UA_CSS styles (what the templates may use).
UA_ELEMENTS = frozenset(
    "html head meta title style body div p h1 h2 h3 span b sub sup table tbody tr td img svg".split())


@lru_cache(maxsize=1)
def _lean_html_class():
    from weasyprint import CSS, HTML

    sheet = CSS(string=UA_CSS)

    class LeanHTML(HTML):
        """WeasyPrint's HTML with :data:`UA_CSS` as its user-agent stylesheet."""

        def _ua_stylesheets(self, *args, **kwargs):
            return [sheet]

    return LeanHTML


def document_html(record, student: dict, kind: str, paper: str = "a4", identity=None) -> str:
    """The HTML of one student's worksheet (``kind="worksheet"``) or answer key (``"key"``); a
    worksheet with an ``identity`` (``exgen.paper.tickets.WorksheetIdentity``) is fillable."""
    from exgen.render.documents import student_document
    from exgen.templating import render

    html = render(f"{kind}.html", doc=student_document(record, student, kind, paper, identity))
    # the HTML holds all the document needs; kept, the parsed specs and solutions of every
    # student a process renders would add ~25 KB a student (10,000 students: ~250 MB)
    record.forget_solutions(student["student_id"])
    return html


def prepare(record, paper: str) -> None:
    """Load and build what every document needs, before worker processes are forked, so that
    they inherit it instead of each building it again: WeasyPrint's modules (~0.4 s to
    import), the stylesheets, the compiled templates, and the step-graph displays of the
    assignment's network shapes (the first student's documents build them)."""
    _lean_html_class()
    document_stylesheet(paper)
    first = next((s for s in record.students
                  if all(record.variant(s["student_id"], e["key"]) for e in record.exercises)), None)
    if first is not None:
        for kind in ("worksheet", "key"):
            document_html(record, first, kind, paper)
    from exgen.paper.form import qr_img

    qr_img("exgen")  # imports segno


@lru_cache(maxsize=4)
def document_stylesheet(paper: str):
    """templates/document.css for one paper size, parsed once: parsing it costs more than
    styling the elements it selects (~8 ms of each document when it was inlined)."""
    from weasyprint import CSS

    from exgen.render.documents import PAPER_SIZES
    from exgen.templating import render

    return CSS(string=render("document.css", paper=PAPER_SIZES[paper]))


class ImageCache(dict):
    """WeasyPrint's image cache (``render(cache=...)``, keyed by the image's URL), bounded.

    Most of a class's images are one student's own (a network diagram with that student's
    values, as a data: URL), and every cached SVG image holds on to the layout of the document
    that loaded it: a plain dict kept ~1.6 MB per document laid out (769 MB at 400 documents).
    So an image is kept while its document is laid out and written (WeasyPrint reads raster
    images back from the cache when it writes the PDF) and through the next document (a
    student's key after the worksheet); one used again by a later document repeats across
    students (a fixed network, the same diagram for everyone) and stays among the ``keep``
    most recently used such images.

    A dict because WeasyPrint accepts nothing else (or a folder): the dict itself stays empty,
    every operation WeasyPrint uses (``in``, ``[]``, ``[] =``) is overridden.
    """

    def __init__(self, keep: int = 16):
        self.keep = keep
        self._current: dict = {}  # images made or used by the document being laid out
        self._previous: dict = {}  # the previous document's, not (yet) seen repeating
        self._repeating: OrderedDict = OrderedDict()  # used by several documents, least recent first

    def next_document(self) -> None:
        """Called before a document is laid out: the previous one is written by now."""
        for key, value in self._current.items():
            if key in self._repeating or key in self._previous:
                self._repeating[key] = value
                self._repeating.move_to_end(key)
        self._previous = {k: v for k, v in self._current.items() if k not in self._repeating}
        self._current = {}
        while len(self._repeating) > self.keep:
            self._repeating.popitem(last=False)

    def __getitem__(self, key):
        if key in self._current:
            return self._current[key]
        for older in (self._repeating, self._previous):
            if key in older:
                self._current[key] = older[key]
                return older[key]
        raise KeyError(key)

    def __setitem__(self, key, value) -> None:
        self._current[key] = value

    def __delitem__(self, key) -> None:
        found = False
        for where in (self._current, self._previous, self._repeating):
            found = where.pop(key, _MISSING) is not _MISSING or found
        if not found:
            raise KeyError(key)

    def __contains__(self, key) -> bool:
        return key in self._current or key in self._repeating or key in self._previous

    def __iter__(self):
        return iter({**self._previous, **self._repeating, **self._current})

    def __len__(self) -> int:
        return len({**self._previous, **self._repeating, **self._current})

    def get(self, key, default=None):
        return self[key] if key in self else default

    def keys(self):
        return list(iter(self))

    def values(self):
        return [self[key] for key in self]

    def items(self):
        return [(key, self[key]) for key in self]


_MISSING = object()


class Renderer:
    """Lays out student documents; shares fonts and a bounded image cache between documents,
    so that what repeats across students (fonts, a fixed network's diagram) is loaded once
    per process."""

    def __init__(self, paper: str = "a4"):
        from weasyprint.text.fonts import FontConfiguration

        from exgen.render.pdf import url_fetcher

        self.paper = paper
        self.fetcher = url_fetcher()
        self.font_config = FontConfiguration()
        self.image_cache = ImageCache()
        self.html_class = _lean_html_class()
        self.stylesheet = document_stylesheet(paper)

    def html(self, record, student: dict, kind: str, identity=None) -> str:
        return document_html(record, student, kind, self.paper, identity)

    def document(self, html: str):
        """Lay out one HTML document (a ``weasyprint.Document``); the resources the fetcher
        refuses are recorded (:attr:`refused`), not logged."""
        from exgen.render.pdf import refusals_unlogged

        self.image_cache.next_document()
        with refusals_unlogged():
            return self.html_class(string=html, base_url=None, url_fetcher=self.fetcher).render(
                font_config=self.font_config, cache=self.image_cache, stylesheets=[self.stylesheet])

    @property
    def refused(self) -> list[str]:
        return self.fetcher.refused


#: Allocations between two young-generation collections while documents are laid out.
GC_THRESHOLD = 10_000


@contextmanager
def document_gc():
    """Garbage collection tuned for laying out many documents (see :func:`tune_gc`), then
    restored."""
    threshold = tune_gc()
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def tune_gc() -> tuple[int, int, int]:
    """Tune garbage collection for laying out documents; returns the thresholds it replaced.

    WeasyPrint allocates hundreds of thousands of small objects per document; with Python's
    default thresholds the collector ran ~18 times per document and, through the full
    collections, kept walking every long-lived object (WeasyPrint's modules, the assignment,
    the caches): measured 19 ms of a 165 ms document. Freezing what exists before the first
    document and collecting less often brings that to ~2 ms; cycles are still collected. In a
    forked worker, freezing also keeps the collector off the pages it shares with its parent
    (walking them copies them: measured 0.6 s once the collector first got there).
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, threshold[1], threshold[2])
    return threshold
