"""Benchmark: `exgen grade` for a class (default 300 students × hw3 = 42 items each), on SQLite.

A realistic class: most students hand-round to 3–4 significant figures, some slip early in the
chain (follow-through downstream), some make a misconception, some leave cells blank or write
junk. Runs, side by side in one run:

  1. `exgen grade hw3 answers.csv` end to end (process start, reading, judging, storing, commit),
     each repetition on a fresh copy of the assigned database — the goal is ≥ 5,000 answers/s;
  2. the same in-process (no process start or imports), then where the time goes: loading the
     assignment and preparing one Marker per variant, reading the CSV, parsing + judging every
     answer, storing (bulk inserts and commit), and the process start with its imports;
  3. baselines: plain comparison with the exact value (float() and the tolerance, no
     follow-through, no misconceptions), and storing the same number of result rows without
     judging anything.
Prints seconds, answers per second and the ratio to the plain-comparison baseline.

Then how grading scales: `exgen grade` (in-process, end to end) of 1,000 and 5,000 students,
each run in its own subprocess (the class is assigned and its sheet written in another one
first), best of 3 runs alternating between the sizes, with the time, the peak memory
(resource.getrusage ru_maxrss) and the growth exponent of both: time ∝ N^k, the goal k ≤ 1.1.

    python bench/grade.py [STUDENTS] [--sizes 1000,5000] [--scaling-only]
    python bench/grade.py --build N DIR | --grade-one DIR   # the steps of the above
"""

from __future__ import annotations

import csv
import json
import math
import os
import resource
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import best_of  # noqa: E402
from exgen.engine.arithmetic import ScalarFloatArithmetic  # noqa: E402
from exgen.variants.assignment import parse_assignment  # noqa: E402
from exgen.storage.session import dispose_all, session_scope  # noqa: E402
from exgen.grading.reading import read_number  # noqa: E402
from exgen.grading.sheet import read_sheet, sheet_items  # noqa: E402
from exgen.grading.store import CHUNK, Grader, _insert, grade_sheet  # noqa: E402
from exgen.storage.records import assign, find_assignment, load_assignment  # noqa: E402
from exgen.variants.roster import RosterEntry  # noqa: E402
from exgen.grading.tolerance import tolerance  # noqa: E402

A = ScalarFloatArithmetic()


def student_answers(variant, rng: random.Random) -> dict[str, str]:
    """One student's sheet for one variant: hand-rounded work with the odd slip, blank or junk."""
    solution = variant.solution
    graph = solution.graph
    figures = rng.choice([3, 4, 4, 6])
    slip_at = rng.randrange(len(graph.cells)) if rng.random() < 0.25 else None
    values = {k: float(v) for k, v in solution.spec.given_values().items()}
    out = {}
    for n, cell in enumerate(graph.cells):
        v = cell.compute(values, A)
        if n == slip_at:
            v *= rng.choice([-1, 2, 0.5, 1.3])
        v = round(v, 6) if cell.key[0].endswith("_new") else float(f"{v:.{figures}g}")
        values[cell.key] = v
        item = graph.item(cell.key)
        roll = rng.random()
        out[item] = "" if roll < 0.03 else rng.choice(["abc", "=1+1", "1,500"]) if roll < 0.04 else (
            f"{v:.6f}" if cell.key[0].endswith("_new") else f"{v:.{figures}g}")
    return out


def build(tmp: Path, students: int) -> tuple[str, Path, int]:
    """An assigned database and a filled answer sheet; returns (db path, sheet, answers)."""
    db = tmp / "assigned.db"
    url = f"sqlite:///{db}"
    definition = parse_assignment((ROOT / "examples" / "hw3.toml").read_text())
    with session_scope(url) as session:
        assign(session, definition, [RosterEntry(f"s{n:04d}", f"Student {n}") for n in range(students)])
    with session_scope(url) as session:
        record = load_assignment(session, "hw3")
    items = sheet_items(record)
    rng = random.Random(2026)
    sheet = tmp / "answers.csv"
    with sheet.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", *items])
        for student in record.students:
            sid = student["student_id"]
            cells = {}
            for exercise in record.exercises:
                variant = record.variant(sid, exercise["key"])
                cells.update({f"{exercise['key']}.{k}": v for k, v in student_answers(variant, rng).items()})
            writer.writerow([sid, *(cells[item] for item in items)])
    dispose_all()
    return str(db), sheet, students * len(items)


