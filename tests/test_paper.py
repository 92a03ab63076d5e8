"""The paper round trip (design §10), on SQLite and PostgreSQL, with real PDFs: fillable worksheets
rendered by exgen, filled in by simulated students with pypdf and with pikepdf, handed in as an
LMS's zip under misleading file names, and graded exactly as the same answers on an answer
sheet; every reason a file is rejected; one transaction per run; the QR code read back."""

from __future__ import annotations

import io
import json
import random
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cli_runner import run
from exgen.cli import cli
from exgen.paper import collect
from exgen.paper.filled import MAX_PDF_BYTES
from exgen.paper.form import TICKET_FIELD, field_name
from exgen.paper.tickets import TicketKey, parse_ticket
from exgen.render.writer import file_stems
from exgen.storage.models import ItemResult, Submission
from exgen.storage.session import dispose_all, session_scope
from grading_class import results
from paper_class import LIBRARIES, answers, assign_class, fill, read_fields, record_of, write_csv

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")


def render(url, out: Path, *args) -> dict[str, bytes]:
    """Every student's blank worksheet, rendered by ``exgen render`` (student id -> bytes)."""
    run(url, "render", "hw3", "--out", str(out), *args)
    record = record_of(url)
    stems = file_stems([s["student_id"] for s in record.students])
    return {sid: (out / f"{stem}-worksheet.pdf").read_bytes() for sid, stem in stems.items()
            if (out / f"{stem}-worksheet.pdf").exists()}


def counts(url):
    with session_scope(url) as session:
        return (session.scalar(select(func.count(Submission.id))), session.scalar(select(func.count(ItemResult.id))))


def submissions(url) -> list[Submission]:
    with session_scope(url) as session:
        return session.scalars(select(Submission).order_by(Submission.id)).all()


def lms_zip(path: Path, files: dict[str, bytes]) -> Path:
    """A "download all submissions" zip: one folder per submission, names that say nothing true."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("__MACOSX/._ignored.pdf", b"resource fork")  # a Mac's, not a submission
    return path


def grade(url, *paths, code=0):
    return run(url, "grade", "hw3", *map(str, paths), code=code)


#: The tests' databases share one master key, so a class's worksheets are rendered once for
#: all of them (a ticket verifies in every database with this key, as in a department that sets
#: EXGEN_SECRET_KEY for all its exgen processes).
SHARED_KEY = "paper-tests-shared-key"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The class's blank worksheets, rendered by ``exgen render`` (on SQLite) once per module."""
    tmp = tmp_path_factory.mktemp("rendered")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXGEN_SECRET_KEY", SHARED_KEY)
        url = f"sqlite:///{tmp / 'exgen.db'}"
        assign_class(url, tmp)
        blanks = render(url, tmp / "pdfs")
        dispose_all()
    return blanks


@pytest.fixture
def klass(database_url, tmp_path, rendered, monkeypatch):
    """The class assigned in a fresh database (SQLite or PostgreSQL) and its blank worksheets."""
    monkeypatch.setenv("EXGEN_SECRET_KEY", SHARED_KEY)
    ways = assign_class(database_url, tmp_path)
    return database_url, ways, dict(rendered)


