"""Benchmark: `exgen assign` for a class (default 1000 students × 2 exercises), end to end.

Runs, side by side in one run:
  1. `exgen assign examples/hw3.toml --roster <N students>` into a fresh SQLite database
     (process start, validation, vectorised screening, exact solving, storage) — the goal is < 3 s
     for 1000 × 2;
  2. the same in-process without the database, to show the screening cost per candidate;
  3. a baseline in the style of a simple peer tool: one candidate at a time in pure Python floats,
     answers rounded to 4 significant figures (no exact values, no storage).
Prints seconds, seconds per 1000 variants and the ratio to the baseline.

    python bench/assign.py [N]
"""

from __future__ import annotations

import math
import os
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


def main():
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


if __name__ == "__main__":
    main()
