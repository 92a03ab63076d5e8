"""Math and diagram building blocks: every formula exgen writes is typeset as text in the
documents' font, names and entries are plain text, and the network diagram is a self-contained
SVG."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Context, Decimal

import pytest

from exgen.engine.activations import ACTIVATIONS
from exgen.engine.graph import Architecture, LayerShape, build_graph
from exgen.engine.losses import LOSSES
from exgen.engine.numbers import exact_string
from exgen.render.diagram import network_img, network_svg
from exgen.render.math import (INLINE, ITALIC, UnsupportedLatex, formula_html, formula_svg, latex_html,
                               name_text, number_text, unicode_script, vector_html)
from exgen.engine.solver import solve
from exgen.engine.spec import parse_spec
from exgen.notation.formulas import step_formula
from exgen.notation.worked import worked_lines

SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
MATH = "/usr/share/fonts/truetype/dejavu/DejaVuMathTeXGyre.ttf"  # document.css's second choice

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
        graph = build_graph(arch)
        formulas |= {step_formula(graph, step).latex for step in graph.steps}
    return formulas


@pytest.mark.parametrize("latex", sorted(every_formula()))
def test_every_formula_exgen_writes_is_typeset_as_text(latex):
    html = latex_html(latex)
    ET.fromstring(f"<p>{html}</p>")  # well-formed markup
    assert "\\" not in html and "{" not in html.replace('class="brace">{<', "")


def test_typesetting_of_the_issue_examples():
    sigmoid = latex_html(ACTIVATIONS["sigmoid"].definition_latex)
    assert 'class="frac"' in sigmoid and "<sup>−" + ITALIC["z"] in sigmoid  # σ(z) = 1/(1+e^(−z))
    assert latex_html(r"\hat{y}") == ITALIC["y"] + "\u0302"  # 𝑦̂: the hat sits on the italic y
    assert latex_html(r"W^{(1)}_{12}") == ITALIC["W"] + "₁₂⁽¹⁾"  # scripts as text
    assert latex_html(r"x^{\top}") == ITALIC["x"] + "ᵀ"
    assert latex_html(r"\frac{1}{2}") == "½"
    assert 'class="frac"' in latex_html(r"\frac{\partial L}{\partial W^{(1)}}")


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


@pytest.mark.parametrize("latex", sorted(every_formula()))
def test_display_formulas_never_break_inside(latex):
    """A formula is one unit on its line: its spaces are no-break spaces."""
    html = latex_html(latex)
    assert " " not in _text(html).replace("\u2003", ""), html  # only a \quad may break


def test_scripts_that_text_cannot_write_fall_back_to_elements():
    assert unicode_script("12", False) == "₁₂" and unicode_script("(2),new", True) == "⁽²⁾ⁿᵉʷ"
    assert unicode_script("−" + ITALIC["z"], True) is None  # no superscript italic z
    assert latex_html(r"e^{-z}") == ITALIC["e"] + "<sup>−" + ITALIC["z"] + "</sup>"
    assert latex_html(r"\theta_{\mathrm{new}}") == "θ<sub>new</sub>"  # no subscript w


def _upright(text: str) -> str:
    """Text with the Unicode math letters and scripts written as plain characters."""
    plain = {v: k for k, v in ITALIC.items()}
    scripts = dict(zip("₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾", "01234567890123456789()"))
    return "".join(plain.get(c, scripts.get(c, c)) for c in text.replace("ⁿᵉʷ", "new").replace("\u0302", "^"))


@pytest.mark.parametrize("arch", SHAPES, ids=lambda a: "-".join(str(l.size) for l in a.layers))
def test_every_cell_has_its_own_name(arch):
    """Worksheet boxes and key entries are labelled by name_text: one label per cell, holding
    the layer and the 1-based indices of the answer-sheet item."""
    graph = build_graph(arch)
    labels = {}
    for cell in graph.cells:
        key = cell.key
        shown = key[2:] if graph.quantities[key[0]].per_sample and arch.batch_size is None else key[1:]
        label = name_text(key[0], shown)
        labels.setdefault(label, []).append(key)
        item = graph.item(key)  # "dL/dW1[1,2]": the layer and the indices appear in the label
        name, _, index = item.partition("[")
        layer = name.removesuffix("_new").rstrip("0123456789")
        digits = name.removesuffix("_new")[len(layer):]
        plain = _upright(label)
        if digits and not name.startswith(("dL/dyhat", "yhat")):
            assert f"({digits})" in plain, (item, label)
        assert index.rstrip("]").replace(",", "") in plain.replace(",", ""), (item, label)
    assert all(len(keys) == 1 for keys in labels.values()), [k for k in labels.values() if len(k) > 1]


@pytest.mark.skipif(not (os.path.exists(SERIF) and os.path.exists(MATH)), reason="needs fonts-dejavu")
def test_every_character_of_the_math_is_in_the_document_fonts():
    """Nothing falls back to a font the stylesheet does not name (or to a missing-glyph box):
    all of it is DejaVu Serif but the rare ℓ, which the math font of the same design has."""
    from fontTools.ttLib import TTFont

    serif = TTFont(SERIF).getBestCmap()
    cmap = set(serif) | ({0x2113} & set(TTFont(MATH).getBestCmap()))
    texts = [_text(latex_html(latex)) for latex in every_formula()]
    for arch in SHAPES:
        graph = build_graph(arch)
        texts += [name_text(cell.key[0], cell.key[1:]) for cell in graph.cells]
    texts.append(number_text("-1.5E-12"))
    missing = {c for text in texts for c in text if ord(c) not in cmap and not c.isspace()}
    assert not missing, sorted(missing)


def test_entries_are_text_with_numbers_and_names():
    spec = parse_spec({"input": [1, 2], "target": [1], "loss": "half_squared_error", "learning_rate": 0.01,
                       "layers": [{"weights": [[0.5, 0.6], [0.2, 0.3]], "bias": [0.1, 0.1], "activation": "relu"},
                                  {"weights": [[0.4, 0.7]], "bias": [0.2], "activation": "sigmoid"}]})
    lines = {entry.item: entry for step in worked_lines(solve(spec), INLINE) for entry in step.entries}
    assert lines["z1[1]"].substitution == "0.5 × 1 + 0.6 × 2 + 0.1"  # the seed's (0.5·1) + (0.6·2) + 0.1
    assert lines["z1[1]"].formula == f"{name_text('W1', (0, 0))} × {ITALIC['x']}₁ + {name_text('W1', (0, 1))} × {ITALIC['x']}₂ + {name_text('b1', (0,))}"
    assert lines["loss"].substitution.startswith("½ × (1 − ")
    assert "<" not in lines["dL/dW1[1,2]"].substitution  # no element in an entry without e^x


def test_vectors_and_matrices():
    assert vector_html(["0.5", "-1"]) == "[0.5\u2007−1]ᵀ"  # a column, written as a transposed row
    assert vector_html(["0.5"]) == "[0.5]"
    assert vector_html([["0.5", "-1"]]) == "[0.5\u2007−1]"  # one row is text
    assert vector_html([["1", "2"], ["3", "4"]]).startswith('<table class="matrix">')
    assert vector_html("-0.25") == "−0.25"
    ET.fromstring(vector_html([["1", "2"], ["3", "4"]]))


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
    entries = [entry for lines in worked_lines(solution, INLINE) for entry in lines.entries]
    assert [entry.key for entry in entries] == list(solution.graph.keys)  # every cell, in order
    for entry in entries:
        root = ET.fromstring(f"<p>{entry.formula} {entry.substitution} = <b>{entry.result}</b></p>")
        shown = "".join(root.find("b").itertext()).replace("−", "-")
        # independently: the exact value rounded half up, 4 significant figures (an updated
        # parameter: 6 decimals), is the number shown, or the "(exact …)" beside it
        exact = Decimal(exact_string(solution.values[entry.key]))
        if "_new" in entry.item:
            expected = exact.quantize(Decimal("1E-6"), ROUND_HALF_UP)
        else:
            expected = Context(prec=4, rounding=ROUND_HALF_UP).plus(exact)
        written = shown if entry.exact_value is None else entry.exact_value.replace("−", "-")
        assert Decimal(written) == expected, entry.item


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
    img = network_img(spec)
    assert img.startswith('<img class="network" alt="A 2-2-1 network') and "data:image/svg+xml;base64," in img
