"""How documents are rendered: the lean user-agent stylesheet changes speed, not pages; worker
processes give the same files as one process, in roster order, with progress and every
refused URL reported."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import exgen.render.engine as engine
from exgen.render.engine import UA_ELEMENTS, Renderer, document_html, document_stylesheet
from exgen.paper.tickets import WorksheetIdentity
from exgen.render.writer import COMBINED, file_stems, render_assignment
from tests.test_render import HW3, ROSTER, make_record, pdf_text

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    return make_record(tmp_path_factory.mktemp("engine"), HW3, ROSTER)


def _tags(html: str) -> set[str]:
    body = html.split("<body>", 1)[1]
    return {t.lower() for t in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", body)}


IDENTITY = WorksheetIdentity("hw3/s001/AAAAAA-BBBBBB/" + "T" * 22)


def test_documents_use_only_elements_the_lean_stylesheet_styles(record):
    for kind, identity in (("worksheet", None), ("worksheet", IDENTITY), ("key", None)):
        html = document_html(record, record.students[0], kind, identity=identity)
        assert _tags(html) <= UA_ELEMENTS, _tags(html) - UA_ELEMENTS


def test_weasyprint_takes_the_lean_stylesheet(monkeypatch):
    """The hook is undocumented: if WeasyPrint stops calling it, this fails (rendering would
    still be right, only slower)."""
    calls = []
    lean = engine._lean_html_class()
    original = lean._ua_stylesheets
    monkeypatch.setattr(lean, "_ua_stylesheets", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    Renderer().document("<p>x</p>")
    assert calls


def _pngs(pdf: bytes, tmp_path, name: str) -> list[bytes]:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / name)], check=True)
    return [p.read_bytes() for p in sorted(tmp_path.glob(f"{name}-*.png"))]


@pytest.mark.parametrize("kind", ["worksheet", "fillable", "key"])
def test_the_lean_stylesheet_lays_out_the_same_pages_as_weasyprints_own(record, kind, tmp_path):
    from weasyprint import HTML

    renderer = Renderer()
    if kind == "fillable":  # the worksheet with its QR code and the elements its fields cover
        html = document_html(record, record.students[1], "worksheet", identity=IDENTITY)
    else:
        html = document_html(record, record.students[1], kind)
    lean = renderer.document(html).write_pdf()
    full = HTML(string=html, url_fetcher=renderer.fetcher).render(
        font_config=renderer.font_config, stylesheets=[document_stylesheet("a4")]).write_pdf()
    assert _pngs(lean, tmp_path, "lean") == _pngs(full, tmp_path, "full")
    assert _outline(lean) == _outline(full) and len(_outline(lean)) > 3  # the headings as bookmarks


def _outline(pdf: bytes) -> list[str]:
    import io

    from pypdf import PdfReader

    def titles(items):
        for item in items:
            yield from titles(item) if isinstance(item, list) else [item.title]

    return list(titles(PdfReader(io.BytesIO(pdf)).outline))


def test_worker_processes_write_the_same_files_as_one_process(record, tmp_path):
    progress = []
    one = render_assignment(record, tmp_path / "one", combined=True, jobs=1)
    two = render_assignment(record, tmp_path / "two", combined=True, jobs=2, progress=progress.append)
    assert sum(progress) == len(record.students)
    assert [p.name for p in one.files] == [p.name for p in two.files]  # roster order, then combined
    assert one.pages == two.pages and one.students == two.students == len(ROSTER)
    for a, b in zip(one.files, two.files):
        assert a.read_bytes() == b.read_bytes(), a.name
    stems = file_stems([sid for sid, _ in ROSTER])
    assert [p.name for p in two.files[:2]] == [f"{stems[ROSTER[0][0]]}-worksheet.pdf", f"{stems[ROSTER[0][0]]}-key.pdf"]
    assert [p.name for p in two.files[-2:]] == [COMBINED["worksheet"], COMBINED["key"]]


def test_a_url_refused_in_a_worker_is_reported(record, tmp_path, monkeypatch):
    """Defence in depth across processes: workers report what their fetcher refused."""
    real = engine.document_html

    def with_image(record, student, kind, paper="a4", identity=None):
        return real(record, student, kind, paper, identity).replace(
            "<body>", f'<body><img src="http://127.0.0.1:9/{student["student_id"]}-{kind}.png">')

    monkeypatch.setattr(engine, "document_html", with_image)
    summary = render_assignment(record, tmp_path / "out", jobs=2)
    assert sorted(summary.refused) == sorted(f"http://127.0.0.1:9/{sid}-{kind}.png" for sid, _ in ROSTER for kind in ("worksheet", "key"))


def test_students_without_variants_count_in_the_progress(tmp_path):
    record = make_record(tmp_path, HW3, ROSTER)
    record.variants = [v for v in record.variants if v.student_id != ROSTER[1][0]]
    progress = []
    summary = render_assignment(record, tmp_path / "out", jobs=2, progress=progress.append)
    assert sum(progress) == len(ROSTER) and summary.students == len(ROSTER) - 1
    assert not (tmp_path / "out" / f"{ROSTER[1][0]}-key.pdf").exists()
    assert ROSTER[2][1] in pdf_text(tmp_path / "out" / f"{ROSTER[2][0]}-key.pdf")


def test_workers_keep_the_collector_tuned_for_their_whole_life(record, tmp_path, monkeypatch):
    """A forked worker freezes what it inherited and collects less often, for every student it
    renders (the collector walking the parent's pages made documents 3x slower)."""
    import gc

    import exgen.render.writer as writer

    def report_gc(job, renderer, index, kind):
        state = f"threshold {gc.get_threshold()[0]}, frozen {gc.get_freeze_count() > 0}"
        return writer._Done(tmp_path / kind, 0, [state])

    monkeypatch.setattr(writer, "_render_document", report_gc)
    before = gc.get_threshold()
    summary = render_assignment(record, tmp_path / "out", jobs=2)
    assert summary.refused == [f"threshold {engine.GC_THRESHOLD}, frozen True"] * (2 * len(ROSTER))
    assert gc.get_threshold() == before  # the parent is left as it was


def test_an_error_in_a_worker_stops_the_run_with_that_error(record, tmp_path, monkeypatch):
    import exgen.render.writer as writer

    def disk_full(job, renderer, index, kind):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "_render_document", disk_full)
    with pytest.raises(OSError, match="No space left"):  # exgen render turns it into exit status 2
        render_assignment(record, tmp_path / "out", jobs=2)


