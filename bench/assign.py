"""Benchmark: `exgen assign` for a class (default 1000 students × 2 exercises), end to end.

Runs, side by side in one run:
  1. `exgen assign examples/hw3.toml --roster <N students>` into a fresh SQLite database
     (process start, validation, vectorised screening, exact solving, storage) — the goal is < 3 s
     for 1000 × 2;
  2. the same in-process without the database, to show the screening cost per candidate;
  3. a baseline in the style of a simple peer tool: one candidate at a time in pure Python floats,
     answers rounded to 4 significant figures (no exact values, no storage).
Prints seconds, seconds per 1000 variants and the ratio to the baseline.

Then the class sizes 2,000 and 10,000: `exgen assign` in-process, each size in its own
subprocess so that peak memories (resource.getrusage ru_maxrss) do not mix, screened in chunks
(as shipped) and all students at once (SCREEN_CHUNK and INSERT_CHUNK set to the class size: how
assign worked before), side by side. The goal: under 400 MB at 10,000 students.

    python bench/assign.py [N] [--sizes 2000,10000]
    python bench/assign.py --one N [--unchunked]     # one size, prints JSON (used by the above)
"""

from __future__ import annotations

import json
import math
import os
import resource
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import best_of  # noqa: E402
from exgen.variants.assignment import parse_assignment  # noqa: E402
from exgen.variants.generator import Screening, generate  # noqa: E402
from exgen.engine.solver import solve  # noqa: E402


def peer_tool(n_students: int) -> None:
    """2-2-1 ReLU/sigmoid variants, one float candidate at a time, rejection by a few checks."""
    sig = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    r4 = lambda v: float(f"{v:.4g}")  # noqa: E731
    for s in range(n_students):
        rng = random.Random(s)
        while True:
            x = [rng.choice([-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2]) for _ in range(2)]
            W1 = [[round(rng.uniform(-1, 1), 1) for _ in range(2)] for _ in range(2)]
            b1 = [round(rng.uniform(-0.5, 0.5), 1) for _ in range(2)]
            W2 = [round(rng.uniform(-1, 1), 1) for _ in range(2)]
            b2 = round(rng.uniform(-0.5, 0.5), 1)
            y, lr = rng.choice([0, 1]), rng.choice([0.1, 0.5, 1])
            z1 = [W1[j][0] * x[0] + W1[j][1] * x[1] + b1[j] for j in range(2)]
            if any(abs(z) < 0.05 or z < 0 for z in z1):
                continue
            z2 = W2[0] * z1[0] + W2[1] * z1[1] + b2
            yhat = sig(z2)
            if not 0.02 < yhat < 0.98 or abs(yhat - y) < 0.05:
                continue
            d2 = (yhat - y) * yhat * (1 - yhat)
            dW2 = [d2 * a for a in z1]
            d1 = [W2[j] * d2 for j in range(2)]
            dW1 = [[d1[j] * x[i] for i in range(2)] for j in range(2)]
            grads = dW2 + [d2] + [g for row in dW1 for g in row] + d1
            if any(abs(lr * g) < 1e-4 for g in grads):
                continue
            answers = [r4(v) for v in z1 + [z2, yhat, 0.5 * (y - yhat) ** 2, d2] + grads]  # noqa: F841
            break


def one_size(n: int, unchunked: bool) -> None:
    """Child process: `exgen assign` of n students in-process; prints seconds and peak memory."""
    import time

    from exgen.cli import cli
    from exgen.storage import records
    from exgen.variants import generator

    if unchunked:
        generator.SCREEN_CHUNK = records.INSERT_CHUNK = n
    with tempfile.TemporaryDirectory() as tmp:
        roster = Path(tmp) / "roster.csv"
        roster.write_text("student_id,name\n" + "".join(f"s{i:05d},Student {i}\n" for i in range(n)))
        start = time.perf_counter()
        cli.main(["--db", f"sqlite:///{tmp}/bench.db", "assign", str(ROOT / "examples" / "hw3.toml"),
                  "--roster", str(roster)], standalone_mode=False)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    print(json.dumps({"students": n, "seconds": seconds, "peak_mb": peak}))


