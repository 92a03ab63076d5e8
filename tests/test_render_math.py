"""Math and diagram building blocks: every formula exgen writes is typeset as text, the HTML
notation escapes nothing it should not, and the network diagram is a self-contained SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from exgen.activations import ACTIVATIONS
from exgen.graph import Architecture, LayerShape, build_graph
from exgen.losses import LOSSES
from exgen.numbers import exact_string
from exgen.render.diagram import network_svg
from exgen.render.math import UnsupportedLatex, formula_html, formula_svg, latex_html
from exgen.solver import solve
from exgen.spec import parse_spec
from exgen.worked import worked_lines
from exgen.render.math import HTML

SHAPES = [
    Architecture(2, (LayerShape(1, "identity"),), "squared_error"),
    Architecture(2, (LayerShape(2, "relu"), LayerShape(1, "sigmoid")), "half_squared_error"),
    Architecture(3, (LayerShape(2, "leaky_relu", 0.1), LayerShape(2, "tanh"), LayerShape(3, "softmax")),
                 "cross_entropy", 2),
    Architecture(2, (LayerShape(2, "sigmoid"), LayerShape(2, "sigmoid")), "binary_cross_entropy"),
    Architecture(2, (LayerShape(1, "tanh"),), "mean_squared_error", 3),
]


def every_formula() -> set[str]:
    formulas = set()
    for act in ACTIVATIONS.values():
        formulas |= {act.definition_latex, act.derivative_latex}
    for loss in LOSSES.values():
        formulas |= {loss.definition_latex, loss.gradient_latex}
    for arch in SHAPES:
        formulas |= {step.formula_latex for step in build_graph(arch).steps}
    return formulas


@pytest.mark.parametrize("latex", sorted(every_formula()))
def test_every_formula_exgen_writes_is_typeset_as_text(latex):
    html = latex_html(latex)
    ET.fromstring(f"<p>{html}</p>")  # well-formed markup
    assert "\\" not in html and "{" not in html.replace('class="brace">{<', "")


def test_typesetting_of_the_issue_examples():
    sigmoid = latex_html(ACTIVATIONS["sigmoid"].definition_latex)
    assert 'class="frac"' in sigmoid and "<sup>−" in sigmoid  # σ(z) = 1/(1+e^(−z))
    assert "ŷ" in latex_html(r"\hat{y}")
    assert '<span class="ss">' in latex_html(r"W^{(1)}_{12}")  # stacked scripts


def test_unknown_latex_falls_back_to_an_svg_formula():
    with pytest.raises(UnsupportedLatex):
        latex_html(r"\int_0^1 x\,dx")
    html = formula_html(r"\int_0^1 x\,dx")
    assert html.startswith('<img class="math"') and "data:image/svg+xml;base64," in html
    assert "vertical-align:-" in formula_svg(r"\frac{1}{1+e^{-z}}")  # baseline from the depth


def test_worked_lines_in_html_hold_the_rounded_numbers():
    spec = parse_spec({"input": [1, 2], "target": [1], "loss": "half_squared_error", "learning_rate": 0.01,
                       "layers": [{"weights": [[0.5, 0.6], [0.2, 0.3]], "bias": [0.1, 0.1], "activation": "relu"},
                                  {"weights": [[0.4, 0.7]], "bias": [0.2], "activation": "sigmoid"}]})
    solution = solve(spec)
    for lines in worked_lines(solution, HTML):
        for entry in lines.entries:
            ET.fromstring(f"<p>{entry.formula} {entry.substitution} {entry.result}</p>")


def test_network_svg_is_self_contained_and_labels_every_weight():
    spec = parse_spec({"input": [1, -2], "target": [1], "loss": "half_squared_error", "learning_rate": 0.1,
                       "layers": [{"weights": [[0.5, -0.6], [0.25, 0.3]], "bias": [0.1, -0.1], "activation": "relu"},
                                  {"weights": [[0.4, 0.75]], "bias": [0.2], "activation": "sigmoid"}]})
    svg = network_svg(spec)
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for layer in spec.weights:
        for row in layer:
            for w in row:
                assert exact_string(w).replace("-", "−") in texts
    assert "b = −0.1" in texts and "ReLU" in texts and "σ" in texts
    assert "href" not in svg and "url(" not in svg  # nothing to fetch
    with_values = network_svg(spec, values=solve(spec).values)
    assert "ŷ = " in with_values and "ŷ = " not in svg  # values only when asked (keys)
