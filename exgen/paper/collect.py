"""The files of a grading run: answer-sheet CSVs, filled PDFs, folders of them and zip files
(what an LMS gives as "download all submissions": any file names, folders inside), mixed.

File names decide nothing but how a file is read: ``.csv`` is an answer sheet, ``.zip`` an
archive, anything else a submitted worksheet (read as a PDF, rejected if it is not one). Who a
worksheet belongs to is its ticket's business (``exgen.paper.filled``).

Archives are read in place, one member at a time, never extracted to disk (a member's name is
never a path), and refused before anything is decompressed when their directory shows a zip
bomb: too many members, too much data once decompressed, a compression ratio no PDF has, or
zips nested too deep. A single member over the size limit is refused alone.
"""

from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from exgen import limits
from exgen.limits import MAX_SHEET_FILE, MAX_ZIP_BYTES, MAX_ZIP_DEPTH, MAX_ZIP_MEMBERS
from exgen.paper.filled import MAX_PDF_BYTES, megabytes, too_large

#: Members of one zip, what they come to unpacked (exgen.limits).
MAX_MEMBERS, MAX_TOTAL_BYTES = MAX_ZIP_MEMBERS, MAX_ZIP_BYTES
#: Decompressed size over compressed size, per member and for the whole archive. PDFs hardly
#: compress (fonts and page streams are compressed already): 1.1-3 : 1 is usual.
MAX_RATIO = 100
#: Members under this size are never called a bomb for their ratio (a blank text file is).
RATIO_FLOOR = 1024 * 1024
#: Archive levels: an LMS zip, and zips inside it (exgen.limits).
MAX_DEPTH = MAX_ZIP_DEPTH
#: Files found in folders and zips that are the operating system's, not submissions.
SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini"}

CSV, PDF, ZIP = "csv", "pdf", "zip"


class CollectError(ValueError):
    """A path of the run cannot be used at all (missing, unreadable): nothing is graded."""


@dataclass
class Incoming:
    """One file to grade, read, or refused before it was read (``problem``)."""

    name: str  # where it came from: the path, or "archive.zip:folder/file.pdf"
    kind: str  # CSV or PDF (a refused archive is reported as a PDF submission)
    data: bytes = b""
    sha256: str = ""
    problem: str = ""
    direct: bool = False  # named on the command line (a broken CSV there stops the run)


def display_name(name: str) -> str:
    """A file name as it may be printed: control characters (terminal escapes) shown, not run."""
    return "".join("�" if unicodedata.category(ch)[0] == "C" else ch for ch in name)


def _kind(name: str) -> str:
    lower = name.lower()
    return CSV if lower.endswith(".csv") else ZIP if lower.endswith(".zip") else PDF


def _is_system_file(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    base = parts[-1]
    return (not base or base.startswith(".") or base.lower() in SYSTEM_FILES
            or any(part == "__MACOSX" for part in parts))


@dataclass
class Plan:
    """What a run will read: the files, in order, and how many there are for a progress bar
    (the members of nested zips are counted when they are reached)."""

    files: list[tuple[str, str, bool]]  # (path, kind, named on the command line)
    total: int
    skipped: int = 0  # system files (.DS_Store, __MACOSX/ ...) left out


def plan(paths: list[str]) -> Plan:
    """List the files of the paths (folders walked in name order, symlinked folders not
    followed); :class:`CollectError` for a path that does not exist or cannot be read."""
    files, total, skipped = [], 0, 0
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path, onerror=_walk_error):
                dirs.sort()
                for name in sorted(names):
                    full = os.path.join(root, name)
                    if _is_system_file(name) or not os.path.isfile(full):
                        skipped += 1
                        continue
                    files.append((full, _kind(name), False))
        elif os.path.isfile(path):
            files.append((path, _kind(path), True))
        elif os.path.exists(path):
            raise CollectError(f"{path}: neither a file nor a folder")
        else:
            what = "answer sheet" if _kind(path) == CSV else "file or folder"
            raise CollectError(f"{path}: no such {what}")
    for path, kind, _ in files:
        total += _member_count(path) if kind == ZIP else 1
    return Plan(files, total, skipped)


def _walk_error(error: OSError):
    raise CollectError(f"{error.filename}: cannot read the folder ({error.strerror})")


def _member_count(path: str) -> int:
    try:
        with zipfile.ZipFile(path) as archive:
            return max(1, sum(1 for info in archive.infolist() if not info.is_dir()))
    except (zipfile.BadZipFile, OSError, ValueError):
        return 1  # reported as damaged when it is read


