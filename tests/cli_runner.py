"""Running exgen commands in tests, against one database, with the exit status checked."""

from __future__ import annotations

from click.testing import CliRunner

from exgen.cli import cli


def run(url, *args, code=0):
    """``exgen --db URL ARGS``; asserts the exit status, and that status 2 is a message, not a
    traceback. Returns click's result (``.output``)."""
    result = CliRunner().invoke(cli, ["--db", url, *args])
    assert result.exit_code == code, result.output
    if code == 2:
        assert isinstance(result.exception, SystemExit)
    return result
