"""An activation is defined in one place.

``softplus`` (ln(1 + e^z), derivative σ(z)) is written here, in this test module only, and
registered for one test's duration; it then works end to end — solved exactly (checked against
the independent mpmath oracle), screened by the generator, written in the worked solution and
in LaTeX, drawn in the diagram, graded with its misconceptions — though no module of exgen
knows it. And every arithmetic provides the same small protocol, none a method per activation.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import gmpy2
import mpmath
import numpy as np
import pytest
from mpmath import mp

from exgen.engine.activations import ACTIVATIONS, NONLINEAR_SLIPS, SIGMA, Activation
from exgen.engine.arithmetic import (Arithmetic, Elementary, ExactArithmetic, FloatArithmetic,
                                     ScalarFloatArithmetic)
from exgen.engine.graph import Kind
from exgen.engine.intervals import Interval
from exgen.engine.losses import LOSSES
from exgen.engine.solver import solve
from exgen.engine.spec import SpecError, parse_spec
from exgen.grading.judge import Marker
from exgen.grading.misconceptions import BY_NAME
from exgen.notation.chain import DecimalArithmetic
from exgen.notation.display import DisplayArithmetic, LatexNotation, Notation
from exgen.notation.formulas import step_formula
from exgen.notation.worked import worked_lines, worked_text
from exgen.render.diagram import network_svg
from exgen.render.math import INLINE, latex_html
from exgen.variants.assignment import AssignmentError, parse_exercise
from exgen.variants.constraints import CONSTRAINTS
from exgen.variants.generator import generate
from tests.cli_runner import run
from tests.oracle import Oracle, flatten
from tests.test_engine_oracle import _agree
from tests.test_generator import check_well_posed

ROOT = Path(__file__).resolve().parents[1]


# -- softplus, as a user of the engine would add it ----------------------------------------------
def _softplus_scalar(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))  # no overflow for large |x|


SOFTPLUS_FUNCTION = Elementary(
    "softplus", r"\operatorname{softplus}",
    exact=lambda x: gmpy2.log1p(gmpy2.exp(x)),
    array=lambda x: np.logaddexp(0.0, x),
    scalar=_softplus_scalar,
)


class Softplus(Activation):
    def value(self, A, z, j, size, slope=None):
        return A.apply(SOFTPLUS_FUNCTION, z(j))

    def local(self, A, a, z, j, slope=None):
        return A.apply(SIGMA, z(j))  # softplus'(z) = σ(z)


SOFTPLUS = Softplus(
    "softplus", "softplus",
    "softplus(z) = ln(1 + e^z)",
    "softplus'(z) = σ(z)",
    r"\operatorname{softplus}(z) = \ln(1 + e^{z})",
    r"\operatorname{softplus}'(z) = \sigma(z)",
    symbol="softplus", symbol_latex=r"\operatorname{softplus}",
    delta_formula="{dz} = {g} ⊙ σ({z})", delta_formula_latex=r"{dz} = {g} \odot \sigma({z})",
    diagram="soft-\nplus",
    outputs=Interval(0, None),
    saturation=Interval(0.05, None),  # below, σ(z) < 0.05: the unit has all but stopped learning
)


def oracle_softplus(z):
    return [mpmath.log(1 + mpmath.exp(v)) for v in z]


@pytest.fixture
def softplus(monkeypatch):
    """softplus registered for one test only."""
    monkeypatch.setitem(ACTIVATIONS, "softplus", SOFTPLUS)
    return SOFTPLUS


SPEC = {
    "input": [[0.5, -1.5], [1, 2]],
    "target": [[0.2], [0.9]],
    "loss": "half_squared_error",
    "learning_rate": 0.1,
    "layers": [
        {"weights": [[0.3, -0.2], [0.1, 0.4]], "bias": [0.1, 0], "activation": "softplus"},
        {"weights": [[0.2, 0.5]], "bias": [0.05], "activation": "softplus"},
    ],
}


def test_no_module_of_exgen_knows_softplus():
    sources = [p for p in (ROOT / "exgen").rglob("*") if p.suffix in (".py", ".html", ".css", ".xml", ".j2")]
    assert sources
    assert [str(p) for p in sources if "softplus" in p.read_text(encoding="utf-8").lower()] == []
    assert "softplus" not in ACTIVATIONS


def test_softplus_is_solved_exactly(softplus):
    solution = solve(parse_spec(SPEC))
    result = solution.to_json()
    with mp.workdps(80):
        oracle = Oracle(SPEC, activations={"softplus": oracle_softplus})
        scale = max([abs(v) for name in oracle.values for v in flatten(oracle.values[name])] + [1])
        assert set(oracle.values) <= set(result["exact"])
        for name, expected in oracle.values.items():
            got, want = list(flatten(result["exact"][name])), list(flatten(expected))
            assert len(got) == len(want), name
            for g, w in zip(got, want):
                assert _agree(g, w, scale), f"{name}: engine {g} vs oracle {mp.nstr(w, 40)}"


def test_softplus_in_specs(softplus):
    doc = json.loads(json.dumps(SPEC))
    doc["layers"][0]["negative_slope"] = 0.1
    with pytest.raises(SpecError, match=r"layers\[1\].negative_slope: only applies to a leaky_relu layer"):
        parse_spec(doc)


def test_softplus_in_the_worked_solution(softplus):
    solution = solve(parse_spec(SPEC))
    text = worked_text(solution)
    assert "Layer 1 (hidden layer, 2 units): W1 = [[0.3, −0.2], [0.1, 0.4]], b1 = [0.1, 0]; " \
           "activation softplus: softplus(z) = ln(1 + e^z)" in text
    assert "  a1[s] = softplus(z1[s])\n    with softplus(z) = ln(1 + e^z)\n" in text
    # z1[1,1] = 0.3 × 0.5 + (−0.2) × (−1.5) + 0.1 = 0.55
    assert "a1[1,1] = softplus(z1[1,1]) = softplus(0.55) ≈ " in text
    assert "  ∂L/∂z1 = ∂L/∂a1 ⊙ σ(z1)\n    with softplus'(z) = σ(z)\n" in text
    assert "∂L/∂z1[1,1] = ∂L/∂a1[1,1] × σ(z1[1,1]) = " in text and " × σ(0.55) ≈ " in text

    graph = solution.graph
    formulas = {step.kind: step_formula(graph, step) for step in graph.steps if step.layer == 1}
    assert formulas[Kind.ACTIVATION].latex == r"a^{(1)} = \operatorname{softplus}(z^{(1)})"
    assert formulas[Kind.DELTA].latex == (r"\frac{\partial L}{\partial z^{(1)}} = "
                                          r"\frac{\partial L}{\partial a^{(1)}} \odot \sigma(z^{(1)})")
    for latex in [f.latex for f in formulas.values()] + [softplus.definition_latex, softplus.derivative_latex]:
        assert "<img" not in latex_html(latex)  # typeset as text, no fallback drawing
    latex_entries = {e.item: e for lines in worked_lines(solution, LatexNotation()) for e in lines.entries}
    assert latex_entries["a1[1,1]"].substitution == r"\operatorname{softplus}\left(0.55\right)"
    inline = {e.item: e for lines in worked_lines(solution, INLINE) for e in lines.entries}
    assert inline["a1[1,1]"].substitution == "softplus(0.55)"
    assert inline["dL/dz1[1,1]"].substitution.endswith(" × σ(0.55)")


def test_softplus_through_the_command_line(softplus, tmp_path):
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(SPEC))
    result = json.loads(run("sqlite://", "solve", str(path), "--json").output)
    steps = {step["quantity"]: step for step in result["steps"]}
    assert steps["a1"]["formula"] == "a1[s] = softplus(z1[s])"
    assert result["values"]["a1"][0][0] == pytest.approx(math.log1p(math.exp(0.55)), rel=1e-15)


def test_softplus_in_the_diagram(softplus):
    svg = network_svg(parse_spec(SPEC))
    assert '>soft-</text>' in svg and '>plus</text>' in svg
    assert "(softplus, softplus)" in svg  # the title


def test_the_generator_screens_softplus(softplus):
    ex = parse_exercise({"id": "q1", "family": {
        "inputs": 2, "layers": [2, 1], "activations": ["softplus", "sigmoid"], "loss": "half_squared_error",
        "input": {"min": -2, "max": 2, "step": 0.5}, "weights": {"min": -1, "max": 1, "step": 0.1},
        "bias": {"min": -0.5, "max": 0.5, "step": 0.1}, "target": [0, 1], "learning_rate": [0.5, 1]}},
        "exercise")
    students = [f"s{i}" for i in range(8)]
    specs = generate(ex.family, 7, ex.key, students, set(ex.ask))
    for sid in students:
        check_well_posed(specs[sid], ex.family, set(ex.ask))
        solution = solve(specs[sid])
        a1 = [solution.values[key] for key in solution.graph.layout("a1")]
        assert all(a > 0.05 for a in a1), "softplus's own saturation band is screened"
    assert "softplus outputs within (0.05, ∞)" in CONSTRAINTS["saturation"].description
    # its outputs are positive, never in (0, 1) for sure: no binary cross-entropy after it
    with pytest.raises(AssignmentError, match="binary_cross_entropy needs a sigmoid or softmax output layer"):
        parse_exercise({"id": "q1", "preset": "two-layer", "family": {
            "activations": ["relu", "softplus"], "loss": "binary_cross_entropy"}}, "exercise")


def test_softplus_misconceptions(softplus):
    solution = solve(parse_spec(SPEC))
    graph = solution.graph
    givens = {key: float(value) for key, value in solution.spec.given_values().items()}
    exact = {cell.key: float(solution.values[cell.key]) for cell in graph.cells}
    items = [graph.item(cell.key) for cell in graph.cells]
    answers = {graph.item(key): repr(value) for key, value in exact.items()}
    for s, j in ((0, 0), (0, 1), (1, 0), (1, 1)):  # δ without the derivative: dL/dz1 = dL/da1
        answers[f"dL/dz1[{s + 1},{j + 1}]"] = repr(exact["dL/da1", s, j])
    verdicts = {v.item: v for v in Marker(graph, givens, exact, items).judge(answers)}
    forgot = verdicts["dL/dz1[1,1]"]
    assert forgot.status == "incorrect"
    assert forgot.misconception == "forgotten_activation_derivative"
    assert "softplus activation was left out" in forgot.feedback and "softplus'(z) = σ(z)" in forgot.feedback


# -- the protocol every arithmetic provides ------------------------------------------------------
PROTOCOL = {"exact", "const", "sum", "sub", "square", "exp", "log", "apply", "piecewise"}


@pytest.mark.parametrize("arithmetic", [ExactArithmetic(), FloatArithmetic(), ScalarFloatArithmetic(),
                                        DisplayArithmetic(Notation(), True), DecimalArithmetic()],
                         ids=type)
def test_every_arithmetic_provides_the_protocol_and_no_function_of_its_own(arithmetic):
    assert isinstance(arithmetic, Arithmetic)
    public = {name for name in dir(arithmetic) if not name.startswith("_")}
    # beyond the protocol: the exact arithmetic's precision, the display's operators and parts
    extra = {"precision", "working_context", "mul", "div", "neg", "leaf", "n", "symbolic", "extras"}
    assert public <= PROTOCOL | extra, public - PROTOCOL - extra


def test_every_activation_and_loss_names_real_misconceptions():
    for fn in list(ACTIVATIONS.values()) + list(LOSSES.values()) + [SOFTPLUS]:
        assert set(fn.slips) <= set(BY_NAME), fn.name
    assert NONLINEAR_SLIPS <= set(BY_NAME)


def test_a_saturation_band_is_checked_and_described_from_the_same_numbers(monkeypatch):
    band = ACTIVATIONS["tanh"].saturation
    assert band.contains(0.96) and not band.contains(0.9600001) and not band.contains(-0.97)
    assert CONSTRAINTS["saturation"].description == "sigmoid/softmax outputs within (0.02, 0.98), |tanh| ≤ 0.96"
    monkeypatch.setitem(ACTIVATIONS, "tanh", replace(ACTIVATIONS["tanh"], saturation=Interval(-0.5, 0.5, closed=True)))
    assert CONSTRAINTS["saturation"].description == "sigmoid/softmax outputs within (0.02, 0.98), |tanh| ≤ 0.5"
    ex = parse_exercise({"id": "q1", "preset": "two-layer", "family": {"activations": ["tanh", "sigmoid"]}},
                        "exercise")
    for spec in generate(ex.family, 3, ex.key, ["s1", "s2", "s3"], set(ex.ask)).values():
        solution = solve(spec)
        assert all(abs(solution.values[key]) <= 0.5 for key in solution.graph.layout("a1"))
