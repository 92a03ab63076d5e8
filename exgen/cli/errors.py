"""Errors the CLI shows to people: one line, the right exit status, no traceback."""

from __future__ import annotations

import sys

import click

from exgen.textfile import NotUTF8, decode_utf8


class InputError(click.ClickException):
    """Bad input (a file, a spec, a roster): exit status 2, like a usage error."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message


def read_bytes(path: str, what: str = "file") -> bytes:
    """A file's bytes (``-`` for stdin), with a clear message if it cannot be read."""
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what}")
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a {what}")
    except OSError as e:
        raise InputError(f"{path}: cannot read the {what} ({e.strerror})")


def read_text(path: str, what: str = "file") -> str:
    """A UTF-8 text file (``-`` for stdin), with a clear message if it cannot be read."""
    data = read_bytes(path, what)
    try:
        return decode_utf8(data, "<stdin>" if path == "-" else path)
    except NotUTF8 as e:
        raise InputError(str(e)) from None