# -- the worksheet as a form -----------------------------------------------------------------------
def test_every_answer_box_is_a_named_field_and_the_ticket_is_read_only(klass, tmp_path):
    url, ways, blanks = klass
    import pikepdf

    record = record_of(url)
    with session_scope(url) as session:
        key = TicketKey.of(session)
    for sid, blank in blanks.items():
        items = [f"{e['key']}.{item}" for e in record.exercises for item in record.variant(sid, e["key"]).asked]
        fields = read_fields(blank, "pypdf")
        assert list(fields) == [TICKET_FIELD, *map(field_name, items)]  # the ticket, then work order
        assert all(value == "" for name, value in fields.items() if name != TICKET_FIELD)
        ticket = parse_ticket(fields[TICKET_FIELD])
        assert ticket.assignment == "hw3" and ticket.student_id == sid and key.verifies(ticket)
        assert ticket.codes == "-".join(record.variant(sid, e["key"]).code for e in record.exercises)
        with pikepdf.open(io.BytesIO(blank)) as pdf:
            acroform = pdf.Root.AcroForm
            assert bool(acroform.NeedAppearances) and "/Helv" in acroform.DR.Font
            widgets = [a for page in pdf.pages for a in page.get("/Annots", []) if a.get("/Subtype") == "/Widget"]
            assert len(widgets) == len(items) + 1
            for widget in widgets:
                assert "/N" in widget.AP  # every field has an appearance: readers ignoring NeedAppearances
                assert str(widget.DA).startswith("/Helv ")
                if str(widget.T) == TICKET_FIELD:
                    assert int(widget.Ff) & 1 and int(widget.F) & 2  # read-only, hidden (printed as text)
                else:
                    assert int(widget.F) & 4 and not int(widget.get("/Ff", 0)) & 1  # printed, writable
    (tmp_path / "blank.pdf").write_bytes(blanks["s001"])
    fonts = subprocess.run(["pdffonts", str(tmp_path / "blank.pdf")], capture_output=True, text=True).stdout
    helvetica = [line.split() for line in fonts.splitlines() if line.startswith("Helvetica ")]
    assert helvetica and all(cols[-5] == "no" for cols in helvetica)  # the fields' font: a reader's own
    assert len(blanks["s001"]) < 120_000  # no font embedded whole for the fields


def test_the_qr_code_holds_the_ticket_or_the_students_link(klass, tmp_path):
    """Without a base URL the QR code holds the ticket; with one, the student's private link."""
    if shutil.which("zbarimg") is None:
        pytest.skip("needs zbar-tools (zbarimg)")
    url, ways, blanks = klass

    def qr(pdf: bytes) -> str:
        path = tmp_path / "page.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", str(path),
                        str(tmp_path / "page")], check=True)
        out = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "page.png")], capture_output=True, text=True)
        return out.stdout.strip()

    assert qr(blanks["s002"]) == read_fields(blanks["s002"], "pikepdf")[TICKET_FIELD]
    linked = render(url, tmp_path / "linked", "--base-url", "https://exgen.example.edu/", "--student", "s002")
    assert list(linked) == ["s002"]
    link = qr(linked["s002"])
    assert link.startswith("https://exgen.example.edu/s/")
    from exgen.storage.links import student_for_token

    with session_scope(url) as session:
        assert student_for_token(session, link.rsplit("/", 1)[1]).student_id == "s002"


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_filled_worksheet_reads_back_in_both_libraries_and_poppler_shows_the_values(klass, tmp_path, library):
    from PIL import Image, ImageStat

    url, ways, blanks = klass
    written, _ = answers(record_of(url), {"s004": ways["s004"]})
    filled = fill(blanks["s004"], written["s004"], library)
    for reader in LIBRARIES:  # written by one library, read by both
        fields = read_fields(filled, reader)
        assert {name: fields[name] for name in written["s004"]} == written["s004"]

    # poppler draws what was typed: the field rectangles are blank before and inked after
    from pypdf import PdfReader

    pages = []
    for name, pdf in (("blank", blanks["s004"]), ("filled", filled)):
        (tmp_path / f"{name}.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "72", "-f", "1", "-l", "1", "-singlefile",
                        str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], check=True)
        pages.append(Image.open(tmp_path / f"{name}.png").convert("L"))
    page = PdfReader(io.BytesIO(filled)).pages[0]
    height = float(page.mediabox.height)
    inked = 0
    for annot in page["/Annots"]:
        widget = annot.get_object()
        if widget["/T"] == TICKET_FIELD or not written["s004"].get(widget["/T"]):
            continue
        x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
        box = (int(x1) + 1, int(height - y2) + 1, int(x2) - 1, int(height - y1) - 1)  # 72 dpi: 1 px = 1 pt
        blank, typed = (p.crop(box) for p in pages)
        assert ImageStat.Stat(blank).extrema[0][0] == 255, widget["/T"]  # nothing drawn in an empty field
        assert ImageStat.Stat(typed).extrema[0][0] < 100, widget["/T"]  # the value is drawn, in black
        inked += 1
    assert inked >= 5


