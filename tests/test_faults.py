"""Faults, for real: a full disk (a small tmpfs, or where mounting is not permitted a file-size
limit, RLIMIT_FSIZE) never truncates or replaces a file that was there and leaves no temporary
file; killing ``exgen render`` (SIGKILL or SIGTERM of the parent) leaves no worker running or
writing. Every command runs as its own process."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exgen.output import replacing, write_bytes, write_with
from tests.cli_runner import run

ROOT = Path(__file__).resolve().parents[1]
PREVIOUS = b"%PDF-1.7 the previous file, which must survive\n" + b"x" * 200_000


def exgen(url: str, *args: str, preexec=None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "exgen", "--db", url, *args], capture_output=True, text=True,
                          preexec_fn=preexec, cwd=ROOT, **kwargs)


class SmallDisk:
    """A directory on a disk that can be filled: a 4 MB tmpfs when this process may mount one,
    else an ordinary directory whose commands run under a file-size limit once 'full'."""

    def __init__(self, path: Path):
        self.path = path
        path.mkdir()
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(path)],
                                 capture_output=True) if shutil.which("mount") else None
        self.tmpfs = mounted is not None and mounted.returncode == 0
        self.full = False
        self.leave = 0

    def fill(self, leave: int = 8192) -> None:
        """Leave ``leave`` bytes (a new file gets that far, then the disk is full)."""
        self.full, self.leave = True, leave
        if self.tmpfs:
            stats = os.statvfs(self.path)
            with open(self.path / "filler", "wb") as filler:
                filler.write(b"\0" * max(0, stats.f_bavail * stats.f_frsize - leave))

    def preexec(self):
        """For a command run on the full disk without a tmpfs: files may not grow past
        ``leave`` bytes (SIGXFSZ ignored: the write fails with EFBIG, as a full disk's does)."""
        if self.tmpfs or not self.full:
            return None
        size = max(1, self.leave)

        def limit():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        return limit

    def files(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(self.path.iterdir()) if p.name != "filler"}

    def close(self) -> None:
        if self.tmpfs:
            subprocess.run(["umount", str(self.path)], check=True)


@pytest.fixture
def disk(tmp_path):
    small = SmallDisk(tmp_path / "disk")
    yield small
    small.close()


@pytest.fixture
def assigned(tmp_path):
    url = f"sqlite:///{tmp_path / 'faults.db'}"
    run(url, "assign", str(ROOT / "examples" / "hw3.toml"), "--roster", str(ROOT / "examples" / "roster.csv"))
    return url


@pytest.mark.parametrize("command, leave", [
    (["report", "hw3", "--out", "{out}/report.pdf"], 8192),  # half of it would fit
    (["export", "hw3", "--to", "canvas", "--out", "{out}/hw3-canvas.zip"], 8192),
    (["export", "hw3", "--to", "moodle", "--out", "{out}/hw3-moodle.xml"], 8192),
    (["answer-sheet", "hw3", "--out", "{out}/sheet.csv"], 0),  # small: not a byte left
    (["links", "hw3", "--base-url", "http://127.0.0.1:8000", "--out", "{out}/links.csv"], 0),
], ids=["report", "canvas", "moodle", "answer-sheet", "links"])
def test_a_full_disk_keeps_the_previous_file_and_leaves_no_temporary_one(assigned, disk, command, leave):
    args = [a.format(out=disk.path) for a in command]
    target = Path(args[-1])
    assert exgen(assigned, *args).returncode == 0  # room enough: written
    target.write_bytes(PREVIOUS)
    disk.fill(leave)
    done = exgen(assigned, *args, preexec=disk.preexec())
    assert done.returncode == 2, done.stderr
    message = done.stderr.strip()
    assert message.startswith(f"Error: {target}: cannot write") and "Traceback" not in message
    assert ("No space left on device" if disk.tmpfs else "File too large") in message
    assert disk.files() == {target.name: PREVIOUS}  # the previous file whole, nothing else


def test_a_full_disk_during_render_keeps_the_previous_pdfs(assigned, disk):
    assert exgen(assigned, "render", "hw3", "--out", str(disk.path), "--jobs", "2").returncode == 0
    before = disk.files()
    assert len(before) == 10 and all(name.endswith(".pdf") for name in before)
    disk.fill()
    done = exgen(assigned, "render", "hw3", "--out", str(disk.path), "--jobs", "2", "--combined",
                 preexec=disk.preexec())
    assert done.returncode == 2 and "cannot write the PDF files" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert disk.files() == before  # every PDF as it was; no temporary file, no half file


def test_the_writer_leaves_the_old_file_when_the_new_one_fails(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with replacing(target) as out:
            out.write(b"new, half")
            raise RuntimeError("the writer failed")
    with pytest.raises(ZeroDivisionError):
        write_with(target, lambda tmp: tmp.write_bytes(b"half") and 1 / 0)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["out.bin"]
    write_bytes(target, b"new")
    assert target.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["out.bin"]
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()
    write_bytes(target, b"secret", private=True)
    assert target.stat().st_mode & 0o777 == 0o600


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# -- killing exgen render ----------------------------------------------------------------------
@pytest.fixture
def class_of_40(tmp_path):
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n" + "".join(f"k{i:03d},Student {i}\n" for i in range(40)))
    run(url, "assign", str(ROOT / "examples" / "hw3.toml"), "--roster", str(roster))
    return url


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie runs and writes nothing


def _start_render(url: str, out: Path) -> tuple[subprocess.Popen, list[int]]:
    process = subprocess.Popen([sys.executable, "-m", "exgen", "--db", url, "render", "hw3", "--out", str(out),
                                "--jobs", "2"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until both workers are writing PDFs
        workers = _children(process.pid) if process.poll() is None else []
        if len(workers) == 2 and out.is_dir() and len(list(out.glob("*.pdf"))) >= 4:
            return process, workers
        time.sleep(0.05)
    process.kill()
    pytest.fail("exgen render did not start its workers")


def _settled(out: Path, workers: list[int]) -> list[str]:
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if _alive(w)], "a worker outlived exgen render"
    listed = sorted(p.name for p in out.iterdir())
    time.sleep(1)
    assert sorted(p.name for p in out.iterdir()) == listed  # nobody writes any more
    return listed


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_sigkill_of_render_takes_its_workers_along(class_of_40, tmp_path):
    out = tmp_path / "pdfs"
    process, workers = _start_render(class_of_40, out)
    process.kill()
    process.wait()
    listed = _settled(out, workers)
    assert listed and all(name.endswith(".pdf") for name in listed)  # no temporary file
    assert len(listed) < 80  # it was stopped midway


def test_sigterm_of_render_stops_cleanly(class_of_40, tmp_path):
    out = tmp_path / "pdfs"
    process, workers = _start_render(class_of_40, out)
    process.terminate()
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143 and b"Traceback" not in stderr, stderr
    listed = _settled(out, workers)
    assert listed and all(name.endswith(".pdf") for name in listed) and len(listed) < 80
    from pypdf import PdfReader

    for name in listed:  # every file there is whole
        assert len(PdfReader(str(out / name)).pages) >= 1