def class_sizes(sizes: list[int]) -> None:
    print(f"\n{'class size (hw3: 2 exercises)':32s} {'screening':>10s} {'seconds':>8s} {'s/1000 variants':>16s} "
          f"{'peak MB':>8s}")
    results = {}
    for n in sizes:
        for unchunked in (False, True):
            out = subprocess.run([sys.executable, __file__, "--one", str(n)] + (["--unchunked"] if unchunked else []),
                                 check=True, capture_output=True, text=True, env=os.environ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            results[n, unchunked] = r
            print(f"{n:>12,d} students{'':12s} {'all at once' if unchunked else 'chunked':>10s} "
                  f"{r['seconds']:8.1f} {r['seconds'] / (2 * n) * 1000:16.3f} {r['peak_mb']:8.0f}", flush=True)
    big = max(sizes)
    small = min(sizes)
    if big != small:
        growth = math.log(results[big, False]["seconds"] / results[small, False]["seconds"]) / math.log(big / small)
        print(f"time grows as N^{growth:.2f} from {small:,} to {big:,} students (chunked)")
    peak = results[big, False]["peak_mb"]
    print(f"peak memory at {big:,} students: {peak:.0f} MB chunked vs {results[big, True]['peak_mb']:.0f} MB all at "
          f"once ({'goal met' if peak < 400 else 'goal NOT met'}: < 400 MB)")


def main():
    if "--one" in sys.argv:
        one_size(int(sys.argv[sys.argv.index("--one") + 1]), "--unchunked" in sys.argv)
        return
    sizes = [2000, 10000]
    if "--sizes" in sys.argv:
        at = sys.argv.index("--sizes")
        sizes = [int(v) for v in sys.argv[at + 1].split(",")]
        del sys.argv[at:at + 2]
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        roster = Path(tmp) / "roster.csv"
        roster.write_text("student_id,name\n" + "".join(f"s{i:05d},Student {i}\n" for i in range(n)))

        def cli():
            db = Path(tmp) / "bench.db"
            if db.exists():
                db.unlink()
            subprocess.run([sys.executable, "-m", "exgen", "--db", f"sqlite:///{db}", "assign",
                            str(ROOT / "examples" / "hw3.toml"), "--roster", str(roster)],
                           check=True, capture_output=True, env=os.environ)

        rows.append((f"exgen assign, {n} students × 2 exercises", best_of(3, cli), 2 * n))

    definition = parse_assignment((ROOT / "examples" / "hw3.toml").read_text())
    ids = [f"s{i:05d}" for i in range(n)]
    report = Screening()

    def in_process():
        for exercise in definition.exercises:
            specs = generate(exercise.family, definition.seed, exercise.key, ids, set(exercise.ask), report)
            for sid in ids:
                solve(specs[sid])

    rows.append(("  in-process: screening + exact solving", best_of(3, in_process), 2 * n))
    report = Screening()
    for exercise in definition.exercises:
        generate(exercise.family, definition.seed, exercise.key, ids, set(exercise.ask), report)
    rows.append(("peer-tool style baseline (floats, one exercise)", best_of(3, lambda: peer_tool(n)), n))

    baseline = rows[-1][1] / rows[-1][2] * 1000
    print(f"{'':48s} {'seconds':>8s} {'s/1000 variants':>16s} {'ratio':>6s}")
    for name, seconds, count in rows:
        per = seconds / count * 1000
        print(f"{name:48s} {seconds:8.2f} {per:16.3f} {per / baseline:6.2f}")
    print(f"screening: {report.candidates} candidates in {report.seconds:.3f} s = "
          f"{1e6 * report.seconds / report.candidates:.2f} µs per candidate "
          f"({report.candidates / (2 * n):.0f} candidates per variant)")
    class_sizes(sizes)


if __name__ == "__main__":
    main()
