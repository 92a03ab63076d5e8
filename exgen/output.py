"""Every file exgen writes goes through here: it is written under a temporary name in the
target's directory and renamed over the target (``os.replace``) once complete.

So an error, a full disk, a kill or a power cut leaves either the previous file or the new
one — never half of one — and, except after SIGKILL, no temporary file: it is removed on any
error. (After a SIGKILL its name, ``.NAME.<random>.tmp`` next to the target, says what it was.)
The temporary file is in the same directory because a rename is only atomic within one file
system.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from pathlib import Path
from typing import IO, Callable, Iterator


def temporary_name(path: Path) -> Path:
    """A fresh, unused temporary name next to ``path`` (created empty, owner-only)."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    return Path(name)


@contextlib.contextmanager
def replacing(path: str | os.PathLike, mode: str = "wb", private: bool = False) -> Iterator[IO]:
    """``with replacing(path) as out: out.write(...)``: the file appears at ``path`` only when
    the block ends without an exception. ``mode`` is ``"wb"`` or ``"w"`` (UTF-8, newlines
    untranslated). ``private`` keeps the file readable by its owner only (the students' links
    are their keys); otherwise it gets the permissions a new file gets (the umask's)."""
    path = Path(path)
    with _replacing_name(path, private) as tmp:
        text = "b" not in mode
        with open(tmp, mode, **({"encoding": "utf-8", "newline": ""} if text else {})) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())  # the data is on disk before the name points at it


def write_with(path: str | os.PathLike, write: Callable[[Path], object], private: bool = False) -> None:
    """For writers that take a file name (WeasyPrint's ``write_pdf``, pypdf): ``write(tmp)``,
    then the rename."""
    path = Path(path)
    with _replacing_name(path, private) as tmp:
        write(tmp)
        with open(tmp, "rb") as done:
            os.fsync(done.fileno())


def write_bytes(path: str | os.PathLike, data: bytes, private: bool = False) -> None:
    with replacing(path, "wb", private) as out:
        out.write(data)


def write_text(path: str | os.PathLike, text: str, private: bool = False) -> None:
    with replacing(path, "w", private) as out:
        out.write(text)


@contextlib.contextmanager
def _replacing_name(path: Path, private: bool) -> Iterator[Path]:
    tmp = temporary_name(path)
    try:
        yield tmp
        if not private:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


@functools.cache
def _umask() -> int:
    """Read once: reading it means setting it, which another thread could see meanwhile."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
