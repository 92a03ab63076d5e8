"""The seed's worked examples graded as their author answered them.

Example 2 (2-2-1, ReLU then sigmoid, half squared error) as written in
``shared/seed/backprop-worked-examples.md``, and what a careful teacher gives each item:

- z1, a1, z2: exact. ŷ = 0.824 for 0.82491 (3 significant figures): **correct**.
- L = 0.0155: 1.1 % above the exact 0.015328, but exactly what ½(1 − 0.824)² gives from the
  author's own ŷ: honest rounding, **correct**. ∂L/∂ŷ = −0.176: **correct** (0.5 % off).
- ∂L/∂z2 is never written (the author multiplies −0.176 × 0.145 inline): **missing**; nor are
  ∂L/∂b2, ∂L/∂b1, b1_new, b2_new and W1_new (the text stops after the output layer's update):
  **missing**.
- ∂L/∂v1 = −0.0461: 1.3 % off the exact −0.045518, but the product of the author's own numbers
  (−0.176 · 0.824 · 0.176 · 1.8 = −0.04594, 0.3 % away): rounding drift, **correct**; ∂L/∂v2
  = −0.0229 **correct**. The updates v1 = 0.400461 and v2 = 0.700229 follow from them:
  **correct**.
- ∂L/∂a_h1 = Σ_k ∂L/∂v_k · v_k = −0.03447: the mistake — weight gradients used in place of
  δ = ∂L/∂z2 (right: 0.4 · ∂L/∂z2 = −0.0101): **incorrect**, and the grader names it.
  ∂L/∂a_h2 = −0.0461·0.7 − 0.0229·0.3 = −0.03914 mixes in a hidden-layer weight (0.3) as
  well: **incorrect**, no single misconception matches.
- ∂L/∂z_h = ∂L/∂a_h · 1 and ∂L/∂w = ∂L/∂z_h · x are computed right from those wrong values:
  **follow-through** for all six (full credit by default, none for the two wrong items).

Example 1 (one identity neuron) is right throughout — the loss and the gradients are exactly 0,
so the "new" weights equal the old ones and that is correct, not a skipped update.
"""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from exgen.cli import cli
from exgen.grading.judge import Marker
from exgen.engine.solver import solve
from exgen.engine.spec import parse_spec

EXAMPLES = Path(__file__).parents[1] / "examples"

AUTHOR_2 = {
    "z1[1]": "1.8", "z1[2]": "0.9", "a1[1]": "1.8", "a1[2]": "0.9", "z2[1]": "1.55",
    "yhat[1]": "0.824", "loss": "0.0155", "dL/dyhat[1]": "-0.176",
    "dL/dW2[1,1]": "-0.0461", "dL/dW2[1,2]": "-0.0229",
    "dL/da1[1]": "-0.03447", "dL/da1[2]": "-0.03914",
    "dL/dz1[1]": "-0.03447", "dL/dz1[2]": "-0.03914",
    # the author's w_k1..w_k4 are the rows of dL/dW1
    "dL/dW1[1,1]": "-0.03447", "dL/dW1[1,2]": "-0.06894", "dL/dW1[2,1]": "-0.03914", "dL/dW1[2,2]": "-0.07828",
    "W2_new[1,1]": "0.400461", "W2_new[1,2]": "0.700229",
}
TEACHER_2 = {
    **dict.fromkeys(["z1[1]", "z1[2]", "a1[1]", "a1[2]", "z2[1]", "yhat[1]", "loss", "dL/dyhat[1]",
                     "dL/dW2[1,1]", "dL/dW2[1,2]", "W2_new[1,1]", "W2_new[1,2]"], "correct"),
    **dict.fromkeys(["dL/dz2[1]", "dL/db2[1]", "dL/db1[1]", "dL/db1[2]", "W1_new[1,1]", "W1_new[1,2]",
                     "W1_new[2,1]", "W1_new[2,2]", "b1_new[1]", "b1_new[2]", "b2_new[1]"], "missing"),
    "dL/da1[1]": "incorrect", "dL/da1[2]": "incorrect",
    **dict.fromkeys(["dL/dz1[1]", "dL/dz1[2]", "dL/dW1[1,1]", "dL/dW1[1,2]", "dL/dW1[2,1]", "dL/dW1[2,2]"],
                    "follow_through"),
}