# -- grading filled worksheets -------------------------------------------------------------------
@pytest.mark.parametrize("library", LIBRARIES)
def test_worksheets_in_an_lms_zip_grade_exactly_as_the_same_answers_on_an_answer_sheet(klass, tmp_path, library):
    url, ways, blanks = klass
    record = record_of(url)
    written, expected = answers(record, ways)
    # file names that lie: each student's file is named after another student
    sids = list(ways)
    liars = sids[1:] + sids[:1]
    archive = lms_zip(tmp_path / "submissions.zip", {
        f"{liar.replace('/', '_')} - Submission {n}/{liar.replace('/', '_')}-worksheet.pdf": fill(blanks[sid], written[sid], library)
        for n, (sid, liar) in enumerate(zip(sids, liars))})
    out = grade(url, archive)
    assert f"{len(ways)} students graded" in out.stdout and "0 files rejected" in out.stdout
    assert "1 system files skipped" in out.stdout
    from_pdf = results(url)["students"]
    for (sid, item), (status, misconception) in expected.items():
        verdict = from_pdf[sid]["items"][item]
        assert (verdict["status"], verdict["misconception"] if misconception else "") == (status, misconception)
    stored = [s for s in submissions(url) if s.source == "pdf"]
    assert len(stored) == len(ways) and all(s.status == "graded" for s in stored)
    for s in stored:
        assert json.loads(s.raw)[TICKET_FIELD].startswith(f"hw3/{s.student_ref}/")  # raw: the fields as read
        assert s.source_name.startswith(str(archive) + ":")

    # the same answers on an answer sheet: the same verdicts, scores and texts, item by item
    grade(url, write_csv(tmp_path / "answers.csv", record, written))
    from_csv = results(url)["students"]
    assert from_csv == from_pdf
    assert [s.source for s in submissions(url) if s.current] == ["csv"] * len(ways)


def test_grading_the_same_zip_twice_changes_nothing(klass, tmp_path):
    url, ways, blanks = klass
    written, _ = answers(record_of(url), ways)
    archive = lms_zip(tmp_path / "all.zip", {f"{n}.pdf": fill(blanks[sid], written[sid], "pypdf")
                                             for n, sid in enumerate(ways)})
    grade(url, archive)
    before, stored = results(url), counts(url)
    out = grade(url, archive)
    assert "were graded before; nothing changed" in out.stdout
    assert (results(url), counts(url)) == (before, stored)


def test_csvs_folders_and_zips_mixed_in_one_run(klass, tmp_path):
    url, ways, blanks = klass
    record = record_of(url)
    written, _ = answers(record, ways)
    sids = list(ways)
    folder = tmp_path / "folder" / "nested"
    folder.mkdir(parents=True)
    (folder / "anything.pdf").write_bytes(fill(blanks[sids[0]], written[sids[0]], "pikepdf"))
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:  # a student who zipped their PDF
        z.writestr("mine.pdf", fill(blanks[sids[1]], written[sids[1]], "pypdf"))
    archive = lms_zip(tmp_path / "lms.zip", {"x/inner.zip": inner.getvalue(),
                                              "y/w.pdf": fill(blanks[sids[2]], written[sids[2]], "pypdf")})
    sheet = write_csv(tmp_path / "rest.csv", record, {sid: written[sid] for sid in sids[3:]})
    out = grade(url, sheet, tmp_path / "folder", archive)
    assert f"{len(ways)} students graded" in out.stdout, out.output
    assert all(entry["submitted"] for entry in results(url)["students"].values())
    assert {s.source for s in submissions(url)} == {"csv", "pdf"}


