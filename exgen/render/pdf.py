"""HTML to PDF with WeasyPrint, fetching nothing from the network or the file system.

Documents carry everything inline (CSS in <style>, SVG inline or as data: URLs); the URL
fetcher serves data: URLs and files inside the packaged templates directory, and refuses
everything else, so no text in a document — a student's name included — can make the renderer
read a file or call a URL.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from urllib.parse import unquote, urlparse

from exgen.templating import templates_dir


#: What a refusal says (WeasyPrint logs it with the URL, as "Failed to load image at ...").
REFUSAL = "exgen fetches nothing from outside its package"


class RefusedFetch(ValueError):
    pass


class _DropRefusals(logging.Filter):
    """Drops WeasyPrint's log records about a resource the fetcher refused (the fetcher keeps
    the list, and the caller reports it); every other record passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return REFUSAL not in record.getMessage()


@contextmanager
def refusals_unlogged():
    """While WeasyPrint lays out or writes a document under this context, it does not log the
    resources our fetcher refused. WeasyPrint's logger is otherwise left as the application
    configured it: its level, and its other messages, are not touched."""
    logger, drop = logging.getLogger("weasyprint"), _DropRefusals()
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class PackagedOnlyFetcher(URLFetcher):
        """data: URLs and packaged assets only; everything else is refused (and recorded)."""

        def __init__(self):
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
            self.refused: list[str] = []
            self.root = os.path.realpath(templates_dir())

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = os.path.realpath(unquote(urlparse(url).path))
                if path.startswith(self.root + os.sep) and os.path.isfile(path):
                    with open(path, "rb") as handle:
                        return URLFetcherResponse(url, handle.read())
            self.refused.append(url)
            raise RefusedFetch(f"{REFUSAL}: {url}")

    return PackagedOnlyFetcher


def url_fetcher():
    return _fetcher_class()()


def html_to_pdf(html: str, target=None, fetcher=None, stylesheets=None) -> bytes | None:
    """Render an HTML string to PDF (bytes, or written to ``target``)."""
    from weasyprint import HTML

    fetcher = fetcher or url_fetcher()
    with refusals_unlogged():
        document = HTML(string=html, base_url=None, url_fetcher=fetcher)
        return document.write_pdf(target, stylesheets=stylesheets)