AUTHOR_1 = {"z1[1]": "2.0", "yhat[1]": "2.0", "loss": "0", "dL/dyhat[1]": "0", "dL/dW1[1,1]": "0",
            "dL/dW1[1,2]": "0", "W1_new[1,1]": "0.4", "W1_new[1,2]": "-0.6"}


def marker(name):
    spec = parse_spec(tomllib.loads((EXAMPLES / f"{name}.toml").read_text()))
    solution = solve(spec)
    graph = solution.graph
    givens = {key: float(value) for key, value in spec.given_values().items()}
    exact = {cell.key: float(solution.values[cell.key]) for cell in graph.cells}
    return Marker(graph, givens, exact, [item for item, _ in solution.items()])


def test_the_seeds_second_example_as_its_author_answered_it():
    verdicts = {v.item: v for v in marker("seed-two-layer").judge(AUTHOR_2)}
    assert {item: v.status for item, v in verdicts.items()} == TEACHER_2
    mistake = verdicts["dL/da1[1]"]
    assert mistake.misconception == "weight_gradients_for_delta"
    assert "∂L/∂W2 were used in place of δ = ∂L/∂z2" in mistake.feedback
    assert verdicts["dL/da1[2]"].misconception == ""
    assert verdicts["dL/dW1[1,2]"].feedback == "follows correctly from your wrong answer to dL/da1[1]"
    assert verdicts["dL/dW1[2,2]"].feedback == "follows correctly from your wrong answer to dL/da1[2]"
    # the rounding-drift items are not within 1 % of the exact value: credit comes from the
    # author's own earlier answers
    for item in ("loss", "dL/dW2[1,1]", "W2_new[1,1]"):
        v = verdicts[item]
        assert abs(v.value - v.expected) > 0.01 * abs(v.expected) or item == "W2_new[1,1]"
        assert v.feedback == "right: within rounding of what your own earlier answers give"


def test_the_seeds_first_example_is_right_throughout():
    verdicts = {v.item: v for v in marker("seed-single-neuron").judge(AUTHOR_1)}
    assert {item: v.status for item, v in verdicts.items() if item in AUTHOR_1} == dict.fromkeys(AUTHOR_1, "correct")
    assert {item for item, v in verdicts.items() if v.status == "missing"} == {"dL/dz1[1]", "dL/db1[1]", "b1_new[1]"}
    assert verdicts["W1_new[1,1]"].expected == 0.4  # exactly no update: the old weight is right


def test_the_seeds_second_example_through_the_whole_pipeline(database_url, tmp_path):
    spec = (EXAMPLES / "seed-two-layer.toml").read_text()
    spec = spec.replace("[[layers]]", "[[exercise.spec.layers]]")
    (tmp_path / "seed.toml").write_text(
        'name = "seed"\nseed = 1\n\n[[exercise]]\nid = "ex2"\npoints = 31\n[exercise.spec]\n' + spec)
    (tmp_path / "roster.csv").write_text("student_id,name\nauthor,The seed's author\n")

    def run(*args, code=0):
        result = CliRunner().invoke(cli, ["--db", database_url, *args])
        assert result.exit_code == code, result.output
        return result.stdout

    run("assign", str(tmp_path / "seed.toml"), "--roster", str(tmp_path / "roster.csv"))
    run("answer-sheet", "seed", "--out", str(tmp_path / "sheet.csv"))
    header, row = list(csv.reader((tmp_path / "sheet.csv").open(newline="")))
    work_order = [item for item, _ in solve(parse_spec(tomllib.loads((EXAMPLES / "seed-two-layer.toml").read_text()))).items()]
    assert header == ["student_id"] + [f"ex2.{item}" for item in work_order] and set(work_order) == set(TEACHER_2)
    row = [row[0]] + [AUTHOR_2.get(item.removeprefix("ex2."), "") for item in header[1:]]
    with (tmp_path / "author.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([header, row])
    run("grade", "seed", str(tmp_path / "author.csv"))
    author = json.loads(run("results", "seed", "--json"))["students"]["author"]
    assert {item.removeprefix("ex2."): v["status"] for item, v in author["items"].items()} == TEACHER_2
    credited = sum(1 for status in TEACHER_2.values() if status in ("correct", "follow_through"))
    assert author["score"] == pytest.approx(credited)  # 31 points over 31 items: one per item
    assert author["items"]["ex2.dL/da1[1]"]["misconception"] == "weight_gradients_for_delta"
