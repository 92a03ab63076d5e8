"""Zip packages that are byte-identical for identical content (fixed order, fixed timestamps,
fixed permissions, no extra fields), written to a stream member by member.

A class's package is far larger than what it is made of (a Canvas quiz of 2,000 students holds
~800 MB of XML), so nothing holds a whole package: members go to the output as they are made,
and members that must wait — the manifest, which lists them, comes first — wait in a
temporary file (:class:`Parked`), not in memory.
"""

from __future__ import annotations

import tempfile
import zipfile
from typing import IO

#: The earliest date a zip can hold; any constant would do, this one says "no date".
EPOCH = (1980, 1, 1, 0, 0, 0)
#: Parked members stay in memory up to this size, then move to a temporary file.
SPOOL_BYTES = 16 * 1024 * 1024
_COPY_CHUNK = 1024 * 1024


class Package:
    """``with Package(out) as package: package.add(path, data)``: a deflated zip on ``out``."""

    def __init__(self, out: IO[bytes]):
        self._zip = zipfile.ZipFile(out, "w")

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc) -> None:
        self._zip.close()

    def add(self, path: str, data: bytes) -> None:
        self._zip.writestr(_info(path), data)

    def add_parked(self, parked: Parked, path: str) -> None:
        """A parked member, copied in chunks. Its size is known before it is written, so the
        zip holds the same bytes as :meth:`add` would write (zip64 exactly when needed)."""
        source, size = parked.open(path)
        info = _info(path)
        info.file_size = size
        with self._zip.open(info, "w") as target:
            remaining = size
            while remaining:
                chunk = source.read(min(_COPY_CHUNK, remaining))
                target.write(chunk)
                remaining -= len(chunk)


class Parked:
    """Members waiting for their turn in a package, one after the other in a temporary file
    (in memory while small). A member may be written in pieces, as long as nothing else is
    parked in between."""

    def __init__(self):
        self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        self._where: dict[str, list[int]] = {}  # path -> [offset, size]
        self._last: str | None = None

    def __enter__(self) -> Parked:
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()

    def __contains__(self, path: str) -> bool:
        return path in self._where

    @property
    def paths(self) -> list[str]:
        return list(self._where)

    def write(self, path: str, data: bytes) -> None:
        """Append ``data`` to member ``path``: a new member, or the last one written."""
        if path in self._where and path != self._last:
            raise ValueError(f"{path}: parked already, and other members since")
        self._file.seek(0, 2)
        place = self._where.setdefault(path, [self._file.tell(), 0])
        self._file.write(data)
        place[1] += len(data)
        self._last = path

    def open(self, path: str) -> tuple[IO[bytes], int]:
        offset, size = self._where[path]
        self._file.seek(offset)
        return self._file, size


def _info(path: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3  # Unix, whatever system writes it
    return info

