"""Shared CLI plumbing: the database session of the root group's --db, and error mapping."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

import click

from exgen.cli.errors import InputError


@contextmanager
def database(ctx_obj: dict, create: bool = True):
    """A session committed as one transaction; database problems become one-line errors.
    Commands that only work on an existing assignment pass ``create=False``: run in the wrong
    folder, they say where they looked instead of leaving an empty exgen.db behind."""
    from exgen.storage.session import DatabaseError, session_scope
    from exgen.storage.records import RecordError

    try:
        with session_scope(ctx_obj["database_url"], create=create) as session:
            yield session
    except (DatabaseError, RecordError) as e:
        raise InputError(str(e)) from None


class _Silent:
    """A progress bar that draws nothing (stderr is a file or a pipe: no stray labels)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int) -> None:
        pass


def stderr_progress(total: int, label: str):
    """A progress bar on stderr (stdout stays clean for JSON); silent when stderr is no terminal,
    unless EXGEN_PROGRESS=1 (then click writes the label once: a sign of life for scripts)."""
    if not sys.stderr.isatty() and os.environ.get("EXGEN_PROGRESS") != "1":
        return _Silent()
    return click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True, width=30)


def shown_time(moment) -> str:
    """A stored moment as a terminal line shows it, in UTC."""
    from datetime import timezone

    if moment.tzinfo is None:  # SQLite keeps UTC without saying so
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
