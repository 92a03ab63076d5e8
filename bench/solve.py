"""Benchmark: exact solving against float64 baselines, side by side in one run.

Solves N random 2-2-1 specs (ReLU, sigmoid, half squared error)
  1. end to end with one `exgen solve specs.json --json` call (process start, parsing,
     exact solve, values + 40-digit exact strings + worked steps, JSON output),
  2. in-process, the same work in its parts: reading the specs, the exact solve, the JSON text,
  3. with a PyTorch float64 autograd loop, one network at a time (if torch is installed:
     `pip install torch==2.13.0`), the issue's yardstick,
  4. with the fastest float64 numpy code: all N networks at once, vectorised.
Prints µs per spec and the ratio to the PyTorch loop, in wall-clock time and in CPU time (the
process's own user + system time: less disturbed when other work shares the machine, so it is
printed too). The end-to-end run uses one worker process per CPU (`exgen solve --jobs`); it is
timed in one process too. With `--rounds R` the end-to-end comparison is repeated R times (each
round times both sides again), the spread of the ratios is printed with the machine's load, and
the summary gives the median round (the table shows the last).

    python bench/solve.py [N] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import two_layer_specs  # noqa: E402

from exgen.batch import default_jobs  # noqa: E402
from exgen.engine.solver import solve  # noqa: E402
from exgen.engine.spec import load_documents, parse_spec  # noqa: E402
from exgen.notation.worked import solution_json_text  # noqa: E402


def timed(repeats: int, fn) -> tuple[float, float]:
    """(wall, CPU) seconds of the fastest of several runs; CPU counts finished children too."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu, wall = time.process_time(), time.perf_counter()
        fn()
        wall = time.perf_counter() - wall
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = time.process_time() - cpu + (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    return best_wall, best_cpu


def torch_loop(specs):
    import torch

    torch.set_num_threads(1)

    def run():
        for s in specs:
            x = torch.tensor(s["input"], dtype=torch.float64)
            y = torch.tensor(s["target"], dtype=torch.float64)
            W1 = torch.tensor(s["layers"][0]["weights"], dtype=torch.float64, requires_grad=True)
            b1 = torch.tensor(s["layers"][0]["bias"], dtype=torch.float64, requires_grad=True)
            W2 = torch.tensor(s["layers"][1]["weights"], dtype=torch.float64, requires_grad=True)
            b2 = torch.tensor(s["layers"][1]["bias"], dtype=torch.float64, requires_grad=True)
            z1 = W1 @ x + b1
            a1 = torch.relu(z1)
            yhat = torch.sigmoid(W2 @ a1 + b2)
            loss = 0.5 * ((y - yhat) ** 2).sum()
            loss.backward()
            with torch.no_grad():
                lr = s["learning_rate"]
                _ = (W1 - lr * W1.grad, b1 - lr * b1.grad, W2 - lr * W2.grad, b2 - lr * b2.grad)

    return run


def numpy_vectorised(specs):
    X = np.array([s["input"] for s in specs])
    Y = np.array([s["target"] for s in specs])
    W1 = np.array([s["layers"][0]["weights"] for s in specs])
    b1 = np.array([s["layers"][0]["bias"] for s in specs])
    W2 = np.array([s["layers"][1]["weights"] for s in specs])
    b2 = np.array([s["layers"][1]["bias"] for s in specs])
    lr = np.array([s["learning_rate"] for s in specs])

    def run():
        z1 = np.einsum("nji,ni->nj", W1, X) + b1
        a1 = np.maximum(z1, 0)
        z2 = np.einsum("nji,ni->nj", W2, a1) + b2
        yhat = 1 / (1 + np.exp(-z2))
        loss = 0.5 * ((Y - yhat) ** 2).sum(axis=1)
        d_yhat = yhat - Y
        dz2 = d_yhat * yhat * (1 - yhat)
        dW2 = dz2[:, :, None] * a1[:, None, :]
        da1 = np.einsum("nji,nj->ni", W2, dz2)
        dz1 = da1 * (z1 > 0)
        dW1 = dz1[:, :, None] * X[:, None, :]
        _ = (loss, W1 - lr[:, None, None] * dW1, b1 - lr[:, None] * dz1,
             W2 - lr[:, None, None] * dW2, b2 - lr[:, None] * dz2)

    return run


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=1, help="repeat the end-to-end comparison")
    parser.add_argument("--compare", metavar="DIR", help="also time `exgen solve` of another "
                        "checkout (e.g. `git archive` of an older commit), side by side")
    args = parser.parse_args()
    n = args.n
    specs = two_layer_specs(n)
    try:
        baseline_run = torch_loop(specs)
        baseline_run()  # warm up
        label = "PyTorch loop"
    except ImportError:
        baseline_run = None
        label = "150 µs (the issue's PyTorch figure; torch not installed)"
    print(f"{n} random 2-2-1 specs; ratio = time / {label}; load average {load()}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "specs.json"
        text = json.dumps(specs)
        path.write_text(text)
        exgen = [sys.executable, "-m", "exgen", "solve", str(path), "--json"]

        def cli(*extra, tree=None):
            env = dict(os.environ, PYTHONPATH=tree) if tree else os.environ
            return lambda: subprocess.run(exgen + list(extra), check=True, stdout=subprocess.DEVNULL,
                                          env=env, cwd=tree)

        def baseline():
            return timed(3, baseline_run) if baseline_run else (150e-6 * n, 150e-6 * n)

        ratios = []
        for r in range(args.rounds):
            end_to_end, reference = timed(3, cli()), baseline()
            one_process = timed(3, cli("--jobs", "1"))
            other = timed(3, cli(tree=str(Path(args.compare).resolve()))) if args.compare else (0.0, 0.0)
            ratios.append((end_to_end[0] / reference[0], end_to_end[1] / reference[1],
                           one_process[0] / reference[0], one_process[1] / reference[1],
                           other[0] / reference[0], other[1] / reference[1]))
            if args.rounds > 1:
                print(f"  round {r + 1}: end to end / {label}: wall {ratios[-1][0]:.3f}, "
                      f"CPU {ratios[-1][1]:.3f}; one process: wall {ratios[-1][2]:.3f}, "
                      f"CPU {ratios[-1][3]:.3f}"
                      + (f"; {args.compare}: wall {ratios[-1][4]:.3f}, CPU {ratios[-1][5]:.3f}"
                         if args.compare else "") + f" (load {load()})", flush=True)

    rows = [(f"exgen solve --json (end to end, {default_jobs()} workers)", end_to_end),
            ("exgen solve --json --jobs 1 (one process)", one_process)]
    if args.compare:
        rows.append((f"exgen solve --json of {Path(args.compare).name}", other))
    documents = load_documents(text, "json")[0]
    rows.append(("  read + validate the specs (in-process)",
                 timed(3, lambda: [parse_spec(d) for d in load_documents(text, "json")[0]])))
    parsed = [parse_spec(d) for d in documents]
    rows.append(("  exact solve (in-process)", timed(3, lambda: [solve(p) for p in parsed])))
    solutions = [solve(p) for p in parsed]

    def json_text():
        for s in solutions:
            s._exact.clear()  # each run writes every exact string again
            s._exact_lists.clear()
        [solution_json_text(s) for s in solutions]

    rows.append(("  values + exact + steps as JSON text (in-process)", timed(3, json_text)))
    rows.append(("PyTorch float64 autograd loop" if baseline_run else label, reference))
    rows.append(("numpy float64, vectorised over all specs", timed(5, numpy_vectorised(specs))))

    print(f"{'':52s} {'µs/spec':>9s} {'ratio':>7s} {'CPU µs':>9s} {'ratio':>7s}")
    for name, (wall, cpu) in rows:
        print(f"{name:52s} {1e6 * wall / n:9.2f} {wall / reference[0]:7.3f} "
              f"{1e6 * cpu / n:9.2f} {cpu / reference[1]:7.3f}")
    if args.rounds > 1:
        columns = [(0, "wall"), (1, "CPU"), (2, "one-process wall"), (3, "one-process CPU")]
        if args.compare:
            columns += [(4, f"{Path(args.compare).name} wall"), (5, f"{Path(args.compare).name} CPU")]
        for column, name in columns:
            values = [r[column] for r in ratios]
            print(f"end to end over {args.rounds} rounds, {name} ratio: min {min(values):.3f} "
                  f"median {statistics.median(values):.3f} max {max(values):.3f}")
        print(f"load average now {load()}")
    # the median round: one disturbed round on a shared machine does not decide the summary
    wall, cpu, one_wall, one_cpu = (statistics.median(r[column] for r in ratios) for column in range(4))
    rounds = f" (median of {args.rounds} rounds)" if args.rounds > 1 else ""
    print(f"summary: exgen solve --json / {label}: {wall:.2f}x wall, {cpu:.2f}x CPU "
          f"({one_wall:.2f}x, {one_cpu:.2f}x in one process){rounds}")


if __name__ == "__main__":
    main()
