"""Worksheets and answer keys as PDF: what each document says, checked against the engine.

Expected numbers come from the solution (``SolutionDisplay.rounded`` of the exact values), never
from literals; the PDF text is read back with pdftotext, as a reader would copy it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from exgen.variants.assignment import parse_assignment
from exgen.storage.session import dispose_all, session_scope
from exgen.notation.display import SolutionDisplay
from exgen.engine.numbers import exact_string
from exgen.storage.records import assign, load_assignment
from exgen.render.documents import student_document
from exgen.render.math import INLINE
from exgen.render.writer import file_stems, render_assignment, safe_stem
from exgen.variants.roster import RosterEntry

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def pdf_text(path) -> str:
    """The PDF's text as pdftotext reads it, with Unicode minus written as '-'."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return out.replace("−", "-")


def flat(text: str) -> str:
    return " ".join(text.split())


_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")


def numbers_in(text: str) -> set[str]:
    return set(_NUMBER.findall(text))


def make_record(tmp_path, definition_text: str, roster: list[tuple[str, str]]):
    url = f"sqlite:///{tmp_path / 'exgen.db'}"
    definition = parse_assignment(definition_text)
    with session_scope(url) as session:
        assign(session, definition, [RosterEntry(sid, name) for sid, name in roster])
        record = load_assignment(session, definition.name)
    dispose_all()
    return record


HW3 = (EXAMPLES / "hw3.toml").read_text(encoding="utf-8")
ROSTER = [("s001", "Ada Lovelace"), ("s002", "Alan Turing"), ("s003", "Grace Hopper")]


@pytest.fixture(scope="module")
def hw3(tmp_path_factory):
    """hw3 for three students, rendered once with --combined."""
    tmp = tmp_path_factory.mktemp("hw3")
    record = make_record(tmp, HW3, ROSTER)
    out = tmp / "out"
    summary = render_assignment(record, out, combined=True)
    return record, out, summary


def asked_numbers(variant) -> list[tuple[str, str]]:
    """(item, rounded text) of every asked item, as the key shows it."""
    solution = variant.solution
    display = SolutionDisplay(solution, INLINE)
    asked = set(variant.asked)
    return [(item, display.rounded(key).text) for item, key in solution.items() if item in asked]


def given_numbers(variant) -> set[str]:
    values = variant.spec.given_values()
    return {exact_string(v) for v in values.values()}


def test_one_worksheet_and_one_key_per_student(hw3):
    record, out, summary = hw3
    assert summary.students == len(ROSTER)
    assert summary.refused == []
    for sid, _ in ROSTER:
        assert (out / f"{sid}-worksheet.pdf").is_file()
        assert (out / f"{sid}-key.pdf").is_file()
    assert (out / "all-worksheets.pdf").is_file() and (out / "all-keys.pdf").is_file()


def test_documents_name_the_student_and_the_variant(hw3):
    record, out, _ = hw3
    for sid, name in ROSTER:
        for kind in ("worksheet", "key"):
            text = flat(pdf_text(out / f"{sid}-{kind}.pdf"))
            assert name in text and sid in text
            assert record.title in text and record.course.upper() in text.upper()
            for exercise in record.exercises:
                assert record.variant(sid, exercise["key"]).code in text


def test_worksheet_states_given_values_and_rounding_rule(hw3):
    record, out, _ = hw3
    for sid, _ in ROSTER:
        text = pdf_text(out / f"{sid}-worksheet.pdf")
        numbers = numbers_in(text)
        for exercise in record.exercises:
            variant = record.variant(sid, exercise["key"])
            assert given_numbers(variant) <= numbers, variant.spec_doc
        assert "4 significant figures" in flat(text) and "6 decimal places" in flat(text)


def test_worksheet_has_a_labelled_box_per_asked_item_in_work_order(hw3):
    record, out, _ = hw3
    text = flat(pdf_text(out / "s001-worksheet.pdf"))
    student = record.students[0]
    document = student_document(record, student, "worksheet")
    for exercise, view in zip(record.exercises, document.exercises):
        variant = record.variant("s001", exercise["key"])
        boxes = [box.item for stage in view.stages for box in stage.boxes]
        assert boxes == [f"{variant.exercise}.{item}" for item in variant.asked]  # work order
        for label in boxes:
            assert label in text


def test_worksheet_holds_no_answer(hw3):
    record, out, _ = hw3
    for sid, _ in ROSTER:
        numbers = numbers_in(pdf_text(out / f"{sid}-worksheet.pdf"))
        variants = [record.variant(sid, exercise["key"]) for exercise in record.exercises]
        # numbers a worksheet prints anyway: every given value, small integers (indices, points)
        allowed = set().union(*map(given_numbers, variants)) | {str(n) for n in range(-20, 21)}
        for variant in variants:
            for item, shown in asked_numbers(variant):
                for text in {shown, variant.exact[item]}:
                    assert text in allowed or text not in numbers, f"{sid} {item} = {text} leaks"


