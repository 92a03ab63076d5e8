"""Benchmark: exact solving against float64 baselines, side by side in one run.

Solves N random 2-2-1 specs (ReLU, sigmoid, half squared error)
  1. end to end with one `exgen solve specs.json --json` call (process start, parsing,
     exact solve, values + 40-digit exact strings + worked steps, JSON output),
  2. in-process: parse + exact solve (every quantity exactly), then + `values`/`exact`,
  3. with a PyTorch float64 autograd loop, one network at a time (if torch is installed:
     `pip install torch==2.13.0`), the issue's yardstick,
  4. with the fastest float64 numpy code: all N networks at once, vectorised.
Prints µs per spec and the ratio to the PyTorch loop.

    python bench/solve.py [N]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import best_of, two_layer_specs  # noqa: E402

from exgen.engine.solver import solve  # noqa: E402
from exgen.engine.spec import parse_spec  # noqa: E402
from exgen.notation.worked import solution_json  # noqa: E402


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


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    specs = two_layer_specs(n)
    rows = []

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "specs.json"
        path.write_text(json.dumps(specs))
        exgen = [sys.executable, "-m", "exgen", "solve", str(path), "--json"]

        def cli():
            subprocess.run(exgen, check=True, stdout=subprocess.DEVNULL, env=os.environ)

        rows.append(("exgen solve --json (end to end, with steps)", best_of(3, cli)))

    documents = json.loads(json.dumps(specs), parse_float=__import__("decimal").Decimal)
    rows.append(("parse + exact solve (in-process)",
                 best_of(3, lambda: [solve(parse_spec(d)) for d in documents])))
    solutions = [solve(parse_spec(d)) for d in documents]
    rows.append(("  values + exact strings (in-process)",
                 best_of(3, lambda: [s.to_json() for s in solutions])))
    rows.append(("  worked steps (in-process)",
                 best_of(3, lambda: [solution_json(s) for s in solutions]) - rows[-1][1]))

    try:
        baseline = best_of(3, torch_loop(specs))
        rows.append(("PyTorch float64 autograd loop", baseline))
        label = "PyTorch loop"
    except ImportError:
        baseline = 150e-6 * n  # the figure for this machine
        label = "150 µs (issue's PyTorch figure; torch not installed)"
    rows.append(("numpy float64, vectorised over all specs", best_of(5, numpy_vectorised(specs))))

    print(f"{n} random 2-2-1 specs; ratio = time / {label}")
    print(f"{'':48s} {'µs/spec':>9s} {'ratio':>7s}")
    for name, seconds in rows:
        print(f"{name:48s} {1e6 * seconds / n:9.2f} {seconds / baseline:7.3f}")


if __name__ == "__main__":
    main()