def collect(plan: Plan) -> Iterator[Incoming]:
    """Every file of the plan, read, one at a time (memory holds one file, or one zip member);
    system files inside zips are counted in ``plan.skipped``."""
    for path, kind, direct in plan.files:
        if kind == ZIP:
            yield from _zip_file(path, plan)
            continue
        try:
            size = os.path.getsize(path)
            if kind == PDF and size > MAX_PDF_BYTES:
                yield Incoming(path, kind, sha256=_file_sha256(path), problem=too_large(size), direct=direct)
                continue
            if kind == CSV and size > MAX_SHEET_FILE:  # checked before the file is read
                problem = f"the answer sheet is larger than {limits.megabytes(MAX_SHEET_FILE)} (exgen.limits)"
                if direct:  # like any answer sheet named on the command line that cannot be read
                    raise CollectError(f"{path}: {problem}")
                yield Incoming(path, kind, sha256=_file_sha256(path), problem=problem)
                continue
            data = Path(path).read_bytes()
        except OSError as e:
            raise CollectError(f"{path}: cannot read the file ({e.strerror})") from None
        yield Incoming(path, kind, data, hashlib.sha256(data).hexdigest(), direct=direct)


def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _zip_file(path: str, plan: Plan) -> Iterator[Incoming]:
    try:
        size = os.path.getsize(path)
        sha256 = _file_sha256(path)
        with zipfile.ZipFile(path) as archive:
            yield from _members(archive, path, sha256, size, 1, plan)
    except (zipfile.BadZipFile, ValueError) as e:
        yield Incoming(path, PDF, sha256=_file_sha256(path), problem=f"damaged: not a readable zip file ({e})")
    except OSError as e:
        raise CollectError(f"{path}: cannot read the zip file ({e.strerror})") from None


def bomb(infos: list[zipfile.ZipInfo], archive_size: int) -> str:
    """Why an archive's directory looks like a zip bomb, or "" (nothing is decompressed)."""
    files = [info for info in infos if not info.is_dir()]
    if len(files) > MAX_MEMBERS:
        return f"a zip of {len(files)} files (at most {MAX_MEMBERS}): refused as a possible zip bomb"
    total = sum(info.file_size for info in files)
    if total > MAX_TOTAL_BYTES:
        return (f"{megabytes(total)} once unpacked (at most {MAX_TOTAL_BYTES // 1024 ** 3} GB): "
                "refused as a possible zip bomb")
    for info in files:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(1, info.compress_size):
            ratio = info.file_size / max(1, info.compress_size)
            return (f"member {display_name(info.filename)!r} unpacks {ratio:.0f} times its size (at most "
                    f"{MAX_RATIO}): refused as a zip bomb")
    if total > RATIO_FLOOR and total > MAX_RATIO * max(1, archive_size):
        return f"unpacks {total / max(1, archive_size):.0f} times its size (at most {MAX_RATIO}): refused as a zip bomb"
    return ""


def _members(archive: zipfile.ZipFile, name: str, sha256: str, size: int, depth: int,
             plan: Plan) -> Iterator[Incoming]:
    infos = archive.infolist()
    problem = bomb(infos, size)
    if problem:
        yield Incoming(display_name(name), PDF, sha256=sha256, problem=problem)
        return
    for info in sorted((i for i in infos if not i.is_dir()), key=lambda i: i.filename):
        member = f"{name}:{display_name(info.filename)}"
        if _is_system_file(info.filename):
            plan.skipped += 1
            continue
        kind = _kind(info.filename)
        unread = hashlib.sha256(f"{sha256}\x1f{info.filename}".encode()).hexdigest()  # for a member not read
        if info.flag_bits & 0x1:
            yield Incoming(member, PDF, sha256=unread, problem="encrypted inside the zip (a password-protected zip)")
            continue
        if info.file_size > MAX_PDF_BYTES:
            yield Incoming(member, PDF, sha256=unread, problem=too_large(info.file_size))
            continue
        if kind == ZIP and depth >= MAX_DEPTH:
            yield Incoming(member, PDF, sha256=unread,
                           problem=f"a zip inside a zip inside a zip (at most {MAX_DEPTH} levels): not opened")
            continue
        try:
            with archive.open(info) as handle:
                data = handle.read(MAX_PDF_BYTES + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as e:
            # a damaged member (a bad CRC, an unknown compression method): this file's problem
            yield Incoming(member, PDF, sha256=unread, problem=f"damaged inside the zip ({e})")
            continue
        if len(data) > MAX_PDF_BYTES:  # the directory understated its size
            yield Incoming(member, PDF, sha256=unread, problem=too_large(len(data)))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if kind == ZIP:
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as inner:
                    yield from _members(inner, member, digest, len(data), depth + 1, plan)
            except zipfile.BadZipFile as e:
                yield Incoming(member, PDF, sha256=digest, problem=f"damaged: not a readable zip file ({e})")
            continue
        yield Incoming(member, kind, data, digest)
