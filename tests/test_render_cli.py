"""``exgen render``: files, summary line, progress on stderr, clear errors."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from exgen.cli import cli
from exgen.storage.session import dispose_all
from tests.test_render import EXAMPLES, flat, pdf_text

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


@pytest.fixture
def assigned(tmp_path):
    url = f"sqlite:///{tmp_path / 'exgen.db'}"
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\ns001,Ada Lovelace\ns/002,Alan Turing\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", url, "assign", str(EXAMPLES / "hw3.toml"), "--roster", str(roster)])
    assert result.exit_code == 0, result.output
    yield url
    dispose_all()


def test_render_writes_every_file_and_a_summary(assigned, tmp_path):
    out = tmp_path / "pdfs"
    result = CliRunner().invoke(cli, ["--db", assigned, "render", "hw3", "--out", str(out), "--combined",
                                      "--paper", "letter"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert "s001-worksheet.pdf" in names and "s001-key.pdf" in names
    assert "all-worksheets.pdf" in names and "all-keys.pdf" in names
    assert len(names) == 6  # s/002 is written under a sanitised name, not in a subdirectory
    assert not (out / "s").exists()
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("hw3: 2 students") and "6 PDF files" in summary
    assert "Alan Turing" in flat(pdf_text(next(out.glob("s_002-*-key.pdf"))))


def test_render_of_an_unknown_assignment_is_a_clear_error(assigned, tmp_path):
    result = CliRunner().invoke(cli, ["--db", assigned, "render", "nope", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "no assignment named 'nope'" in result.output and "Traceback" not in result.output


def test_render_into_a_file_is_a_clear_error(assigned, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("x")
    result = CliRunner().invoke(cli, ["--db", assigned, "render", "hw3", "--out", str(target)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_render_in_one_process_or_several(assigned, tmp_path):
    one = CliRunner().invoke(cli, ["--db", assigned, "render", "hw3", "--out", str(tmp_path / "one"), "--jobs", "1"])
    two = CliRunner().invoke(cli, ["--db", assigned, "render", "hw3", "--out", str(tmp_path / "two"), "--jobs", "2"])
    assert one.exit_code == 0 and two.exit_code == 0, one.output + two.output
    for path in sorted((tmp_path / "one").iterdir()):
        assert path.read_bytes() == (tmp_path / "two" / path.name).read_bytes(), path.name
    bad = CliRunner().invoke(cli, ["--db", assigned, "render", "hw3", "--out", str(tmp_path / "x"), "--jobs", "0"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_render_one_student_and_a_base_url(assigned, tmp_path):
    out = tmp_path / "one"
    result = CliRunner().invoke(cli, ["--db", assigned, "render", "hw3", "--out", str(out), "--student", "s001",
                                      "--base-url", "https://exgen.example.edu"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["s001-key.pdf", "s001-worksheet.pdf"]
    assert "your link" in flat(pdf_text(out / "s001-worksheet.pdf"))
    for args, message in ((["--student", "nobody"], "not on the roster"),
                          (["--base-url", "ftp://x"], "not an http:// or https:// address")):
        bad = CliRunner().invoke(cli, ["--db", assigned, "render", "hw3", "--out", str(out), *args])
        assert bad.exit_code == 2 and message in bad.output and "Traceback" not in bad.output
