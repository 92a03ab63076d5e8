"""The command line as a whole: every command has help, and the package ships what it needs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from exgen.cli import COMMANDS, cli

ROOT = Path(__file__).parents[1]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: exgen {command}" in result.output or f"Usage: cli {command}" in result.output
    assert len(result.output.splitlines()) >= 4  # a description, not just the usage line
    assert "design" not in result.output.lower() and "§" not in result.output  # a document users don't have


def test_root_help_lists_every_command_and_python_m_works():
    out = subprocess.run([sys.executable, "-m", "exgen", "--help"], capture_output=True, text=True, check=True).stdout
    for command in COMMANDS:
        assert command in out
    version = subprocess.run([sys.executable, "-m", "exgen", "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("exgen, version")


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(cli, ["sovle"])
    assert result.exit_code == 2 and "No such command" in result.output


def test_the_wheel_carries_templates_migrations_and_every_package(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("exgen-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("exgen/render/templates/worksheet.html", "exgen/render/templates/key.html",
                     "exgen/render/templates/report.html", "exgen/render/templates/document.css",
                     "exgen/storage/migrations/env.py", "exgen/storage/migrations/script.py.mako",
                     "exgen/storage/migrations/versions/0001_initial_schema.py", "exgen/storage/models.py",
                     "exgen/grading/judge.py", "exgen/export/moodle.py", "exgen/render/writer.py"):
        assert required in names, required
    packages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "exgen").rglob("__init__.py")}
    for package in packages:
        assert f"{package}/__init__.py" in names, package