def fresh(db: str, tmp: Path, n: int) -> str:
    copy = tmp / f"run{n}.db"
    shutil.copy(db, copy)
    return f"sqlite:///{copy}"


def grade_one(directory: Path) -> None:
    """Child process: `exgen grade` of the sheet built in ``directory``, on a fresh copy of the
    assigned database; prints JSON."""
    import time

    from exgen.cli import cli

    copy = directory / "graded.db"
    shutil.copy(directory / "assigned.db", copy)
    start = time.perf_counter()
    cli.main(["--db", f"sqlite:///{copy}", "grade", "hw3", str(directory / "answers.csv")], standalone_mode=False)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    answers = int((directory / "answers").read_text())
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "answers": answers}))


def scaling(sizes: list[int], repeats: int = 3) -> None:
    """Each size assigned once; then the grading runs alternate between the sizes (the machine's
    load hits both alike) and the fastest of each size counts."""
    print(f"\n{'class size (hw3, 42 items)':30s} {'answers':>9s} {'seconds':>8s} {'answers/s':>10s} {'peak MB':>8s}")
    results: dict[int, dict] = {}
    with tempfile.TemporaryDirectory() as name:
        folders = {}
        for n in sizes:
            folders[n] = Path(name) / str(n)
            folders[n].mkdir()
            subprocess.run([sys.executable, __file__, "--build", str(n), str(folders[n])], check=True,
                           env=os.environ, stdout=subprocess.DEVNULL)
        for _ in range(repeats):
            for n in sizes:
                out = subprocess.run([sys.executable, __file__, "--grade-one", str(folders[n])], check=True,
                                     env=os.environ, capture_output=True, text=True).stdout
                r = json.loads(out.strip().splitlines()[-1])
                best = results.setdefault(n, r)
                best["seconds"] = min(best["seconds"], r["seconds"])
                best["peak_mb"] = max(best["peak_mb"], r["peak_mb"])
    for n in sizes:
        r = results[n]
        print(f"{n:>12,d} students{'':9s} {r['answers']:9,d} {r['seconds']:8.2f} {r['answers'] / r['seconds']:10,.0f} "
              f"{r['peak_mb']:8.0f}")
    small, big = min(sizes), max(sizes)
    if small != big:
        k = math.log(results[big]["seconds"] / results[small]["seconds"]) / math.log(big / small)
        m = math.log(results[big]["peak_mb"] / results[small]["peak_mb"]) / math.log(big / small)
        print(f"time grows as N^{k:.2f} ({'goal met' if k <= 1.1 else 'goal NOT met'}: ≤ 1.1), "
              f"peak memory as N^{m:.2f}, from {small:,} to {big:,} students (best of {repeats} runs each)")


