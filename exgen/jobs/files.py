"""Where jobs put their results: a file store shared by every app process and worker.

The store is a directory (``EXGEN_FILES``; by default ``exgen-files`` next to a SQLite database,
or in the working directory). Machines that share the work mount the same directory. Every file
appears under its final name only once it is complete (``exgen.output``: written under a
temporary name of its own in the same directory, then renamed), so a download never sees half
a file, whoever is writing it.

The interface is kept to what jobs need — ``save``, ``exists``, ``open_path``, ``scratch``,
``remove`` — so that an S3-compatible backend (boto3's ``upload_file`` of a finished local file
is atomic the same way) could take its place without touching the job kinds.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from exgen.output import write_bytes, write_with

DIRECTORY_NAME = "exgen-files"


class FileStore:
    """A directory of finished files, keyed by relative paths such as ``jobs/7/hw3-documents.zip``."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).absolute()

    def __repr__(self) -> str:
        return f"FileStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"{key!r}: not a key inside the file store")
        return path

    def save(self, key: str, write: Callable[[Path], object]) -> str:
        """``write(path)`` fills a temporary file next to the key's place; it is then renamed to
        the key (replacing an older one) by ``exgen.output``. Returns the key."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_with(target, write)
        return key

    def save_bytes(self, key: str, data: bytes) -> str:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(target, data)
        return key

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def open_path(self, key: str) -> Path:
        """A local path to read the finished file from (``FileNotFoundError`` if there is none)."""
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return path

    def scratch(self, key: str) -> Path:
        """A directory for a job's partial outputs, in the store so that a part run again on
        another machine finds what the first run finished (each file there is complete: the
        renderer writes them under temporary names too)."""
        path = self._path(key)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def remove(self, key: str) -> None:
        """Remove a file or a directory of files (no error if it is gone already)."""
        path = self._path(key)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()


def default_root(database_url: str) -> Path:
    """``EXGEN_FILES``, else ``exgen-files`` next to a SQLite database file, else in the working
    directory (several machines must set ``EXGEN_FILES`` to a directory they share)."""
    configured = os.environ.get("EXGEN_FILES")
    if configured:
        return Path(configured)
    try:
        url = make_url(database_url)
    except ArgumentError:
        url = None
    if url is not None and url.get_backend_name() == "sqlite" and url.database \
            and url.database != ":memory:" and not url.database.startswith("file:"):
        return Path(url.database).absolute().parent / DIRECTORY_NAME
    return Path(DIRECTORY_NAME).absolute()


def store_for(database_url: str, root: str | os.PathLike | None = None) -> FileStore:
    return FileStore(root if root is not None else default_root(database_url))
