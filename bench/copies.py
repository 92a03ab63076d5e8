"""Benchmark: the copy search (``exgen results`` flags) for growing classes.

A generated 2-2-1 class (31 items a student) of honest students working in every way of the
simulated class, with a few copiers; each answer marked by the real grader first (not timed).
Runs, side by side in one run, for each class size:

  1. ``find_copies`` (the indexed search: a few buckets per answer);
  2. baseline: the same question asked naively — every evidence answer compared with every
     classmate's exact value and answer of that item (all pairs, O(N²) per item).

Prints seconds, intervals tested, the ratio to the naive baseline, and the growth from one
size to the next (linear: ×2 for twice the students; quadratic: ×4).

    python bench/copies.py [SIZES ...]      (default 250 500 1000)
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bench.common import best_of  # noqa: E402
from copies_class import build_class  # noqa: E402
from exgen.grading.copies import find_copies  # noqa: E402
from exgen.grading.tolerance import tolerance  # noqa: E402


def naive(variants, answers) -> int:
    """Every evidence answer against every classmate's exact value and answer: the pairs tested."""
    own = {(v.student_id, v.exercise): v for v in variants}
    tests = 0
    for sid, items in answers.items():
        for full_item, answer in items.items():
            if not answer.evidence:
                continue
            exercise, _, item = full_item.partition(".")
            for other in answers:
                if other == sid:
                    continue
                theirs = own[(other, exercise)]
                exact, old = theirs.exact[item], theirs.old.get(item)
                tol = tolerance(exact, old)
                tests += 2
                _ = abs(answer.value - exact) <= tol
                mine = answers[other].get(full_item)
                if mine is not None:
                    _ = math.isclose(answer.value, mine.value)
    return tests


def main(sizes):
    previous = None
    print(f"{'students':>8}  {'indexed s':>9}  {'intervals':>9}  {'naive s':>8}  {'pairs':>10}  "
          f"{'naive/indexed':>13}  {'growth':>6}  flags")
    for n in sizes:
        copiers = {f"s{k:04d}": f"s{k + 1:04d}" for k in range(3, n, max(1, n // 5))}
        variants, answers = build_class(n, copiers=copiers)
        seconds = best_of(3, lambda: find_copies(variants, answers))
        flags, checks = find_copies(variants, answers)
        naive_seconds = best_of(1, lambda: naive(variants, answers))
        pairs = naive(variants, answers)
        growth = f"×{seconds / previous:.1f}" if previous else ""
        previous = seconds
        found = {f.student_id for f in flags} & set(copiers)
        print(f"{n:>8}  {seconds:>9.3f}  {checks:>9}  {naive_seconds:>8.2f}  {pairs:>10}  "
              f"{naive_seconds / seconds:>12.1f}×  {growth:>6}  {len(flags)} ({len(found)} of {len(copiers)} copiers)")
    print(f"copy search: {sizes[-1]} students in {seconds:.3f} s")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [250, 500, 1000])
