"""What assign accepts can break no later command (issue 12): every bad input is refused by
assign with one line naming the field (nothing is stored), and inputs at the edges of what is
valid go through the whole chain — variants, render, answer-sheet, grade, results --json and
every export format."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from exgen.cli import cli
from exgen.storage.records import load_assignment
from exgen.storage.session import session_scope

ROSTER = "student_id,name\ns1,Ann\ns2,Bob\n"
HEAD = 'name = "hw"\nseed = 3\n'
TWO_LAYER = '[[exercise]]\nid = "q1"\npreset = "two-layer"\n'
LEAKY = TWO_LAYER + '[exercise.family]\nactivations = ["leaky_relu", "sigmoid"]\n'

BAD = [
    # learning rates: variants and export crashed on a stored negative or zero rate
    (HEAD + TWO_LAYER + "[exercise.family]\nlearning_rate = [-0.1]\n", ROSTER,
     "exercise[1].family.learning_rate[1]: must be positive, got -0.1"),
    (HEAD + TWO_LAYER + "[exercise.family]\nlearning_rate = [0, 0.5]\n", ROSTER,
     "exercise[1].family.learning_rate[1]: must be positive, got 0"),
    (HEAD + TWO_LAYER + "[exercise.family]\nlearning_rate = {min = -0.5, max = 0.5, step = 0.5}\n", ROSTER,
     "exercise[1].family.learning_rate: holds -0.5; every value must be positive"),
    (HEAD + TWO_LAYER + "[exercise.family]\nlearning_rate = [nan]\n", ROSTER,
     "exercise[1].family.learning_rate[1]: must be a finite number, got nan"),
    # points: inf/inf gave nan, Infinity in results --json and a crash in canvas-grades
    (HEAD + TWO_LAYER + "points = inf\n", ROSTER, "exercise[1].points: must be a finite number, got inf"),
    (HEAD + TWO_LAYER + "points = nan\n", ROSTER, "exercise[1].points: must be a finite number, got nan"),
    (HEAD + TWO_LAYER + "points = 1e308\n", ROSTER, "exercise[1].points: must be a positive number from 0.01 to 10,000"),
    (HEAD + TWO_LAYER + "points = 0\n", ROSTER, "exercise[1].points: must be a positive number from 0.01 to 10,000"),
    (HEAD + TWO_LAYER + "points = 1e-999999999\n", ROSTER,
     "exercise[1].points: must be 0 or at least 1e-6 away from 0, got 1e-999999999"),
    # names and ids: "$" let a trailing newline through
    ('name = "hw\\n"\nseed = 3\n' + TWO_LAYER, ROSTER, "name: must be a short handle"),
    (HEAD + '[[exercise]]\nid = "q1\\n"\npreset = "two-layer"\n', ROSTER, "exercise[1].id: must be a short id"),
    (HEAD + 'title = "Homework\\u0000 3"\n' + TWO_LAYER, ROSTER, "title: contains a control character (U+0000)"),
    (HEAD + 'course = "NN\\n101"\n' + TWO_LAYER, ROSTER, "course: contains a control character (U+000A)"),
    # instructions and grading settings
    (HEAD + "[instructions]\nsignificant_figures = 0\n" + TWO_LAYER, ROSTER,
     "instructions.significant_figures: must be a whole number from 2 to 12, got 0"),
    (HEAD + "[instructions]\nsignificant_figures = 2.5\n" + TWO_LAYER, ROSTER,
     "instructions.significant_figures: must be a whole number from 2 to 12, got 2.5"),
    (HEAD + "[instructions]\nparameter_decimals = 3\n" + TWO_LAYER, ROSTER,
     "instructions.parameter_decimals: must be a whole number from 4 to 12, got 3"),
    (HEAD + "[instructions]\nsignificant_figures = 1e999999999\n" + TWO_LAYER, ROSTER,
     "instructions.significant_figures: must be a whole number from 2 to 12, got 1e999999999"),
    (HEAD + "[grading]\nfollow_through_credit = nan\n" + TWO_LAYER, ROSTER,
     "grading.follow_through_credit: must be a finite number, got nan"),
    (HEAD + "[grading]\nfollow_through_credit = -inf\n" + TWO_LAYER, ROSTER,
     "grading.follow_through_credit: must be a finite number, got -inf"),
    # the leaky slope, as a spec would refuse it
    (HEAD + LEAKY + "negative_slope = -1\n", ROSTER, "exercise[1].family.negative_slope: must not be negative, got -1"),
    # grids
    (HEAD + TWO_LAYER + "[exercise.family]\nweights = [0.5, 1e308]\n", ROSTER,
     "exercise[1].family.weights[2]: must be between -1e6 and 1e6, got 1e308"),
    (HEAD + TWO_LAYER + "[exercise.family]\nbias = {min = -inf, max = 1, step = 0.5}\n", ROSTER,
     "exercise[1].family.bias.min: must be a finite number, got -inf"),
    # roster cells that reached the gradebooks
    (HEAD + TWO_LAYER, "student_id,name\ns1,A\x00nn\n", "roster.csv: line 2, column 2: contains a control character (U+0000)"),
    (HEAD + TWO_LAYER, 'student_id,name\n"s1\n2",Ann\n', "roster.csv: line 2, column 1: contains a control character (U+000A)"),
    (HEAD + TWO_LAYER, "student_id,name,email\ns1,Ann,ann@x\x1b[0m\n",
     "roster.csv: line 2, column 3: contains a control character (U+001B)"),
]


@pytest.mark.parametrize("text,roster,message", BAD, ids=[m.split(":")[0] + f"-{n}" for n, (_, _, m) in enumerate(BAD)])
def test_assign_refuses_with_the_field_and_stores_nothing(tmp_path, text, roster, message):
    (tmp_path / "hw.toml").write_text(text, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(roster, encoding="utf-8", newline="")
    url = f"sqlite:///{tmp_path / 'exgen.db'}"
    result = CliRunner().invoke(cli, ["--db", url, "assign", str(tmp_path / "hw.toml"),
                                      "--roster", str(tmp_path / "roster.csv")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "exgen.db").exists()  # refused before any database was opened


# -- the edges of what is valid, through every later command ---------------------------------------
EDGES = {
    # the low ends: 2 significant figures, 4 decimals, a hundredth of a point, no follow-through
    # credit, a leaky ReLU with slope 0, a fixed spec with literals at the smallest and largest
    # sizes and 15 significant digits
    "low": '''name = "{name}"
title = "{title}"
course = "Кафедра нейронных сетей — 神经网络 — 🧠"
seed = 0
[instructions]
significant_figures = 2
parameter_decimals = 4
[grading]
follow_through_credit = 0
[[exercise]]
id = "{exercise}"
preset = "two-layer"
points = 0.01
[exercise.family]
activations = ["leaky_relu", "sigmoid"]
negative_slope = 0
[[exercise]]
id = "fixed"
points = 10000
[exercise.spec]
input = [1e6, -0.000001]
target = [0.123456789012345]
loss = "squared_error"
learning_rate = 0.000001
[[exercise.spec.layers]]
weights = [[0.000001, -999999.999999999]]
bias = [1000000]
activation = "identity"
''',
    # the high ends: 12 figures and decimals, full follow-through credit, the largest points
    "high": '''name = "h"
seed = 2147483647
[instructions]
significant_figures = 12
parameter_decimals = 12
[grading]
follow_through_credit = 1
[[exercise]]
id = "q"
preset = "single-neuron"
points = 10000
[exercise.family]
learning_rate = [0.99]
[[exercise]]
id = "r"
points = 0.01
[exercise.spec]
input = [0.5, -1]
target = [1]
loss = "binary_cross_entropy"
learning_rate = 1000000
[[exercise.spec.layers]]
weights = [[0.25, 0.75]]
bias = [-0.5]
activation = "sigmoid"
''',
}
LONG_ID = "a-b_c.d" + "7" * 93  # 100 characters, all allowed
ROSTER_EDGES = [
    ["student_id", "name", "email", "section"],
    [LONG_ID, "李" * 300, "x" * 988 + "@example.org", "=HYPERLINK(\"http://x\")"],
    ["a/b", "@Mallory -1+1", "m@example.org", "\u05d0\u05d1 (RTL)"],
]


def run(url, *args):
    result = CliRunner().invoke(cli, ["--db", url, *args])
    assert result.exit_code == 0, (args[0], result.output, result.exception)
    return result.output


def strict_json(text: str):
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))


@pytest.mark.parametrize("end", sorted(EDGES))
def test_inputs_at_the_edges_go_through_every_later_command(database_url, tmp_path, end):
    name = "e" * 99 + "9" if end == "low" else "h"
    text = EDGES[end].format(name=name, title=("Übung ✓ " * 40)[:300], exercise="x" * 50)
    (tmp_path / "hw.toml").write_text(text, encoding="utf-8")
    with (tmp_path / "roster.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(ROSTER_EDGES)
    run(database_url, "assign", str(tmp_path / "hw.toml"), "--roster", str(tmp_path / "roster.csv"))

    variants = strict_json(run(database_url, "variants", name, "--json"))["variants"]
    assert len(variants) == 4
    run(database_url, "render", name, "--out", str(tmp_path / "pdfs"), "--jobs", "1")
    assert len(list((tmp_path / "pdfs").glob("*.pdf"))) == 4

    run(database_url, "answer-sheet", name, "--out", str(tmp_path / "blank.csv"))
    header, *rows = list(csv.reader((tmp_path / "blank.csv").open(newline="", encoding="utf-8")))
    with session_scope(database_url) as session:
        record = load_assignment(session, name)
    filled = [header]
    for row in rows:
        sid = row[0].lstrip("'")
        cells = [record.variant(sid, item.split(".", 1)[0]).exact[item.split(".", 1)[1]] for item in header[1:]]
        filled.append([row[0], *cells])
    with (tmp_path / "answers.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(filled)
    run(database_url, "grade", name, str(tmp_path / "answers.csv"))

    results = strict_json(run(database_url, "results", name, "--json"))["students"]
    assert set(results) == {LONG_ID, "a/b"}
    for student in results.values():  # the exact answers earn every point
        assert student["max_score"] == 10000.01 and student["score"] == pytest.approx(10000.01)
    run(database_url, "results", name)
    for fmt in ("moodle", "qti21", "canvas", "canvas-grades", "moodle-grades"):
        run(database_url, "export", name, "--to", fmt, "--out", str(tmp_path))
    grades = (tmp_path / f"{name}-canvas-grades.csv").read_text(encoding="utf-8")
    assert "10000.01" in grades and "\x00" not in grades and "'=HYPERLINK" in grades