def test_a_run_is_one_transaction(klass, tmp_path, monkeypatch):
    url, ways, blanks = klass
    written, _ = answers(record_of(url), ways)
    archive = lms_zip(tmp_path / "all.zip", {f"{n}.pdf": fill(blanks[sid], written[sid], "pypdf")
                                             for n, sid in enumerate(ways)})
    import exgen.grading.files as files

    real, calls = files.read_form, []

    def crashing(data):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt  # Ctrl-C after three files were stored
        return real(data)

    monkeypatch.setattr(files, "read_form", crashing)
    result = CliRunner().invoke(cli, ["--db", url, "grade", "hw3", str(archive)])
    assert result.exit_code != 0 and len(calls) == 4
    assert counts(url) == (0, 0)
    monkeypatch.setattr(files, "read_form", real)
    grade(url, archive)
    assert counts(url)[0] == len(ways)


def test_the_ticket_decides_and_duplicates_are_reported(klass, tmp_path):
    url, ways, blanks = klass
    written, _ = answers(record_of(url), ways)
    first = fill(blanks["s001"], written["s001"], "pypdf")
    again = fill(blanks["s001"], {**written["s001"], "q1:loss": "123"}, "pikepdf")
    out = grade(url, lms_zip(tmp_path / "dup.zip", {"s002.pdf": first, "s003.pdf": again}))
    assert "2 files carry the ticket of s001" in out.stderr
    got = results(url)["students"]
    assert got["s001"]["submitted"] and not got["s002"]["submitted"] and not got["s003"]["submitted"]
    assert got["s001"]["items"]["q1.loss"]["submitted"] == "123"  # the later one counts (keep = last)


def test_a_worksheet_that_lost_its_hidden_ticket_field_is_known_by_its_printed_ticket(klass, tmp_path):
    import pikepdf

    url, ways, blanks = klass
    written, _ = answers(record_of(url), {"s001": "exact"})
    filled = io.BytesIO()
    with pikepdf.open(io.BytesIO(fill(blanks["s001"], written["s001"], "pypdf"))) as pdf:
        for page in pdf.pages:
            page.Annots = pikepdf.Array([a for a in page.Annots if str(a.get("/T")) != TICKET_FIELD])
        pdf.Root.AcroForm.Fields = pikepdf.Array([f for f in pdf.Root.AcroForm.Fields if str(f.get("/T")) != TICKET_FIELD])
        pdf.save(filled)
    assert TICKET_FIELD not in read_fields(filled.getvalue(), "pypdf")
    (tmp_path / "no-field.pdf").write_bytes(filled.getvalue())
    grade(url, tmp_path / "no-field.pdf")
    assert results(url)["students"]["s001"]["score"] == pytest.approx(14)


# -- rejections ----------------------------------------------------------------------------------
def _edit(pdf: bytes, change) -> bytes:
    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        change(doc)
        doc.save(out)
    return out.getvalue()


def _set_ticket(text):
    import pikepdf

    def change(doc):
        for field in doc.Root.AcroForm.Fields:
            if str(field.T) == TICKET_FIELD:
                field.V = pikepdf.String(text)
    return change


