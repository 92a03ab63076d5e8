"""A simulated class for the grader's tests: students who work by hand, each in their own way.

Every student's answers are computed here, independently of the grader: the variant's step
graph evaluated on floats the way a student works — each result rounded to 3 or 4 significant
figures (updated parameters to 6 decimals) before it is used again — with some cells computed
the student's wrong way (a slip, a misconception). The expected verdict of every item follows
from the definitions of design §4 and exgen.grading.tolerance alone:

- a cell the student computed their wrong way: ``incorrect`` (with the misconception's name),
  or ``correct`` if the wrong way happens to give a value within tolerance;
- any other cell: ``correct`` when within tolerance of the exact value, or when every input was
  itself ``correct`` (rounding drift); otherwise ``follow_through``;
- blank cells ``missing``, junk cells ``invalid``.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path


from exgen.engine import names
from exgen.engine.arithmetic import ScalarFloatArithmetic
from exgen.storage.session import session_scope
from exgen.storage.records import load_assignment
from exgen.engine.graph import LEARNING_RATE
from exgen.grading.tolerance import tolerance
from exgen.instructions import Instructions
from tests.cli_runner import run

A = ScalarFloatArithmetic()
EXAMPLES = Path(__file__).parents[1] / "examples"


def significant(value: float, figures: int) -> float:
    return float(f"{value:.{figures}g}")


@dataclass
class Student:
    """How one student works: rounding, and cells computed their own (wrong) way."""

    figures: int = 4
    overrides: dict = field(default_factory=dict)  # cell key -> compute(values, A)
    misconception: str = ""  # expected name for the overridden cells ("" : none to assert)
    blank: set = field(default_factory=set)  # items left empty
    junk: dict = field(default_factory=dict)  # item -> text that is not a number
    exact: bool = False  # write the exact values (to 12 significant figures)


def worked_values(solution, student: Student) -> dict:
    graph = solution.graph
    values = {k: float(v) for k, v in solution.spec.given_values().items()}
    for cell in graph.cells:
        if student.exact:
            values[cell.key] = float(solution.values[cell.key])
            continue
        v = student.overrides.get(cell.key, cell.compute)(values, A)
        values[cell.key] = round(v, 6) if cell.key[0].endswith("_new") else significant(v, student.figures)
    return values


def answers_and_expectations(variant, student: Student, instructions=None):
    """(item -> text written, item -> (status, misconception)) for one variant."""
    instructions = instructions or {"significant_figures": 4, "parameter_decimals": 6}
    solution = variant.solution
    graph = solution.graph
    values = worked_values(solution, student)
    givens = solution.spec.given_values()
    asked = set(variant.asked)
    written, expected = {}, {}
    status: dict = {}
    for cell in graph.cells:
        key = cell.key
        item = graph.item(key)
        exact = float(solution.values[key])
        before = names.before_update(key[0])
        old = float(givens[(before, *key[1:])]) if before is not None else None
        off = abs(values[key] - exact) > tolerance(exact, old, Instructions.from_mapping(instructions))
        if key in student.overrides:
            status[key] = ("incorrect", student.misconception) if off else ("correct", "")
        elif not off or all(status[k][0] == "correct" for k in cell.inputs if k in status):
            status[key] = ("correct", "")
        else:
            status[key] = ("follow_through", "")
        if item not in asked:
            continue
        if item in student.blank:
            written[item], expected[item] = "", ("missing", "")
        elif item in student.junk:
            written[item], expected[item] = student.junk[item], ("invalid", "")
        else:
            if student.exact:
                written[item] = repr(values[key])
            elif old is not None:
                written[item] = f"{values[key]:.6f}"
            else:
                written[item] = f"{values[key]:.{student.figures}g}"
            expected[item] = status[key]
    return written, expected


# -- ways of working ----------------------------------------------------------------------------
def _keys(graph, name):
    return [c.key for c in graph.step_of[name].cells] if name in graph.step_of else []


def _update_cells(graph):
    return [c.key for step in graph.steps if step.stage == "update" for c in step.cells]


def slip(graph) -> Student:
    """Adds 0.5 to the first pre-activation, then works on correctly from it."""
    key = _keys(graph, "z1")[0]
    compute = graph.cell_of[key].compute
    return Student(4, {key: lambda v, A: compute(v, A) + 0.5})


def forgotten_derivative(graph) -> Student:
    L = graph.architecture.depth
    overrides = {k: (lambda s, j: lambda v, A: v["dL/dyhat", s, j])(*k[1:]) for k in _keys(graph, f"dL/dz{L}")}
    return Student(4, overrides, "forgotten_activation_derivative")


def update_sign(graph) -> Student:
    overrides = {}
    for key in _update_cells(graph):
        old, grad = (key[0][:-4], *key[1:]), (f"dL/d{key[0][:-4]}", *key[1:])
        overrides[key] = (lambda o, g: lambda v, A: v[o] + v[LEARNING_RATE] * v[g])(old, grad)
    return Student(3, overrides, "update_sign")


def learning_rate_omitted(graph) -> Student:
    """W_new = W − dL/dW: the gradient not multiplied by η."""
    overrides = {}
    for key in _update_cells(graph):
        old, grad = (key[0][:-4], *key[1:]), (f"dL/d{key[0][:-4]}", *key[1:])
        overrides[key] = (lambda o, g: lambda v, A: v[o] - v[g])(old, grad)
    return Student(4, overrides, "learning_rate_omitted")


def skipped_update(graph) -> Student:
    """Copies the old weights and biases as the new ones."""
    overrides = {key: (lambda o: lambda v, A: v[o])((key[0][:-4], *key[1:])) for key in _update_cells(graph)}
    return Student(4, overrides, "update_not_applied")


def factor_two(graph) -> Student:
    overrides = {}
    for key in _keys(graph, "dL/dyhat"):
        compute = graph.cell_of[key].compute
        overrides[key] = (lambda f: lambda v, A: 2 * f(v, A))(compute)
    return Student(4, overrides, "squared_error_factor_2")


def seed_mistake(graph) -> Student:
    """dL/da_h = Σ_k dL/dv_k · v_k for every hidden unit (the seed's second example)."""
    if "dL/da1" not in graph.step_of:
        return Student(4)
    n_out, n_in = graph.architecture.layers[1].size, graph.architecture.layers[0].size
    pairs = [(("W2", j, i), ("dL/dW2", j, i)) for j in range(n_out) for i in range(n_in)]
    overrides = {k: lambda v, A: sum(v[w] * v[g] for w, g in pairs) for k in _keys(graph, "dL/da1")}
    return Student(4, overrides, "weight_gradients_for_delta")


def transposed(graph) -> Student:
    n = graph.architecture.input_size
    if n != graph.architecture.layers[0].size:
        return Student(4)
    overrides = {}
    for key in _keys(graph, "z1"):
        s, j = key[1:]
        overrides[key] = (lambda s, j: lambda v, A: sum(v["W1", i, j] * v["x", s, i] for i in range(n)) + v["b1", j])(s, j)
    return Student(4, overrides, "transposed_weights")


def z_for_a(graph) -> Student:
    L = graph.architecture.depth
    if graph.architecture.layers[-1].activation != "sigmoid":
        return Student(4)
    z = f"z{L}"
    overrides = {k: (lambda s, j: lambda v, A: v["dL/dyhat", s, j] * v[z, s, j] * (1 - v[z, s, j]))(*k[1:])
                 for k in _keys(graph, f"dL/dz{L}")}
    return Student(4, overrides, "z_for_a")


def junk(graph) -> Student:
    items = [graph.item(c.key) for c in graph.cells]
    texts = ["abc", "=1+1", "NaN", "1,500", "inf", "0.5.1"]
    return Student(4, junk={item: texts[n % len(texts)] for n, item in enumerate(items[:len(items):3])})


def skipped(graph) -> Student:
    """Leaves the first two steps and every update blank, works out the rest."""
    first = [graph.item(c.key) for step in graph.steps[:2] for c in step.cells]
    updates = [graph.item(k) for k in _update_cells(graph)]
    return Student(3, blank=set(first) | set(updates))


#: name -> student for a graph; in roster order
WAYS = {
    "exact": lambda graph: Student(exact=True),
    "rounds_4": lambda graph: Student(4),
    "rounds_3": lambda graph: Student(3),
    "slip": slip,
    "forgotten_derivative": forgotten_derivative,
    "update_sign": update_sign,
    "skipped_update": skipped_update,
    "factor_two": factor_two,
    "seed_mistake": seed_mistake,
    "transposed": transposed,
    "z_for_a": z_for_a,
    "junk": junk,
    "skipped": skipped,
    "learning_rate_omitted": learning_rate_omitted,
}
#: The ways that are a named misconception (the name the grader should find).
MISCONCEPTION_WAYS = ("forgotten_derivative", "update_sign", "skipped_update", "factor_two", "seed_mistake",
                      "transposed", "z_for_a", "learning_rate_omitted")


# -- the class in a database, through the command line ---------------------------------------------


def setup_class(url, tmp_path, per_way=2, extra=""):
    """Assign hw3 to a class with ``per_way`` students for each way of working."""
    ways = [way for way in WAYS for _ in range(per_way)]
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n" + "".join(f"s{n:03d},{way} {n}\n" for n, way in enumerate(ways)))
    definition = tmp_path / "hw3.toml"
    definition.write_text((EXAMPLES / "hw3.toml").read_text() + extra)
    run(url, "assign", str(definition), "--roster", str(roster))
    return {f"s{n:03d}": way for n, way in enumerate(ways)}, definition


def fill_sheet(url, tmp_path, who, name="answers.csv", students=None):
    """The answer sheet written by exgen, filled in by the simulated students; returns the
    path and the expected (status, misconception) of every item of every student."""
    blank = tmp_path / "blank.csv"
    run(url, "answer-sheet", "hw3", "--out", str(blank))
    header, *rows = list(csv.reader(blank.open(newline="")))
    with session_scope(url) as session:
        record = load_assignment(session, "hw3")
    expected: dict = {}
    filled = [header]
    for row in rows:
        sid = row[0]
        if students is not None and sid not in students:
            continue
        cells = {}
        for exercise in ("q1", "q2"):
            variant = record.variant(sid, exercise)
            student = WAYS[who[sid]](variant.solution.graph)
            written, wanted = answers_and_expectations(variant, student)
            for item in written:
                cells[f"{exercise}.{item}"] = written[item]
                expected[sid, f"{exercise}.{item}"] = wanted[item]
        filled.append([sid] + [cells[item] for item in header[1:]])
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(filled)
    return path, expected


def results(url):
    return json.loads(run(url, "results", "hw3", "--json").stdout)
