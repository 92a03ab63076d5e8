"""Errors the CLI shows to people: one line, the right exit status, no traceback."""

from __future__ import annotations

import os
import sys

import click

from exgen.textfile import NotUTF8, decode_utf8


class InputError(click.ClickException):
    """Bad input (a file, a spec, a roster): exit status 2, like a usage error."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message


def read_bytes(path: str, what: str = "file", limit: int | None = None) -> bytes:
    """A file's bytes (``-`` for stdin), with a clear message if it cannot be read. A file
    larger than ``limit`` bytes (``exgen.limits``) is refused before it is read: by its size
    when the system knows it, else after reading one byte more than the limit."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read() if limit is None else sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as handle:
                if limit is not None and os.fstat(handle.fileno()).st_size > limit:
                    raise _too_large(path, what, limit)
                data = handle.read() if limit is None else handle.read(limit + 1)
        if limit is not None and len(data) > limit:
            raise _too_large(path, what, limit)
        return data
    except FileNotFoundError:
        raise InputError(f"{path}: no such {what}")
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a {what}")
    except OSError as e:
        raise InputError(f"{path}: cannot read the {what} ({e.strerror})")


def _too_large(path: str, what: str, limit: int) -> InputError:
    from exgen.limits import megabytes

    return InputError(f"{'<stdin>' if path == '-' else path}: the {what} is larger than {megabytes(limit)} "
                      "(exgen.limits)")


def read_text(path: str, what: str = "file", limit: int | None = None) -> str:
    """A UTF-8 text file (``-`` for stdin), with a clear message if it cannot be read."""
    data = read_bytes(path, what, limit)
    try:
        return decode_utf8(data, "<stdin>" if path == "-" else path)
    except NotUTF8 as e:
        raise InputError(str(e)) from None