def main():
    if "--build" in sys.argv:
        at = sys.argv.index("--build")
        directory = Path(sys.argv[at + 2])
        db, sheet, answers = build(directory, int(sys.argv[at + 1]))
        (directory / "answers").write_text(str(answers))
        return
    if "--grade-one" in sys.argv:
        grade_one(Path(sys.argv[sys.argv.index("--grade-one") + 1]))
        return
    sizes = [1000, 5000]
    if "--sizes" in sys.argv:
        at = sys.argv.index("--sizes")
        sizes = [int(v) for v in sys.argv[at + 1].split(",")]
        del sys.argv[at:at + 2]
    if "--scaling-only" in sys.argv:
        scaling(sizes)
        return
    students = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        db, sheet, answers = build(tmp, students)
        data = sheet.read_bytes()
        runs = iter(range(1000))
        rows = []

        def end_to_end():
            env = {**os.environ, "EXGEN_DATABASE_URL": fresh(db, tmp, next(runs))}
            subprocess.run([sys.executable, "-m", "exgen", "grade", "hw3", str(sheet)], check=True, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)

        rows.append(("exgen grade (end to end, new process)", best_of(3, end_to_end)))

        def in_process():
            url = fresh(db, tmp, next(runs))
            with session_scope(url) as session:
                items = sheet_items(load_assignment(session, "hw3"))
                grade_sheet(session, "hw3", read_sheet(data, "answers.csv", items))

        rows.append(("grade in-process (read, judge, store, commit)", best_of(3, in_process)))

        # where the time goes
        url = fresh(db, tmp, next(runs))
        with session_scope(url) as session:
            record = load_assignment(session, "hw3")
            assignment = find_assignment(session, "hw3")

            def prepare():
                grader = Grader(session, assignment, load_assignment(session, "hw3"))
                for variant in grader.record.variants:
                    grader.marker(variant)
                return grader

            rows.append(("  load assignment + one Marker per variant", best_of(3, prepare)))
            grader = prepare()
        items = sheet_items(record)
        rows.append(("  read the CSV", best_of(3, lambda: read_sheet(data, "answers.csv", items))))
        parsed = read_sheet(data, "answers.csv", items)
        judged_rows = []

        def judge_all():
            judged_rows.clear()
            for row in parsed.rows:
                judged_rows.append(grader.judge(row.student_ref, row.cells))

        rows.append(("  parse + judge every answer", best_of(3, judge_all)))
        rows.append(("    of which parsing the numbers",
                     best_of(3, lambda: [read_number(text) for row in parsed.rows for text in row.cells.values()])))
        statuses = {}
        for item_rows in judged_rows:
            for r in item_rows:
                statuses[r["status"]] = statuses.get(r["status"], 0) + 1

        def store_bulk():
            url = fresh(db, tmp, next(runs))
            with session_scope(url) as session:
                a = find_assignment(session, "hw3")
                submissions = [{
                    "assignment_id": a.id, "student_ref": row.student_ref, "student_pk": None,
                    "source_name": "answers.csv", "source_sha256": "x", "line": row.line, "raw": row.raw,
                    "cells": row.cells, "status": "graded", "problem": "", "current": False}
                    for row in parsed.rows]
                for n in range(0, len(submissions), CHUNK):
                    _insert(session, submissions[n:n + CHUNK], judged_rows[n:n + CHUNK])

        rows.append(("  store: bulk inserts + commit", best_of(3, store_bulk)))

        def open_database():
            from exgen.storage.session import engine_for

            engine_for(fresh(db, tmp, next(runs)))

        rows.append(("  open the database (engine, Alembic check)", best_of(3, open_database)))

        def start_only():
            env = {**os.environ, "EXGEN_DATABASE_URL": fresh(db, tmp, next(runs))}
            subprocess.run([sys.executable, "-m", "exgen", "results", "hw3", "--json"], check=True, env=env,
                           stdout=subprocess.DEVNULL, cwd=ROOT)

        rows.append(("  a small command (exgen results): start, imports", best_of(3, start_only)))

        # baseline: a plain comparison with the exact value, nothing else
        markers = [(grader.marker(record.variant(row.student_ref, e["key"])), e["key"]) for row in parsed.rows
                   for e in record.exercises]
        per_row = len(record.exercises)

        def plain():
            for n, row in enumerate(parsed.rows):
                for marker, exercise in markers[n * per_row:(n + 1) * per_row]:
                    for item, key in marker.asked:
                        try:
                            value = float(row.cells[f"{exercise}.{item}"])
                        except ValueError:
                            continue
                        abs(value - marker.exact[key]) <= tolerance(marker.exact[key], marker.old.get(key))

        baseline = best_of(3, plain)
        rows.append(("baseline: float() + tolerance vs exact only", baseline))

    total = sum(statuses.values())
    print(f"{students} students × {len(items)} items = {answers} answers on SQLite; "
          + ", ".join(f"{k} {100 * v / total:.1f} %" for k, v in sorted(statuses.items())))
    print(f"{'':48s} {'seconds':>8s} {'answers/s':>10s} {'ratio':>7s}")
    for name, seconds in rows:
        print(f"{name:48s} {seconds:8.3f} {answers / seconds:10.0f} {seconds / baseline:7.1f}")
    print(f"\nGoal: ≥ 5,000 answers/s end to end: {answers / rows[0][1]:,.0f} answers/s "
          f"({'met' if answers / rows[0][1] >= 5000 else 'NOT met'})")
    scaling(sizes)


if __name__ == "__main__":
    main()
