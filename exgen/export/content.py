"""The text of one question, the same in every LMS: who it is for, the given values as a table,
the network diagram, how to round, and a table with one blank per asked item.

Each format supplies its own element maker (plain HTML for Moodle and Canvas, the QTI
namespace for QTI 2.1), its blank (a cloze code, a ``[b1]`` placeholder, an interaction) and
where the diagram lives. Everything is built as elements, so text is escaped by the serializer,
never by hand; the table uses only what QTI's XHTML subset allows (no ``style`` unless asked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from exgen.engine import names
from exgen.engine.activations import ACTIVATIONS
from exgen.engine.graph import build_graph
from exgen.engine.losses import LOSSES
from exgen.engine.numbers import exact_string
from exgen.export.ids import content_id
from exgen.export.quiz import Blank, Question, Quiz
from exgen.notation.formulas import step_formula
from exgen.notation.names import text_name
from exgen.instructions import DEFAULT_INSTRUCTIONS, Instructions
from exgen.notation.worked import STAGE_TITLES, activation_rule, worked_lines
from exgen.render.math import ITALIC, InlineNotation, name_text

MINUS = "\u2212"


@dataclass(frozen=True)
class Image:
    src: str
    alt: str
    width: str | None = None
    height: str | None = None


@dataclass(frozen=True)
class Dialect:
    """How one format writes the shared content."""

    E: object  # an lxml ElementMaker
    blank: Callable[[int, Blank], object]  # (0-based index, blank) -> element or text
    precision: Callable[[int, Blank], str]  # what the student is asked to round to
    styled: bool = True  # inline CSS allowed (HTML) or not (QTI)
    label: Callable[[str], str] | None = None  # item -> text; default: the worksheet's name
    #: how to round, said once above the answers; default: the worksheet's instructions
    rounding: Callable[[Quiz], str] | None = None


def pretty_item(item: str) -> str:
    """``dL/dW1[1,2]`` -> ``∂L/∂W1[1,2]`` (the answer-sheet column, in plain symbols)."""
    name, bracket, rest = item.partition("[")
    return text_name(name) + bracket + rest


def pdf_label(item: str) -> str:
    """An item as the worksheet and the answer key (PDF) name it: ``dL/dW1[1,2]`` ->
    ``∂𝐿/∂𝑊₁₂⁽¹⁾`` — the item's 1-based indices are the displayed ones."""
    name, _, rest = item.partition("[")
    index = tuple(int(i) - 1 for i in rest.rstrip("]").split(",")) if rest else ()
    return name_text(name, index)


def number(value) -> str:
    return exact_string(value).replace("-", MINUS)


def intro_text(quiz: Quiz, question: Question) -> str:
    return f"{quiz.title}: exercise {question.exercise}, variant {question.code}"


def rounding_text(quiz: Quiz) -> str:
    """How to round, as the worksheet says it (an LMS that checks an interval accepts that)."""
    i = quiz.instructions
    return (f"Give each result to {i.significant_figures} significant figures and each updated "
            f"weight and bias to {i.parameter_decimals} decimals, as a decimal number with a "
            "decimal point (e.g. 0.8249 or -1.25).")


def per_blank_rounding_text(quiz: Quiz) -> str:
    """How to round where each blank accepts a list of strings (Canvas): as stated next to it."""
    return ("Round each answer as stated next to its blank, in the “Round to” column — significant "
            "figures or decimals, which may differ from blank to blank — and type it as a decimal "
            "number with a decimal point (e.g. 0.8249 or -1.25); trailing zeros may be left out. "
            "The answer is compared as text: more or fewer digits than stated count as wrong.")


def question_body(quiz: Quiz, question: Question, dialect: Dialect, image: Image | None) -> list:
    """The question's content as a list of block elements."""
    E = dialect.E
    parts = [
        E.p(E.strong(intro_text(quiz, question))),
        E.p("One step of gradient descent on the network below: compute the forward pass, the "
            "loss, the gradients by backpropagation and the updated parameters."),
    ]
    if image is not None:
        attrs = {"src": image.src, "alt": image.alt}
        if image.width:
            attrs["width"], attrs["height"] = image.width, image.height
        parts.append(E.p(E.img(**attrs)))
    parts.append(given_table(question, dialect))
    parts.append(E.p((dialect.rounding or rounding_text)(quiz)))
    parts.append(answer_table(question, dialect))
    return [E.div(*parts, **{"class": "exgen-question"})]


