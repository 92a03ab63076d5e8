"""exgen serve as real processes: the one line it prints once it answers, two servers (one
with two workers) on one PostgreSQL database seeing each other's submissions, and no server
left behind."""

from __future__ import annotations

import time

import httpx
import pytest

from service_helpers import answers, assign_hw3, links, serving, teacher_token


@pytest.mark.postgres
def test_two_servers_on_one_database_share_everything(fresh_postgres_url, tmp_path):
    url = fresh_postgres_url
    assign_hw3(url, tmp_path, "attempts = 2")
    paths = links(url)
    token = teacher_token(url)
    written, _ = answers(url, "s001")
    with serving(url) as one, serving(url, "--workers", "2") as two:
        with httpx.Client(timeout=30) as http:
            assert http.get(f"{one}/healthz").json() == {"status": "ok"}
            r = http.post(f"{one}/api{paths['s001']}/submissions", json={"answers": written})
            assert r.status_code == 201, r.text
            for _ in range(4):  # whichever worker of the second server answers
                seen = http.get(f"{two}/api{paths['s001']}").json()
                assert seen["attempts_used"] == 1 and seen["latest"]["score"] == r.json()["score"]
            assert http.post(f"{two}/api{paths['s001']}/submissions", json={"answers": written}).json()["attempt"] == 2
            refused = http.post(f"{one}/api{paths['s001']}/submissions", json={"answers": written})
            assert refused.status_code == 409  # the attempts are counted across servers
            h = {"Authorization": f"Bearer {token}"}
            assert http.get(f"{one}/api/assignments/hw3/results", headers=h).json() == \
                http.get(f"{two}/api/assignments/hw3/results", headers=h).json()
            # a page served by one, submitted to the other
            page = http.post(f"{two}{paths['s002']}", data={"q1.loss": "1"})
            assert page.status_code == 200 and "Submitted (attempt 1)" in page.text
            assert http.get(f"{one}/api{paths['s002']}").json()["attempts_used"] == 1


def test_the_server_stops_with_its_workers(tmp_path):
    import os

    url = f"sqlite:///{tmp_path / 'exgen.db'}"
    assign_hw3(url, tmp_path)
    with serving(url, "--workers", "2") as base:
        with httpx.Client(timeout=10) as http:
            assert http.get(f"{base}/healthz").status_code == 200
        # the workers: processes started for this server (they carry its address)
        workers = {int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != base.pid
                   and _environment_has(p, "EXGEN_BASE_URL", base)}
        assert len(workers) >= 2
    deadline = time.monotonic() + 10  # (multiprocessing's resource tracker leaves once its pipe closes)
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in workers | {base.pid}:
        assert not _alive(pid), f"process {pid} ({_cmdline(pid)}) outlived the server"


def _cmdline(pid) -> str:
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")[:200]
    except OSError:
        return "gone"


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _environment_has(pid, name, value) -> bool:
    try:
        return f"{name}={value}".encode() in open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
    except OSError:
        return False
