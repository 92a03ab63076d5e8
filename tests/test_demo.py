"""``exgen demo``: a sample assignment on the default database, rendered; re-running works."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from exgen.cli import cli
from exgen.cli.demo import DEMO_ROSTER
from exgen.storage.session import dispose_all

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def test_demo_creates_renders_and_can_run_again(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EXGEN_DATABASE_URL", raising=False)
    runner = CliRunner()
    try:
        first = runner.invoke(cli, ["demo"])
        assert first.exit_code == 0, first.output
        assert (tmp_path / "exgen.db").is_file()  # the embedded SQLite default
        out = tmp_path / "exgen-demo"
        for sid, _ in DEMO_ROSTER:
            assert (out / f"{sid}-worksheet.pdf").is_file() and (out / f"{sid}-key.pdf").is_file()
        assert "exgen-demo" in first.stdout.splitlines()[-1]
        pages = len(PdfReader(out / "all-keys.pdf").pages)

        second = runner.invoke(cli, ["demo", "--out", "again"])
        assert second.exit_code == 0, second.output
        assert "0 new variants" in second.stdout  # the assignment was reused, not replaced
        assert len(PdfReader(tmp_path / "again" / "all-keys.pdf").pages) == pages
    finally:
        dispose_all()