def given_table(question: Question, dialect: Dialect):
    E, spec = dialect.E, question.spec
    arch = spec.architecture
    graph = build_graph(arch)
    values = spec.given_values()

    def show(name):
        return _array(dialect, graph.nested(name, values, number))

    batch = f" (a batch of {arch.batch_size} samples, one per row)" if arch.batch_size else ""
    rows = [(f"Input {name_text(names.INPUT)}{batch}", show(names.INPUT)),
            (f"Target {name_text(names.TARGET)}", show(names.TARGET))]
    for l, layer in enumerate(arch.layers, 1):
        act = ACTIVATIONS[layer.activation]
        role = "output layer" if l == arch.depth else "hidden layer"
        units = f"{layer.size} unit{'s' if layer.size > 1 else ''}"
        definition = act.definition
        if layer.negative_slope is not None:
            definition += f", s = {number(layer.negative_slope)}"
        rows.append((f"Layer {l} ({role}, {units}): activation", f"{act.label}: {definition}"))
        W, b = names.weights(l), names.bias(l)
        rows.append((f"Weights {name_text(W)} (row j: weights into unit j)", show(W)))
        rows.append((f"Bias {name_text(b)}", show(b)))
    loss = LOSSES[arch.loss]
    averaged = ", averaged over the batch" if arch.batch_size else ""
    rows.append(("Loss", f"{loss.label}: {loss.definition}{averaged}"))
    rows.append((f"Learning rate {name_text(names.LEARNING_RATE)}", show(names.LEARNING_RATE)))
    body = [E.tr(E.th(head, **_style(dialect, "text-align:left;padding:2px 8px 2px 0;font-weight:normal")),
                 E.td(cell)) for head, cell in rows]
    return E.table(E.tbody(*body), **{"class": "exgen-given"})


def answer_table(question: Question, dialect: Dialect):
    E = dialect.E
    graph = build_graph(question.spec.architecture)
    label = dialect.label or pdf_label
    cell_style = _style(dialect, "padding:2px 8px 2px 0")
    rows = [E.tr(E.th("Quantity", **cell_style), E.th("Your answer", **cell_style),
                 E.th("Round to", **cell_style))]
    stage = None
    for index, blank in enumerate(question.blanks):
        step_stage = graph.step_of[blank.item.split("[", 1)[0]].stage
        if step_stage != stage:
            stage = step_stage
            rows.append(E.tr(E.th(STAGE_TITLES[stage], colspan="3",
                                  **_style(dialect, "text-align:left;padding-top:6px"))))
        rows.append(E.tr(E.td(label(blank.item), **cell_style),
                         E.td(dialect.blank(index, blank), **cell_style),
                         E.td(dialect.precision(index, blank),
                              **_style(dialect, "padding:2px 8px 2px 0;white-space:nowrap"))))
    return E.table(E.tbody(*rows), **{"class": "exgen-answers"})


# -- the worked solution, shown after the quiz ----------------------------------------------------
class _PlainInline(InlineNotation):
    """The answer key's inline notation (the PDF's names and numbers) as pure text: an LMS shows
    the worked solution without the key's stylesheet."""

    def exp(self, a: str) -> str:
        return f"{ITALIC['e']}^{a}" if a.startswith("(") else f"{ITALIC['e']}^({a})"


PLAIN_INLINE = _PlainInline()


@lru_cache(maxsize=64)
def _pdf_names(graph) -> tuple:
    """(pattern, mapping): every quantity's plain name in a step's formula (``∂L/∂W1``, ``ŷ``)
    and its name as the PDF prints it (``∂𝐿/∂𝑊⁽¹⁾``, ``𝑦̂``); longest names first."""
    mapping = {text_name(q): name_text(q) for q in graph.quantities}
    ordered = sorted(mapping, key=len, reverse=True)
    # a name stands alone, or carries a plain subscript (ŷ_k), a transpose (a1ᵀ) or a square
    pattern = re.compile(r"(?<![A-Za-z0-9∂/])(" + "|".join(re.escape(n) for n in ordered) + r")(?![A-Za-z0-9])")
    return pattern, mapping