def test_fillable_worksheets_print_as_before(record, tmp_path):
    """Fields and QR code change no page break: the same pages as a plain worksheet, and the
    combined file for printing holds every page and no form (every student's fields share
    names)."""
    from pypdf import PdfReader

    identities = {s["student_id"]: WorksheetIdentity(f"hw3/{s['student_id']}/AAAAAA-BBBBBB/" + "T" * 22)
                  for s in record.students}
    plain = render_assignment(record, tmp_path / "plain", jobs=1)
    fillable = render_assignment(record, tmp_path / "fillable", combined=True, identities=identities, jobs=2)
    assert fillable.pages == plain.pages
    stems = file_stems([s["student_id"] for s in record.students])
    for sid, stem in stems.items():
        worksheet = PdfReader(tmp_path / "fillable" / f"{stem}-worksheet.pdf")
        assert worksheet.get_fields()["exgen:ticket"]["/V"] == identities[sid].ticket
        assert PdfReader(tmp_path / "fillable" / f"{stem}-key.pdf").get_fields() is None
        assert (tmp_path / "fillable" / f"{stem}-key.pdf").read_bytes() == (tmp_path / "plain" / f"{stem}-key.pdf").read_bytes()
    combined = PdfReader(tmp_path / "fillable" / COMBINED["worksheet"])
    assert len(combined.pages) == fillable.pages["worksheet"]
    assert combined.get_fields() is None and "/AcroForm" not in combined.trailer["/Root"]
    assert all("/Annots" not in page for page in combined.pages)
    assert ROSTER[0][1] in combined.pages[0].extract_text()


def test_one_student_is_rendered_under_the_file_name_of_a_whole_class_run(record, tmp_path):
    sid = ROSTER[1][0]
    summary = render_assignment(record, tmp_path / "one", students=[sid], jobs=1)
    stem = file_stems([s["student_id"] for s in record.students])[sid]
    assert [p.name for p in summary.files] == [f"{stem}-worksheet.pdf", f"{stem}-key.pdf"]
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == sorted(p.name for p in summary.files)


# -- the image cache: bounded, keeping what repeats ----------------------------------------------
def _png_uri(shade: int) -> str:
    """A small PNG as a data: URL (a raster image: WeasyPrint reads its data back from the
    cache when it writes the PDF)."""
    import base64
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (shade, 255 - shade, 40)).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _svg_uri(n: int) -> str:
    import base64

    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><text y="9">{n}</text></svg>'
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _count_loads(renderer) -> list:
    """The URLs the renderer's fetcher is asked for from now on, in order."""
    loaded = []
    fetch = renderer.fetcher

    def counting(url, *args, **kwargs):
        loaded.append(url)
        return fetch(url, *args, **kwargs)

    counting.refused = fetch.refused
    renderer.fetcher = counting
    return loaded


def test_the_image_cache_keeps_what_repeats_and_no_more(tmp_path):
    """60 documents, each with its own two images (as a student's diagrams) and one image all
    share (as a fixed network's diagram): the shared one is loaded once, the cache stays small,
    and every document — its raster image read back from the cache — is written whole."""
    renderer = Renderer()
    shared = _svg_uri(-1)
    loaded = _count_loads(renderer)
    sizes = []
    for n in range(60):
        own_svg, own_png = _svg_uri(n), _png_uri(n)
        html = (f'<p><img src="{shared}"> <img src="{own_svg}"> <img src="{own_png}"> '
                f'<img src="{own_png}"> document {n}</p>')
        renderer.document(html).write_pdf(tmp_path / "out.pdf")
        assert pdf_text(tmp_path / "out.pdf").count(f"document {n}") == 1
        sizes.append(len(renderer.image_cache))
    assert loaded.count(shared) == 1  # kept: it repeats
    assert loaded.count(_png_uri(7)) == 1  # twice in one document: loaded once
    assert len(loaded) == 1 + 2 * 60
    assert max(sizes) <= 2 * 2 + 1 + renderer.image_cache.keep and sizes[-1] == sizes[20]  # bounded
    assert renderer.image_cache.get(shared) is not None and _svg_uri(3) not in renderer.image_cache


def test_a_students_key_reuses_the_worksheets_images():
    """The document right after (a student's key after the worksheet) still finds the images."""
    renderer = Renderer()
    loaded = _count_loads(renderer)
    for n in range(5):
        for kind in ("worksheet", "key"):
            renderer.document(f'<p><img src="{_svg_uri(n)}"> {kind}</p>').write_pdf()
    assert sorted(loaded) == sorted(_svg_uri(n) for n in range(5))
