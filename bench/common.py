"""Shared helpers for the benchmarks: deterministic random specs and a timer."""

from __future__ import annotations

import random
import time


def two_layer_specs(n: int, seed: int = 2026) -> list[dict]:
    """n random 2-2-1 specs (ReLU then sigmoid, half squared error), values like a worksheet's."""
    rng = random.Random(seed)

    def v(lo=-1.0, hi=1.0):
        return round(rng.uniform(lo, hi), 2)

    specs = []
    for _ in range(n):
        specs.append({
            "input": [v(-2, 2), v(-2, 2)],
            "target": [rng.choice([0, 1, 0.5, 0.8])],
            "loss": "half_squared_error",
            "learning_rate": rng.choice([0.01, 0.1, 0.5]),
            "layers": [
                {"weights": [[v(), v()], [v(), v()]], "bias": [v(), v()], "activation": "relu"},
                {"weights": [[v(), v()]], "bias": [v()], "activation": "sigmoid"},
            ],
        })
    return specs


def best_of(repeats: int, fn) -> float:
    """The fastest of several runs, in seconds (the least disturbed by the machine)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