def pdf_formula(graph, formula: str) -> str:
    """A step's rule with the quantities named as on the PDF: ``z1 = W1 · x + b1`` ->
    ``𝑧⁽¹⁾ = 𝑊⁽¹⁾ · 𝑥 + 𝑏⁽¹⁾``."""
    pattern, mapping = _pdf_names(graph)
    return pattern.sub(lambda m: mapping[m.group(1)], formula)


def solution_lines(question: Question, instructions: Instructions = DEFAULT_INSTRUCTIONS
                   ) -> list[tuple[str, list[tuple[str, list[str], list[tuple[str, bool]]]]]]:
    """The worked solution of a question's variant, as the answer key lays it out: per stage,
    per step its rule (and the activation it uses), then every entry — ``label = substitution
    ≈ result (exact …)``, and whether it is asked. Built from the same ``worked_lines`` as the
    key, rounded as ``instructions`` ask."""
    solution = question.solution
    arch = solution.spec.architecture
    asked = {blank.item for blank in question.blanks}
    stages: dict[str, list] = {}
    for lines in worked_lines(solution, PLAIN_INLINE, instructions):
        step = lines.step
        rule = activation_rule(step, arch)  # the one the key writes under the step's formula
        notes = [f"with {rule[0]}"] if rule is not None else []
        entries = []
        for e in lines.entries:
            shown = e.substitution if e.substitution != e.result else e.formula
            sign = "=" if e.exact else "≈"
            text = (f"{pdf_label(e.item)} = {shown} {sign} {e.result}" if shown != e.result
                    else f"{pdf_label(e.item)} {sign} {e.result}")
            if e.exact_value is not None:
                text += f" (exact {e.exact_value})"
            entries.append((text, e.item in asked))
        rule = step_formula(solution.graph, step).text
        stages.setdefault(step.stage, []).append((pdf_formula(solution.graph, rule), notes, entries))
    return [(STAGE_TITLES[stage], steps) for stage, steps in stages.items()]


def worked_solution(quiz: Quiz, question: Question, dialect: Dialect):
    """The worked solution as one block (``div``): what the LMS shows as general feedback once
    the quiz is over — every step's rule, every entry with its numbers, the asked ones bold."""
    E = dialect.E
    parts = [E.p(E.strong(f"Worked solution ({intro_text(quiz, question)})")),
             E.p("Each step gives its rule, then every entry with its numbers and its result, "
                 "worked from the rounded values before it and rounded as asked (“≈”), and "
                 "“(exact …)” where the exact solution differs; the answers asked are in bold.")]
    for number_, (title, steps) in enumerate(solution_lines(question, quiz.instructions), 1):
        parts.append(E.p(E.strong(f"{number_}. {title}")))
        for formula, notes, entries in steps:
            parts.append(E.p(formula + "".join(f"  ({note})" for note in notes)))
            parts.append(E.ul(*(E.li(E.strong(text) if asked else text) for text, asked in entries)))
    return E.div(*parts, **{"class": "exgen-solution"})


def _array(dialect: Dialect, nested):
    """A scalar as text; a vector as one row; a matrix (or a batch) as rows of cells."""
    if not isinstance(nested, list):
        return nested
    E = dialect.E
    rows = nested if isinstance(nested[0], list) else [nested]
    bracket = _style(dialect, "border-left:1px solid #444;border-right:1px solid #444;"
                              "border-collapse:separate;display:inline-table")
    cell = _style(dialect, "padding:0 6px;text-align:right")
    return E.table(E.tbody(*(E.tr(*(E.td(v, **cell) for v in row)) for row in rows)),
                   **{"class": "exgen-matrix", **bracket})


def _style(dialect: Dialect, css: str) -> dict:
    return {"style": css} if dialect.styled else {}


@dataclass(frozen=True)
class Diagram:
    """The question's network as an SVG file, named by its content."""

    name: str
    svg: bytes
    alt: str


def diagram(question: Question) -> Diagram:
    from exgen.render.diagram import network_svg

    svg = network_svg(question.spec).encode("utf-8")
    arch = question.spec.architecture
    sizes = "-".join(str(n) for n in [arch.input_size] + [layer.size for layer in arch.layers])
    alt = (f"Diagram of the {sizes} network with its weights and biases "
           "(the same values as in the table below)")
    return Diagram(f"network-{content_id('', svg.decode('utf-8'), length=16)}.svg", svg, alt)
