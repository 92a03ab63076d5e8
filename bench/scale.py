"""Benchmark: rendering a class as a job, through the task queue with 1 and 2 ``exgen worker``
processes, against the service's own process pool (no broker), in one run.

Measures, interleaved round by round so that all see the same machine load, the wall time from
sending a render job's parts to the job being done (every PDF written, the zip built and renamed
into the file store) for hw3 and a class of STUDENTS made-up students:
  1. the baseline: the local process pool a service without a broker uses (one process per CPU,
     started and warmed before timing, as in a running service);
  2. ``exgen worker`` × 1 and × 2 over Dramatiq on the machine's Redis (started and warmed
     before timing, as running workers are).
The database is PostgreSQL (a fresh one, dropped afterwards) when it answers at
EXGEN_TEST_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1:5432/test), else SQLite.
Prints documents per second (two PDFs per student) and the ratios to the baseline.

    python bench/scale.py [ROUNDS] [STUDENTS]
"""

from __future__ import annotations

import os
import selectors
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from exgen.jobs.dispatch import LocalPool, QueueDispatcher  # noqa: E402
from exgen.jobs.files import FileStore  # noqa: E402
from exgen.jobs.runner import create_job  # noqa: E402
from exgen.render.writer import default_jobs  # noqa: E402
from exgen.storage.records import assign  # noqa: E402
from exgen.storage.session import dispose_all, session_scope  # noqa: E402
from exgen.variants.assignment import parse_assignment  # noqa: E402
from exgen.variants.roster import RosterEntry  # noqa: E402

REDIS_URL = os.environ.get("EXGEN_BENCH_REDIS", "redis://127.0.0.1:6379/0")
POSTGRES = os.environ.get("EXGEN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def database(tmp: str):
    """A fresh PostgreSQL database if the server answers, else a SQLite file."""
    from sqlalchemy import create_engine, text

    try:
        admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        name = f"exgen_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        yield f"sqlite:///{tmp}/bench.db"
        return
    try:
        yield POSTGRES.rsplit("/", 1)[0] + "/" + name
    finally:
        dispose_all()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def assign_class(url: str, students: int) -> None:
    definition = parse_assignment((ROOT / "examples" / "hw3.toml").read_text(encoding="utf-8"))
    roster = [RosterEntry(f"b{n:04d}", f"Student {n}") for n in range(1, students + 1)]
    with session_scope(url) as session:
        assign(session, definition, roster)


def render_job(url: str, dispatcher, students: list[str] | None = None, timeout: float = 900) -> float:
    """Seconds from sending a render job's parts to the job being done."""
    from exgen.jobs.runner import Sessions, job_status

    with session_scope(url) as session:
        job = create_job(session, "render", "hw3", {"students": students, "base_url": "http://127.0.0.1:8000"})
        job_id, parts = job.id, len(job.parts)
    start = time.perf_counter()
    dispatcher.send(job_id, range(parts))
    while True:
        with Sessions(url)() as session:
            state = job_status(session, job_id)["state"]
        if state == "done":
            return time.perf_counter() - start
        if state == "failed" or time.perf_counter() - start > timeout:
            raise RuntimeError(f"job {job_id} {state}")
        time.sleep(0.05)


@contextmanager
def workers(url: str, count: int, env: dict):
    processes = [subprocess.Popen([sys.executable, "-m", "exgen", "--db", url, "worker", "--broker-url", REDIS_URL],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
                 for _ in range(count)]
    try:
        for process in processes:
            selector = selectors.DefaultSelector()
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(60) or b"worker ready" not in process.stdout.readline():
                raise RuntimeError("exgen worker did not start")
        yield
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(30)


def main(rounds: int = 2, class_size: int = 40) -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        sys.exit(f"bench/scale.py: no Redis answers at {REDIS_URL} (set EXGEN_BENCH_REDIS)")
    namespace = f"exgen-bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp, database(tmp) as url:
        os.environ.update({"EXGEN_BROKER_NAMESPACE": namespace, "EXGEN_FILES": f"{tmp}/files"})
        env = dict(os.environ)
        assign_class(url, class_size)
        warm = [f"b{n:04d}" for n in range(1, 9)]  # two parts: imports, fonts, caches in each process
        store = FileStore(f"{tmp}/files")
        pool, queue = LocalPool(url, store), QueueDispatcher(url, REDIS_URL)
        render_job(url, pool, warm)
        timings = {"pool": [], 1: [], 2: []}
        try:
            for _ in range(rounds):
                timings["pool"].append(render_job(url, pool))
                for count in (1, 2):
                    with workers(url, count, env):
                        render_job(url, queue, warm)
                        timings[count].append(render_job(url, queue))
        finally:
            pool.close()
            queue.close()
            connection = redis.Redis.from_url(REDIS_URL)
            keys = list(connection.scan_iter(f"{namespace}*"))
            if keys:
                connection.delete(*keys)
        backend = url.split(":", 1)[0]
    documents = 2 * class_size
    rate = {key: documents / statistics.median(values) for key, values in timings.items()}
    print(f"render hw3 for {class_size} students ({documents} PDFs, zip included) as a job on {backend}, "
          f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f} at the end), median of {rounds}:")
    print(f"  baseline: the service's process pool ({default_jobs()} processes)   "
          f"{rate['pool']:6.2f} documents/s")
    for count in (1, 2):
        print(f"  exgen worker × {count} over Redis                       {rate[count]:6.2f} documents/s  "
              f"({rate[count] / rate['pool']:.2f}x the pool)")
    print(f"  2 workers / 1 worker: {rate[2] / rate[1]:.2f}x")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
