"""Benchmark: what LTI costs a student's web submission, and what passing a score back costs.

1. A web submission as ``exgen serve`` stores it (``submit_answers`` in one transaction, on
   PostgreSQL), side by side in one run: with the LTI passback mark (``mark_changed``: one
   prebuilt UPDATE, which finds no row when the assignment is not linked to an LMS, and one
   per student when it is) and without it (the mark replaced by nothing). CPU and wall time per
   submission, best of several rounds, and the ratio.
2. Posting kept scores to a platform on 127.0.0.1 (the tests' platform, lti1p3platform behind
   uvicorn): scores per second through ``send_pending`` (a token is fetched once, then
   remembered), against the same number of bare HTTP POSTs to the same server — the floor.

    python bench/lti.py [--submissions 200] [--rounds 3] [--scores 100]

Needs the PostgreSQL server at 127.0.0.1:5432 (EXGEN_TEST_POSTGRES overrides); it creates and
drops its own database. Numbers taken while other work runs are noisy: read the ratios.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from sqlalchemy import create_engine, text  # noqa: E402

ADMIN = os.environ.get("EXGEN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def database():
    name = f"exgen_bench_lti_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return admin, name, ADMIN.rsplit("/", 1)[0] + "/" + name


def submissions(url: str, count: int, rounds: int) -> None:
    import exgen.grading.store as store
    from exgen.storage.models import Student
    from exgen.storage.session import session_scope
    from service_helpers import answers
    from sqlalchemy import select

    with session_scope(url) as session:
        students = [(s.id, s.student_id) for s in session.scalars(select(Student).order_by(Student.id))]
    written = {sid: answers(url, sid)[0] for _, sid in students}
    real = store.mark_changed

    def run(mark) -> tuple[float, float]:
        store.mark_changed = mark
        try:
            cpu, wall = time.process_time(), time.perf_counter()
            for n in range(count):
                pk, sid = students[n % len(students)]
                with session_scope(url) as session:
                    student = session.get(Student, pk)
                    store.submit_answers(session, student, written[sid], "{}")
            return (time.process_time() - cpu) / count, (time.perf_counter() - wall) / count
        finally:
            store.mark_changed = real

    run(real)  # warm: graders, prepared statements
    best = {"with the LTI mark": (9e9, 9e9), "without it": (9e9, 9e9)}
    for _ in range(rounds):
        for label, mark in (("with the LTI mark", real), ("without it", lambda session, pks: 0)):
            cpu, wall = run(mark)
            best[label] = (min(best[label][0], cpu), min(best[label][1], wall))
    print(f"web submissions ({count} per round, best of {rounds}), PostgreSQL:")
    for label, (cpu, wall) in best.items():
        print(f"  {label:<18} {1000 * cpu:6.2f} ms CPU  {1000 * wall:6.2f} ms wall per submission")
    with_mark, without = best["with the LTI mark"], best["without it"]
    print(f"  ratio with/without: CPU {with_mark[0] / without[0]:.3f}, wall {with_mark[1] / without[1]:.3f}")


def passback(url: str, count: int) -> None:
    import httpx

    from cli_runner import run
    from exgen.lti.outcomes import send_pending
    from exgen.service.app import create_app
    from exgen.service.config import ServiceConfig
    from exgen.storage.models import LtiScore
    from exgen.storage.session import session_scope
    from lti_platform import LEARNER, Browser, Link, Member, Platform, serving
    from sqlalchemy import update

    platform = Platform()
    members = [Member(f"lms-{n}", f"Student {n}", [LEARNER], sourcedid=f"b{n:04d}") for n in range(count)]
    platform.course("c1", "Bench", members)
    with serving(lambda base: create_app(ServiceConfig(url, base_url=base))) as tool, platform.start(tool):
        from exgen.lti.outcomes import _OUTBOXES
        from exgen.storage.session import engine_for

        _OUTBOXES[engine_for(url)].stop()  # this run sends by itself
        run(url, *platform.register_args())
        browser = Browser(platform)
        for member in members:  # each learner launches once: added, linked, their page
            assert browser.launch(member, Link("c1", custom={"assignment": "hw3"})).status_code == 303
        from service_helpers import answers

        for member in members:
            with session_scope(url) as session:
                import exgen.grading.store as store
                from exgen.storage.models import Student
                from sqlalchemy import select

                student = session.scalar(select(Student).where(Student.student_id == member.sourcedid))
                store.submit_answers(session, student, answers(url, member.sourcedid)[0], "{}")
        with session_scope(url) as session:  # sent again from scratch, each round
            session.execute(update(LtiScore).values(pending=True, posted_submission_id=None, next_try_at=None))
        start = time.perf_counter()
        summary = send_pending(url)
        seconds = time.perf_counter() - start
        assert summary.sent == count, summary.line()
        with httpx.Client() as client:
            floor = time.perf_counter()
            for _ in range(count):
                client.get(platform.url("/jwks"))
            floor = time.perf_counter() - floor
    print(f"passback: {count} kept scores posted in {seconds:.2f} s ({count / seconds:.0f}/s; "
          f"{platform.token_requests} access token requests); {count} bare GETs to the same platform "
          f"{floor:.2f} s ({count / floor:.0f}/s); ratio {seconds / floor:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scores", type=int, default=100)
    args = parser.parse_args()
    from cli_runner import run
    from exgen.storage.session import dispose_all

    admin, name, url = database()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            roster = Path(tmp) / "roster.csv"
            roster.write_text("student_id,name\n" + "".join(f"s{n:03d},Student {n}\n" for n in range(50)))
            run(url, "assign", str(ROOT / "examples" / "hw3.toml"), "--roster", str(roster))
            submissions(url, args.submissions, args.rounds)
            passback(url, args.scores)
    finally:
        dispose_all()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(os.getloadavg() and f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