def test_every_reason_a_file_is_rejected_is_stored_and_reported(klass, tmp_path, monkeypatch):
    import pikepdf

    url, ways, blanks = klass
    record = record_of(url)
    written, _ = answers(record, ways)
    good = fill(blanks["s001"], written["s001"], "pypdf")
    ticket = read_fields(good, "pypdf")[TICKET_FIELD]

    # another exgen database (another key), and another assignment of this one
    other = f"sqlite:///{tmp_path / 'other.db'}"
    (tmp_path / "o").mkdir()
    monkeypatch.setenv("EXGEN_SECRET_KEY", "another department's key")
    assign_class(other, tmp_path / "o", {"s001": "exact"})
    run(other, "render", "hw3", "--out", str(tmp_path / "other"))
    monkeypatch.setenv("EXGEN_SECRET_KEY", SHARED_KEY)
    foreign = fill((tmp_path / "other" / "s001-worksheet.pdf").read_bytes(), written["s001"], "pypdf")
    assign_class(url, tmp_path, name="hw3b")  # the same exercises under another name
    run(url, "render", "hw3b", "--out", str(tmp_path / "hw3b"), "--student", "s001")
    other_assignment = fill((tmp_path / "hw3b" / "s001-worksheet.pdf").read_bytes(), written["s001"], "pikepdf")

    def no_ticket_form():  # a fillable PDF that is not an exgen worksheet
        pdf = pikepdf.new()
        pdf.add_blank_page()
        out = io.BytesIO()
        pdf.save(out)
        return fill_plain_form(out.getvalue())

    enc = io.BytesIO()
    with pikepdf.open(io.BytesIO(good)) as doc:
        doc.save(enc, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    encrypted = enc.getvalue()
    flattened = _flatten(good)

    cases = {
        "altered.pdf": (_edit(good, _set_ticket(ticket.replace("/s001/", "/s002/"))), "its ticket does not verify"),
        "forged.pdf": (_edit(good, _set_ticket("hw3/s002/AAAAAA-BBBBBB/" + "x" * 22)), "its ticket does not verify"),
        "foreign.pdf": (foreign, "its ticket does not verify"),
        "other-assignment.pdf": (other_assignment, "a worksheet of assignment 'hw3b', not 'hw3'"),
        "no-ticket.pdf": (no_ticket_form(), "no exgen:ticket field"),
        "flattened.pdf": (flattened, "has no form fields"),
        "empty.pdf": (blanks["s002"], "an empty form"),
        "encrypted.pdf": (encrypted, "encrypted (password-protected)"),
        "damaged.pdf": (b"%PDF-1.7\n" + bytes(random.Random(1).randrange(256) for _ in range(3000)), "damaged"),
        "photo.pdf": (b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\0" * 100, "not a PDF file: it looks like a JPEG image"),
        "notes.txt": (b"my answers are 0.5 and 0.25\n", "not a PDF file"),
        "nothing.pdf": (b"", "an empty file"),
    }
    folder = tmp_path / "bad"
    folder.mkdir()
    for name, (data, _) in cases.items():
        (folder / name).write_bytes(data)
    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(MAX_PDF_BYTES + 1)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.pdf", b"%PDF-1.7\n" + b"\0" * (3 * 1024 * 1024))
    too_deep = _nested_zip(good, levels=2, path=tmp_path / "deep.zip")
    huge_member = tmp_path / "huge-member.zip"
    with zipfile.ZipFile(huge_member, "w", zipfile.ZIP_STORED) as z:
        z.writestr("huge.pdf", b"%PDF-1.7\n" + random.Random(2).randbytes(MAX_PDF_BYTES))

    result = run(url, "grade", "hw3", str(folder), str(big), str(bomb), str(too_deep), str(huge_member), code=1)
    lines = [line for line in result.stderr.splitlines() if ": rejected: " in line]
    expected_lines = {str(folder / name): reason for name, (_, reason) in cases.items()}
    expected_lines[str(big)] = "over the size limit"
    expected_lines[str(bomb)] = "refused as a zip bomb"
    expected_lines[f"{too_deep}:l1.zip:l2.zip"] = "a zip inside a zip inside a zip"
    expected_lines[f"{huge_member}:huge.pdf"] = "over the size limit"
    got = dict(line.split(": rejected: ", 1) for line in lines)
    assert set(got) == set(expected_lines), result.stderr
    for name, reason in expected_lines.items():
        assert reason in got[name], (name, got[name])
    assert "0 students graded" in result.stdout and f"{len(expected_lines)} files rejected" in result.stdout

    stored = {s.source_name: s for s in submissions(url)}
    assert set(stored) == set(expected_lines)
    for name, s in stored.items():
        assert s.status == "rejected" and s.source == "pdf" and s.problem == got[name] and s.cells is None
        assert len(s.source_sha256) == 64 and s.student_pk is None
    assert stored[str(folder / "altered.pdf")].student_ref == "s002"  # who the ticket claims, for the teacher
    import hashlib

    assert stored[str(folder / "empty.pdf")].source_sha256 == hashlib.sha256(blanks["s002"]).hexdigest()

    # again: nothing new is stored, the same reasons are reported, still exit status 1
    before = counts(url)
    again = run(url, "grade", "hw3", str(folder), str(big), str(bomb), str(too_deep), str(huge_member), code=1)
    assert counts(url) == before and "were graded before; nothing changed" in again.stdout
    assert len([line for line in again.stderr.splitlines() if ": rejected: " in line]) == len(expected_lines)


def fill_plain_form(blank: bytes) -> bytes:
    """A one-page PDF with a filled text field of its own (not an exgen worksheet)."""
    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(blank)) as pdf:
        field = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Tx, T=pikepdf.String("answer"),
            V=pikepdf.String("0.5"), Rect=[10, 10, 100, 30], P=pdf.pages[0].obj))
        pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([field]))
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))
        pdf.save(out)
    return out.getvalue()


