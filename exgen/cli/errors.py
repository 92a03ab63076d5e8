"""Errors the CLI shows to people: one line, the right exit status, no traceback."""

from __future__ import annotations

import sys

import click


class InputError(click.ClickException):
    """Bad input (a file, a spec, a roster): exit status 2, like a usage error."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message


def read_text(path: str, what: str = "file") -> str:
    """Read a UTF-8 text file (``-`` for stdin), with a clear message if it cannot be."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as handle:
                data = handle.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what}")
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a {what}")
    except PermissionError:
        raise InputError(f"{path}: permission denied")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        name = "<stdin>" if path == "-" else path
        raise InputError(
            f"{name}: line {line}, column {column}: not UTF-8 text (byte 0x{data[e.start]:02x}); "
            "save the file as UTF-8"
        )
