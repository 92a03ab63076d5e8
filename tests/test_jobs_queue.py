"""Jobs through the real task queue (design §11): Dramatiq over the machine's Redis, parts run by
``exgen worker`` processes sharing PostgreSQL and a file store with the app.

The class of 100 is queued while no worker runs and the app is then restarted (the job lives in
Redis and PostgreSQL, not in the app); two workers take it, one is SIGKILLed mid-job, its part is
delivered again to the other once its heartbeat is overdue, and every PDF comes out byte for
byte what ``exgen render`` writes in one process. Skipped only when no Redis answers."""

from __future__ import annotations

import io
import os
import selectors
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from cli_runner import run
from exgen.storage.models import JobPart
from exgen.storage.session import session_scope
from service_helpers import BASE, EXAMPLES, client, teacher_token

REDIS_URL = os.environ.get("EXGEN_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _redis():
    import redis

    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        connection.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis server answers at {REDIS_URL}")
    return connection


@pytest.fixture
def broker(monkeypatch, tmp_path):
    """This test's own key prefix on the Redis server (removed afterwards), short heartbeats."""
    connection = _redis()
    namespace = f"exgen-test-{uuid.uuid4().hex[:10]}"
    environment = {"EXGEN_BROKER_NAMESPACE": namespace, "EXGEN_WORKER_HEARTBEAT": "2",
                   "EXGEN_FILES": str(tmp_path / "files")}
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    try:
        yield environment
    finally:
        keys = list(connection.scan_iter(f"{namespace}*"))
        if keys:
            connection.delete(*keys)
        connection.close()


@contextmanager
def workers(database_url, count: int, timeout: float = 60.0):
    """``exgen worker`` processes (they die with this process), each ready to take parts."""
    from exgen.processes import die_with_parent

    processes = []
    log = open(os.environ["EXGEN_TEST_WORKER_LOG"], "ab") if os.environ.get("EXGEN_TEST_WORKER_LOG") else subprocess.DEVNULL
    try:
        for _ in range(count):
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "exgen", "--db", database_url, "worker", "--broker-url", REDIS_URL],
                stdout=subprocess.PIPE, stderr=log, preexec_fn=die_with_parent))
        for process in processes:
            line = _first_line(process, timeout)
            assert line.startswith("exgen: worker ready"), line
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if log is not subprocess.DEVNULL:
            log.close()


def _first_line(process, timeout: float) -> str:
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    line, deadline = b"", time.monotonic() + timeout
    while not line.endswith(b"\n"):
        if not selector.select(max(0.0, deadline - time.monotonic())):
            raise RuntimeError(f"exgen worker did not start within {timeout} s")
        chunk = os.read(process.stdout.fileno(), 1)
        if not chunk:
            raise RuntimeError(f"exgen worker exited with status {process.wait()}")
        line += chunk
    return line.decode().strip()


def _both_mid_part(url, job_id) -> bool:
    """Two parts started, not finished, with some but not all of their students done: each of
    the two workers is in the middle of one."""
    with session_scope(url) as session:
        return session.scalar(select(func.count(JobPart.id)).where(
            JobPart.job_id == job_id, JobPart.attempts >= 1, JobPart.finished.is_(False),
            JobPart.done >= 1, JobPart.done < JobPart.total)) == 2


def test_two_workers_render_a_class_of_100_while_one_is_killed(fresh_postgres_url, broker, tmp_path):
    url = fresh_postgres_url
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n" + "".join(f"k{n:03d},Student {n}\n" for n in range(1, 101)))
    run(url, "assign", str(EXAMPLES / "hw3.toml"), "--roster", str(roster))
    h = {"Authorization": f"Bearer {teacher_token(url)}"}

    # queued while no worker runs, by an app that then stops
    with client(url, broker_url=REDIS_URL) as c:
        accepted = c.post("/api/assignments/hw3/render", headers=h)
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["job"]
        assert c.get(f"/api/jobs/{job_id}", headers=h).json()["state"] == "queued"

    with workers(url, 2) as (doomed, survivor), client(url, broker_url=REDIS_URL) as c:
        seen, killed_at, deadline = [], None, time.monotonic() + 300
        while time.monotonic() < deadline:
            status = c.get(f"/api/jobs/{job_id}", headers=h).json()
            seen.append(status["done"])
            if killed_at is None and status["done"] >= 10 and _both_mid_part(url, job_id):
                doomed.send_signal(signal.SIGKILL)  # mid-part: each worker runs one part at a time
                doomed.wait()
                killed_at = status["done"]
            if status["state"] in ("done", "failed"):
                break
            time.sleep(0.25)
        assert status["state"] == "done", status
        assert killed_at is not None and killed_at < 100
        assert status["done"] == status["total"] == 100 and status["result"] == f"{BASE}/api/jobs/{job_id}/result"
        assert any(0 < done < 100 for done in seen)  # the API reported progress on the way
        download = c.get(status["result"], headers=h)
        assert download.status_code == 200
        assert survivor.poll() is None  # the other worker is still serving
    with session_scope(url) as session:
        parts = session.scalar(select(func.count(JobPart.id)).where(JobPart.job_id == job_id))
        runs = session.scalar(select(func.sum(JobPart.attempts)).where(JobPart.job_id == job_id))
    assert runs > parts  # the killed worker's part was delivered again and run by the survivor

    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    out = tmp_path / "in-process"
    run(url, "render", "hw3", "--out", str(out), "--base-url", BASE)
    written = {f"hw3/{path.name}": path.read_bytes() for path in out.iterdir()}
    assert len(written) == 200 and sorted(files) == sorted(written)
    assert [name for name in written if files[name] != written[name]] == []  # byte for byte
    store = tmp_path / "files" / "jobs" / str(job_id)
    assert sorted(p.name for p in store.iterdir()) == ["hw3-documents.zip"]  # no scratch, no temporary file


def test_when_the_broker_does_not_answer_the_request_says_so(database_url, broker, tmp_path):
    run(database_url, "assign", str(EXAMPLES / "hw3.toml"), "--roster", str(EXAMPLES / "roster.csv"))
    h = {"Authorization": f"Bearer {teacher_token(database_url)}"}
    with client(database_url, broker_url="redis://127.0.0.1:1/0") as c:  # nothing listens on port 1
        r = c.post("/api/assignments/hw3/report", headers=h)
        assert r.status_code == 503 and r.json()["error"].startswith("broker: the job queue does not answer")
        failed = c.get("/api/jobs/1", headers=h).json()
        assert failed["state"] == "failed" and failed["error"].startswith("the job queue does not answer")


def test_exgen_worker_refuses_a_broker_that_does_not_answer(database_url, broker):
    result = run(database_url, "worker", "--broker-url", "redis://127.0.0.1:1/0", code=2)
    assert "the broker does not answer" in result.output
    result = run(database_url, "worker", "--broker-url", "http://127.0.0.1:6379", code=2)
    assert "not a redis:// address" in result.output