def _flatten(pdf: bytes) -> bytes:
    """What "print to PDF" leaves: the pages, without the form."""
    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        doc.flatten_annotations("all")
        if "/AcroForm" in doc.Root:
            del doc.Root.AcroForm
        doc.save(out)
    return out.getvalue()


def _nested_zip(pdf: bytes, levels: int, path: Path) -> Path:
    """``path`` holding l1.zip holding l2.zip ... holding lN.zip holding w.pdf."""
    data, name = pdf, "w.pdf"
    for level in range(levels, 0, -1):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr(name, data)
        data, name = buffer.getvalue(), f"l{level}.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(name, data)
    return path


def test_zip_limits_are_checked_before_anything_is_unpacked(tmp_path, monkeypatch):
    def archive(name, members):
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for member, data in members.items():
                z.writestr(member, data)
        return path

    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, *a, **k: opened.append(a[0]) or real_open(self, *a, **k))
    monkeypatch.setattr(collect, "MAX_MEMBERS", 3)
    cases = {  # name: (members, total limit, reason)
        "many.zip": ({f"{n}.pdf": b"%PDF-" for n in range(4)}, 10 ** 9, "a zip of 4 files (at most 3)"),
        "total.zip": ({"a.pdf": b"x" * 6000, "b.pdf": b"y" * 6000}, 10_000, "once unpacked (at most 0 GB)"),
        "ratio.zip": ({"r.pdf": b"\0" * (2 * 1024 * 1024)}, 10 ** 9, "times its size (at most 100)"),
    }
    for name, (members, total, reason) in cases.items():
        monkeypatch.setattr(collect, "MAX_TOTAL_BYTES", total)
        path = archive(name, members)
        opened.clear()  # writing the archive opened its members: only reading counts
        found = list(collect.collect(collect.plan([str(path)])))
        assert len(found) == 1 and reason in found[0].problem, found[0].problem
        assert found[0].sha256 == collect._file_sha256(str(path))
        assert opened == []  # no member was decompressed


def test_a_worksheet_printed_before_the_variants_were_replaced_is_rejected(klass, tmp_path):
    url, ways, blanks = klass
    written, _ = answers(record_of(url), {"s001": "exact"})
    old = fill(blanks["s001"], written["s001"], "pypdf")
    definition = tmp_path / "hw3.toml"
    definition.write_text(definition.read_text().replace("seed = 2026", "seed = 7"))
    run(url, "assign", str(definition), "--roster", str(tmp_path / "roster-hw3.csv"), "--force")
    (tmp_path / "old.pdf").write_bytes(old)
    out = grade(url, tmp_path / "old.pdf", code=1)
    assert "printed before the variants were replaced" in out.stderr


def test_paths_that_cannot_be_used_stop_the_run_and_store_nothing(klass, tmp_path):
    url, ways, blanks = klass
    (tmp_path / "ok.pdf").write_bytes(blanks["s001"])
    out = run(url, "grade", "hw3", str(tmp_path / "ok.pdf"), str(tmp_path / "missing.zip"), code=2)
    assert "missing.zip: no such file or folder" in out.output
    assert counts(url) == (0, 0)
    assert "no assignment named 'hw9'" in run(url, "grade", "hw9", str(tmp_path / "ok.pdf"), code=2).output
