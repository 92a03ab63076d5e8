"""Benchmark: `exgen serve` on PostgreSQL under a class submitting at once, from loopback.

50 simulated students (by default), each on their own keep-alive connection, hand in their
whole answer set (hw3: 42 items) again and again for 20 s; the same server answers /healthz
from as many connections for 10 s just before, in the same run (the floor: what the server,
the client and the machine can do with no work behind a request). Prints submissions/s,
p50/p95/p99 latency, the ratio to the floor, the machine's load before and after, and checks
that nothing was lost: every 201 is stored, and each student's current submission (what
`exgen results` shows) is the last one they got a 201 for. Goal: >= 200 submissions/s,
p95 <= 150 ms on 2 cores.

    python bench/serve.py [--students 50] [--seconds 20] [--workers 2]

Needs the PostgreSQL server at 127.0.0.1:5432 (EXGEN_TEST_POSTGRES overrides); it creates and
drops its own database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

ADMIN = os.environ.get("EXGEN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


class Connection:
    """A minimal HTTP/1.1 keep-alive client (a full client library would cost the 2 cores more
    than the server's own work)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        payload = await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return status, payload


async def drive(host, port, requests, seconds, rate=None):
    """Each of ``requests`` (a list of (method, path, body) per connection) on its own
    connection for ``seconds``: back to back (a closed loop: as fast as the server answers),
    or, with ``rate`` (requests/s over all connections), each connection on its own schedule
    (an open loop, like students who do not wait for each other; latency counts from the
    scheduled moment, so a slow answer that delays the next request is not hidden).
    Returns [(connection index, status, latency s, body)]."""
    results = Results()
    begin = time.perf_counter()
    stop = begin + seconds
    n = len(requests)

    async def one(index, method, path, body):
        connection = Connection(host, port)
        k = 0
        while True:
            due = begin + (k + index / n) * n / rate if rate else time.perf_counter()
            if due >= stop:
                return
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            status, payload = await connection.request(method, path, body)
            results.append((index, status, time.perf_counter() - due, payload))
            k += 1

    await asyncio.gather(*(one(i, *r) for i, r in enumerate(requests)))
    # the phase lasts until its last answer (an open loop that falls behind runs over)
    results.elapsed = max(seconds, time.perf_counter() - begin)
    return results


class Results(list):
    elapsed = 0.0


def cpu_seconds(pid: int | None = None, name: str = "") -> float:
    """CPU time of a process and its children still running (the server and its workers), or
    of every process called ``name`` (PostgreSQL's: the other users of the server count too)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
        except OSError:
            continue
        command, fields = stat.split("(", 1)[1].rsplit(")", 1)[0], stat.rsplit(")", 1)[1].split()
        if (pid is not None and (int(entry) == pid or int(fields[1]) == pid)) or (name and command == name):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def summary(label, results, seconds, ok):
    latencies = [r[2] for r in results]
    good = sum(1 for r in results if r[1] == ok)
    rate = good / max(seconds, getattr(results, "elapsed", 0.0))
    print(f"{label:<12} {rate:8.1f}/s  p50 {1000 * percentile(latencies, 0.5):6.1f} ms  "
          f"p95 {1000 * percentile(latencies, 0.95):6.1f} ms  p99 {1000 * percentile(latencies, 0.99):6.1f} ms  "
          f"({good} x {ok}, {len(results) - good} other)")
    return rate, percentile(latencies, 0.95)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--floor-seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=200,
                        help="submissions/s offered in the open-loop phase (0: skip it)")
    args = parser.parse_args()

    from exgen.processes import die_with_parent
    from exgen.storage.links import class_links
    from exgen.storage.models import Submission
    from exgen.storage.records import load_assignment
    from exgen.storage.session import dispose_all, session_scope

    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    name = f"exgen_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN.rsplit("/", 1)[0] + "/" + name
    server = None
    try:
        tmp = Path(os.environ.get("TMPDIR", "/tmp")) / name
        tmp.mkdir()
        roster = tmp / "roster.csv"
        roster.write_text("student_id,name\n" + "".join(f"b{n:03d},Student {n}\n" for n in range(args.students)))
        exgen = [sys.executable, "-m", "exgen", "--db", url]
        subprocess.run([*exgen, "assign", str(ROOT / "examples" / "hw3.toml"), "--roster", str(roster)],
                       check=True, stdout=subprocess.DEVNULL)
        with session_scope(url) as session:
            record = load_assignment(session, "hw3")
            paths = {link["student_id"]: link["url"][len("http://x"):]
                     for link in class_links(session, "hw3", "http://x")["links"]}
        bodies = {}
        for student in record.students:
            sid = student["student_id"]
            written = {f"{v.exercise}.{item}": f"{float(v.exact[item]):.4g}"
                       for v in record.variants if v.student_id == sid for item in v.asked}
            bodies[sid] = json.dumps({"answers": written}).encode()
        dispose_all()

        load_before = os.getloadavg()
        server = subprocess.Popen(
            [*exgen, "serve", "--port", "0", "--workers", str(args.workers), "--rate-limit", "1000000",
             "--address-limit", "100000000", "--no-access-log"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True, preexec_fn=die_with_parent)
        line = server.stdout.readline().decode().strip()
        if not line.startswith("exgen: serving on"):
            raise SystemExit(f"the server did not start: {line!r}")
        host, port = line.rsplit("//", 1)[1].rsplit(":", 1)
        port = int(port)
        print(f"exgen serve --workers {args.workers} on PostgreSQL; {args.students} students x "
              f"{len(json.loads(next(iter(bodies.values())))['answers'])} answers; {os.cpu_count()} CPUs; "
              f"load average before {load_before[0]:.2f}")

        submit = [("POST", f"/api{paths[s]}/submissions", bodies[s]) for s in paths]
        server_cpu = {}

        async def run_all():
            # warm-up: every worker loads the assignment and each student's marker once
            await drive(host, port, submit, 2)
            floor = await drive(host, port, [("GET", "/healthz", b"")] * args.students, args.floor_seconds)
            before, database = cpu_seconds(server.pid), cpu_seconds(name="postgres")
            work = await drive(host, port, submit, args.seconds)
            server_cpu["closed"] = cpu_seconds(server.pid) - before
            server_cpu["postgres"] = cpu_seconds(name="postgres") - database
            paced = await drive(host, port, submit, args.seconds, args.rate) if args.rate else []
            return floor, work, paced

        usage = resource.getrusage(resource.RUSAGE_SELF)
        floor, work, paced = asyncio.run(run_all())
        client_cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - sum(usage[:2])
        load_after = os.getloadavg()
        print("closed loop: each student submits again as soon as the answer is back")
        health_rate, _ = summary("/healthz", floor, args.floor_seconds, 200)
        rate, p95 = summary("submissions", work, args.seconds, 201)
        done = sum(1 for r in work if r[1] == 201)
        per_server = 1000 * server_cpu["closed"] / max(1, done)
        per_database = 1000 * server_cpu["postgres"] / max(1, done)
        print(f"submissions cost {health_rate / rate:.1f}x a /healthz answer; CPU per submission: server "
              f"{per_server:.1f} ms, PostgreSQL {per_database:.1f} ms (all its users); the client used "
              f"{client_cpu:.1f} s in all")
        print(f"ceiling on {os.cpu_count()} idle cores at this CPU cost: "
              f"~{1000 * os.cpu_count() / (per_server + per_database):.0f} submissions/s")
        if paced:
            print(f"open loop: {args.rate:g} submissions/s offered, spread over the {args.students} students")
            paced_rate, paced_p95 = summary("submissions", paced, args.seconds, 201)
        print(f"load average after {load_after[0]:.2f} (1 min), {load_after[1]:.2f} (5 min)")
        work = work + paced

        # nothing lost: every 201 is stored, and the last one of each student is current
        students = list(paths)
        created = {}
        last = {}
        for index, status, _, payload in work:
            if status == 201:
                body = json.loads(payload)
                created[body["submission"]] = students[index]
                last[students[index]] = max(last.get(students[index], 0), body["submission"])
        with session_scope(url) as session:
            stored = set(session.scalars(select(Submission.id).where(Submission.source == "web",
                                                                     Submission.status == "graded")))
            current = dict(session.execute(select(Submission.student_ref, func.max(Submission.id))
                                           .where(Submission.current.is_(True)).group_by(Submission.student_ref)).all())
        lost = set(created) - stored
        wrong = {s for s in last if current.get(s) != last[s]}
        print(f"checked: {len(created)} submissions answered 201, {len(lost)} of them missing from the database, "
              f"{len(wrong)} students whose current submission is not their last 201")
        if paced:
            goal = "met" if paced_rate >= 0.98 * args.rate and args.rate >= 200 and paced_p95 <= 0.150 else "NOT met"
            shown = f"open loop {paced_rate:.0f}/s with p95 {1000 * paced_p95:.0f} ms"
        else:
            goal = "met" if rate >= 200 and p95 <= 0.150 else "NOT met"
            shown = f"{rate:.0f}/s with p95 {1000 * p95:.0f} ms"
        print(f"summary: closed loop {rate:.0f} submissions/s (p95 {1000 * p95:.0f} ms), {shown} "
              f"(goal >= 200/s with p95 <= 150 ms: {goal}); "
              f"{'nothing lost' if not lost and not wrong else 'LOST OR MISELECTED SUBMISSIONS'}")
        if lost or wrong:
            raise SystemExit(1)
    finally:
        if server is not None:
            try:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(server.pid, signal.SIGKILL)
        dispose_all()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