def test_key_holds_every_answer_and_substitution(hw3):
    record, out, _ = hw3
    for sid, _ in ROSTER:
        text = pdf_text(out / f"{sid}-key.pdf")
        numbers = numbers_in(text)
        for exercise in record.exercises:
            variant = record.variant(sid, exercise["key"])
            for item, shown in asked_numbers(variant):
                assert shown in numbers, f"{sid} {item}: {shown} not in the key"
                assert f"{variant.exercise}.{item}" in text
            assert given_numbers(variant) <= numbers


def test_combined_files_have_every_page_and_each_student_starts_a_page(hw3):
    record, out, _ = hw3
    for kind, combined in (("worksheet", "all-worksheets.pdf"), ("key", "all-keys.pdf")):
        singles = [len(PdfReader(out / f"{sid}-{kind}.pdf").pages) for sid, _ in ROSTER]
        pages = PdfReader(out / combined).pages
        assert len(pages) == sum(singles)
        first = 0
        for (sid, name), count in zip(ROSTER, singles):
            assert name in pages[first].extract_text()
            first += count


def test_letter_paper(tmp_path):
    record = make_record(tmp_path, HW3, ROSTER[:1])
    render_assignment(record, tmp_path / "a4")
    render_assignment(record, tmp_path / "letter", paper="letter")
    a4 = PdfReader(tmp_path / "a4" / "s001-worksheet.pdf").pages[0].mediabox
    letter = PdfReader(tmp_path / "letter" / "s001-key.pdf").pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)


def test_fonts_are_embedded(hw3):
    _, out, _ = hw3
    listing = subprocess.run(["pdffonts", str(out / "s001-key.pdf")], check=True, capture_output=True,
                             text=True).stdout.splitlines()[2:]
    assert listing
    for line in listing:
        assert line.split()[-5] == "yes", line  # the "emb" column


def test_instructions_follow_the_assignment(tmp_path):
    text = HW3.replace("significant_figures = 4", "significant_figures = 3").replace(
        "parameter_decimals = 6", "parameter_decimals = 5")
    record = make_record(tmp_path, text, ROSTER[:1])
    render_assignment(record, tmp_path / "out")
    sheet = flat(pdf_text(tmp_path / "out" / "s001-worksheet.pdf"))
    assert "3 significant figures" in sheet and "5 decimal places" in sheet


# -- file names ------------------------------------------------------------------------------
def test_safe_ids_are_kept_and_others_sanitised():
    assert safe_stem("s001") == "s001"
    assert safe_stem("A-12_b.c") == "A-12_b.c"
    for unsafe in ("../../etc/passwd", "a/b", "a\\b", "..", "", "nul", "CON", "x" * 300, "名前", " s1"):
        stem = safe_stem(unsafe)
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", stem), (unsafe, stem)
        assert "/" not in stem and ".." not in stem and len(stem) <= 80
        assert stem.lower() not in ("nul", "con")


def test_ids_that_sanitise_alike_get_distinct_files():
    ids = ["a/b", "a_b", "a:b", "S1", "s1", "a_b-" + safe_stem("a/b").rsplit("-", 1)[1]]
    stems = file_stems(ids)
    assert len({s.lower() for s in stems.values()}) == len(ids)
    assert stems["a_b"] == "a_b" and stems["S1"] == "S1"
    # a stem does not depend on who else is on the roster
    assert file_stems(["a/b"])["a/b"] == stems["a/b"]


def test_unsafe_ids_never_become_paths(tmp_path):
    roster = [("../escape", "Eve One"), ("a/b", "Eve Two"), ("a_b", "Eve Three")]
    record = make_record(tmp_path, HW3, roster)
    out = tmp_path / "deep" / "out"
    summary = render_assignment(record, out)
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 6 and all(p.parent == out for p in summary.files)
    assert not (tmp_path / "deep" / "escape-worksheet.pdf").exists()
    for sid, name in roster:
        stem = file_stems([s for s, _ in roster])[sid]
        assert name in pdf_text(out / f"{stem}-key.pdf")


def test_a_documents_html_keeps_no_solution_of_its_student(tmp_path):
    """A process rendering a class would otherwise hold every student's solution to the end:
    each document's HTML drops them, and the next document solves again, to the same text."""
    from exgen.render.engine import document_html

    record = make_record(tmp_path, HW3, ROSTER[:2])
    ada = record.students[0]
    first = document_html(record, ada, "key")
    assert all("solution" not in vars(v) and "spec" not in vars(v) for v in record.variants)
    assert document_html(record, ada, "key") == first
    assert all(v.solution.graph is not None for v in record.variants)  # solved again when asked
