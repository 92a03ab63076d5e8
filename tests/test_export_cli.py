"""``exgen export`` end to end: grades flowing from ``exgen grade`` into the gradebook CSVs,
byte-identical files on SQLite and PostgreSQL, golden exports of a small fixed assignment,
hostile names, and the errors people see."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from exgen.cli import cli
from exgen.storage.session import dispose_all
from exgen.export import FORMATS
from tests.cli_runner import run
from golden_files import GOLDEN, check_golden
from test_export import FIXED, FIXED_ROSTER, WIDE, create, load, roster_of, zip_members

EXAMPLES = Path(__file__).parents[1] / "examples"
#: What a spreadsheet runs as a formula at the start of a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export(url, name, fmt, out) -> bytes:
    result = run(url, "export", name, "--to", fmt, "--out", str(out))
    assert result.stdout.startswith(f"{name}: {fmt} export, ")
    written = result.stdout.rsplit(" -> ", 1)[1].rsplit(" (", 1)[0]  # "... -> PATH (12 KB)"
    return Path(written).read_bytes()


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


# -- errors -------------------------------------------------------------------------------------
def test_export_help_lists_every_format():
    out = CliRunner().invoke(cli, ["export", "--help"]).output
    for name in FORMATS:
        assert name in out


def test_unknown_format_assignment_or_directory_is_a_clear_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'e.db'}"
    create(url, FIXED, FIXED_ROSTER)
    out = run(url, "export", "fixed", "--to", "blackboard", "--out", str(tmp_path), code=2).output
    assert "'blackboard' is not one of 'moodle', 'qti21', 'canvas', 'canvas-grades', 'moodle-grades'" in out
    out = run(url, "export", "hw9", "--to", "moodle", "--out", str(tmp_path), code=2).output
    assert "no assignment named 'hw9' in " in out and "(known: fixed)" in out
    out = run(url, "export", "fixed", "--to", "moodle", "--out", str(tmp_path / "no" / "x.xml"), code=2).output
    assert f"the directory {tmp_path / 'no'} does not exist" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.db"]  # nothing half-written
    dispose_all()


def test_a_directory_gets_a_file_named_after_the_assignment_and_format(tmp_path):
    url = f"sqlite:///{tmp_path / 'e.db'}"
    create(url, FIXED, FIXED_ROSTER)
    for fmt, spec in FORMATS.items():
        export(url, "fixed", fmt, tmp_path)
        assert (tmp_path / f"fixed-{fmt}{spec.suffix}").stat().st_size > 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".exgen-export-")]
    dispose_all()


# -- grades flow back ------------------------------------------------------------------------------
def test_grades_from_exgen_grade_reach_both_gradebooks(database_url, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(FIXED_ROSTER + "s004,Zoë Ñúñez,zoe@example.edu,B\ns005,Points Possible,,\n",
                      encoding="utf-8")
    assignment = tmp_path / "hw3.toml"
    assignment.write_text((EXAMPLES / "hw3.toml").read_text(encoding="utf-8"), encoding="utf-8")
    run(database_url, "assign", str(assignment), "--roster", str(roster))
    sheet = tmp_path / "sheet.csv"
    run(database_url, "answer-sheet", "hw3", "--out", str(sheet))
    header, *rows = read_csv(sheet.read_bytes())
    record = load(database_url, "hw3")
    answers = {}
    for student in ("s001", "s003"):  # s001 answers everything, s003 half; s002, s004 hand nothing in
        cells = []
        for n, column in enumerate(header[1:]):
            exercise, _, item = column.partition(".")
            exact = record.variant(student, exercise).exact[item]
            cells.append(f"{float(exact):.6f}" if student == "s001" or n % 2 else "")
        answers[student] = cells
    with open(sheet, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for student, cells in answers.items():
            writer.writerow([student, *cells])
    run(database_url, "grade", "hw3", str(sheet))
    results = json.loads(run(database_url, "results", "hw3", "--json").stdout)["students"]
    assert results["s001"]["score"] == 14 and 0 < results["s003"]["score"] < 14

    canvas_rows = read_csv(export(database_url, "hw3", "canvas-grades", tmp_path / "canvas.csv"))
    assert canvas_rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                              "Homework 3 — Backpropagation"]
    assert canvas_rows[1] == ["Points Possible", "", "", "", "", "14"]
    by_sis = {row[2]: row for row in canvas_rows[2:]}
    assert list(by_sis) == ["s001", "s002", "s003", "s004", "s005"]  # one per student, roster order
    assert by_sis["s005"][0] == "Points\u00a0Possible"  # not mistaken for Canvas's points row
    assert [row[0] for row in canvas_rows].count("Points Possible") == 1
    assert by_sis["s001"] == ["]]><script>alert(1)</script>", "", "s001", "", "A", "14"]
    assert by_sis["s002"][0] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert by_sis["s002"][4] == "'-1+1" and by_sis["s002"][5] == ""  # no submission: no grade
    assert float(by_sis["s003"][5]) == pytest.approx(results["s003"]["score"], abs=5e-5)
    assert by_sis["s004"][0] == "Zoë Ñúñez"

    moodle_rows = read_csv(export(database_url, "hw3", "moodle-grades", tmp_path / "moodle.csv"))
    assert moodle_rows[0] == ["ID number", "Email address", "Full name", "Homework 3 — Backpropagation"]
    by_id = {row[0]: row for row in moodle_rows[1:]}
    assert by_id["s001"] == ["s001", "ada@example.edu", "]]><script>alert(1)</script>", "14"]
    assert by_id["s002"][1:] == ["'@evil.example", "'=HYPERLINK(\"http://evil.example\",\"click\")", ""]
    assert by_id["s003"][3] == by_sis["s003"][5]
    assert by_id["s004"][2] == "Zoë Ñúñez"
    # numeric cells are never defused, even a negative one; text cells always are
    for row in canvas_rows[2:] + moodle_rows[1:]:
        assert not row[-1].startswith("'")
        assert all(not cell.startswith(FORMULA_STARTS) for cell in row[:-1])


def test_sqlite_and_postgresql_export_the_same_bytes(tmp_path, fresh_postgres_url):
    urls = [f"sqlite:///{tmp_path / 'e.db'}", fresh_postgres_url]
    for url in urls:
        create(url, WIDE, roster_of(4))
    for fmt in ("moodle", "qti21", "canvas", "canvas-grades", "moodle-grades"):
        first, second = (export(url, "wide", fmt, tmp_path / f"{n}-{fmt}") for n, url in enumerate(urls))
        assert first == second, fmt
    dispose_all()


# -- golden exports of a fixed assignment -------------------------------------------------------
def golden(request, name: str, data: bytes) -> None:
    (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
    text = data.decode("utf-8")
    if name.endswith(".csv"):  # RFC 4180 line ends; golden files are read with universal newlines
        assert text.count("\r\n") == text.count("\n")
        text = text.replace("\r\n", "\n")
    if name.endswith(".xml") and text.count("\n") <= 2:  # unindented XML: indent to review it
        root = etree.fromstring(data)
        etree.indent(root)
        text = etree.tostring(root, encoding="unicode") + "\n"
    check_golden(request, name, text)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_golden_exports_of_a_fixed_assignment(request, tmp_path, fmt):
    url = f"sqlite:///{tmp_path / 'e.db'}"
    create(url, FIXED, FIXED_ROSTER)
    if FORMATS[fmt].kind == "grades":
        _store_results(url)
    data = export(url, "fixed", fmt, tmp_path / "out")
    if FORMATS[fmt].suffix == ".zip":
        directory = GOLDEN / "export" / fmt
        if request.config.getoption("--update-golden"):
            shutil.rmtree(directory, ignore_errors=True)  # member names are content hashes
        files = zip_members(data)
        names = {"files.txt": "".join(f"{n}\n" for n in files).encode()}
        names.update((name.replace("/", "--"), content) for name, content in files.items())
        for name, content in names.items():
            golden(request, f"export/{fmt}/{name}", content)
        assert sorted(p.name for p in directory.iterdir()) == sorted(names)  # none missing or stale
    else:
        golden(request, f"export/fixed-{fmt}{FORMATS[fmt].suffix}", data)
    dispose_all()


def _store_results(url: str) -> None:
    """Stored submissions for s001 (graded, 7.25 points) and s003 (graded, 0), s002 none:
    rows as ``exgen grade`` stores them, so the gradebooks read them via ``class_results``."""
    from sqlalchemy import select

    from exgen.storage.models import Assignment, ItemResult, Student, Submission
    from exgen.storage.session import session_scope

    with session_scope(url) as session:
        assignment = session.scalar(select(Assignment).where(Assignment.name == "fixed"))
        students = {s.student_id: s for s in session.scalars(select(Student))}
        for line, (sid, scores) in enumerate((("s001", [4, 3.25]), ("s003", [0, 0])), 2):
            submission = Submission(assignment_id=assignment.id, student_ref=sid,
                                    student_pk=students[sid].id, source_name="sheet.csv",
                                    source_sha256="0" * 64, line=line, raw="", cells={},
                                    status="graded", current=True)
            session.add(submission)
            session.flush()
            for position, score in enumerate(scores):
                session.add(ItemResult(submission_id=submission.id, item=f"q{position + 1}.loss",
                                       position=position, status="correct" if score else "missing",
                                       score=score, max_score=4, expected=0.0))
