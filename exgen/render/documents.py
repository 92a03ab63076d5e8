"""What a worksheet and an answer key show, built from the assignment record and each variant's
step graph; the templates only lay it out.

Everything typeset here is markup that exgen builds from its own names and numbers (wrapped in
``Markup``); everything a person wrote (a course title, a student's name or id) stays a plain
string, so the autoescaping templates print it literally.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from exgen.activations import ACTIVATIONS
from exgen.assignment import INSTRUCTION_DEFAULTS
from exgen.losses import LOSSES
from exgen.numbers import exact_string
from exgen.render.diagram import network_svg
from exgen.render.math import HTML, formula_html, html_name, html_number, vector_html
from exgen.worked import STAGE_TITLES, worked_lines

PAPER_SIZES = {"a4": "A4", "letter": "letter"}


@dataclass
class Given:
    label: Markup  # "Weights W⁽¹⁾ ="
    value: Markup
    note: str = ""


@dataclass
class AnswerBox:
    item: str  # answer-sheet name with the exercise prefix: "q2.dL/dW1[1,2]"
    label: Markup


@dataclass
class Entry:
    item: str
    lhs: Markup
    parts: list[Markup]  # formula, substitution (each shown once)
    result: Markup
    exact: bool
    asked: bool


@dataclass
class StepView:
    formula: Markup
    notes: list[Markup]
    entries: list[Entry]


@dataclass
class Stage:
    title: str
    number: int
    boxes: list[AnswerBox] = field(default_factory=list)  # worksheet
    steps: list[StepView] = field(default_factory=list)  # key


@dataclass
class ExerciseView:
    key: str
    points: float
    code: str
    description: str
    given: list[Given]
    definitions: list[Markup]
    diagram: Markup
    stages: list[Stage]
    asked: int
    layers: int = 1

    @property
    def wide_diagram(self) -> bool:
        """Networks with hidden layers get the full width (beside the table they would be tiny)."""
        return self.layers > 1

    @property
    def points_text(self) -> str:
        points = int(self.points) if self.points == int(self.points) else self.points
        return f"{points} point{'s' if points != 1 else ''}"


@dataclass
class StudentDocument:
    kind: str  # "worksheet" or "key"
    course: str
    title: str
    assignment: str
    student_id: str
    student_name: str
    codes: str  # the variant codes of this student's exercises, "q1 ABC123 · q2 XYZ789"
    instructions: dict
    exercises: list[ExerciseView]
    paper: str

    @property
    def context(self) -> dict:
        return {"doc": self}


# -- pieces shared by both documents ---------------------------------------------------------
def _describe(arch) -> str:
    sizes = "-".join(str(n) for n in [arch.input_size] + [layer.size for layer in arch.layers])
    if arch.depth == 1:
        unit = "A single neuron" if arch.output_size == 1 else f"A layer of {arch.output_size} units"
        shape = f"{unit} with {arch.input_size} inputs, {ACTIVATIONS[arch.layers[0].activation].label} activation"
    else:
        acts = ", ".join(ACTIVATIONS[layer.activation].label for layer in arch.layers)
        shape = f"A {sizes} network ({acts})"
    batch = f", a mini-batch of {arch.batch_size} samples" if arch.batch_size else ""
    return (f"{shape}, {LOSSES[arch.loss].label} loss{batch}. "
            "Row j of a weight matrix holds the weights into unit j.")


def _numbers(solution, name: str):
    return solution.graph.nested(name, solution.values, exact_string)


def _given(solution) -> list[Given]:
    spec, arch = solution.spec, solution.spec.architecture
    batched = arch.batch_size is not None
    note = "one row per sample" if batched else ""
    out = [Given(Markup("Input ") + Markup(html_name("x")), Markup(vector_html(_numbers(solution, "x"))), note)]
    for l, layer in enumerate(arch.layers, 1):
        role = "output layer" if l == arch.depth else f"layer {l}"
        out.append(Given(Markup(f"Weights {html_name(f'W{l}')}"), Markup(vector_html(_numbers(solution, f"W{l}"))),
                         role))
        out.append(Given(Markup(f"Bias {html_name(f'b{l}')}"), Markup(vector_html(_numbers(solution, f"b{l}"))), role))
    out.append(Given(Markup("Target ") + Markup(html_name("y")), Markup(vector_html(_numbers(solution, "y"))), note))
    out.append(Given(Markup(f"Learning rate {html_name('learning_rate')}"),
                     Markup(html_number(exact_string(spec.learning_rate)))))
    return out


def _definitions(arch) -> list[Markup]:
    """Activation and loss as formulas (each once, in the order the network uses them)."""
    out, seen = [], set()
    for l, layer in enumerate(arch.layers, 1):
        act = ACTIVATIONS[layer.activation]
        if act.name in seen:
            continue
        seen.add(act.name)
        layers = [str(k) for k, other in enumerate(arch.layers, 1) if other.activation == act.name]
        where = f"layer{'s' if len(layers) > 1 else ''} {', '.join(layers)}"
        slope = ""
        if layer.negative_slope is not None:
            slope = f", with s = {exact_string(layer.negative_slope)}"
        text = Markup(f"Activation of {where}, {act.label}{slope}: ") + Markup(
            formula_html(act.definition_latex, act.definition))
        out.append(text)
    loss = LOSSES[arch.loss]
    mean = " (averaged over the batch)" if arch.batch_size else ""
    out.append(Markup(f"Loss, {loss.label}{mean}: ") + Markup(formula_html(loss.definition_latex, loss.definition)))
    out.append(Markup("Update: ") + Markup(formula_html(
        r"\theta_{\mathrm{new}} = \theta - \eta\,\frac{\partial L}{\partial \theta}",
        "θ_new = θ − η · ∂L/∂θ")))
    return out


def _index(graph, key: tuple) -> tuple:
    """The displayed (0-based) index of a cell: per-sample cells of one sample drop the sample."""
    quantity = graph.quantities[key[0]]
    if quantity.per_sample and graph.architecture.batch_size is None:
        return key[2:]
    return key[1:]


def _codes(variants) -> str:
    return " · ".join(f"{v.exercise} {v.code}" for v in variants)


def _instructions(record) -> dict:
    settings = dict(INSTRUCTION_DEFAULTS)
    settings.update((record.definition or {}).get("instructions") or {})
    return settings


# -- the worksheet -----------------------------------------------------------------------------
def _worksheet_exercise(variant) -> ExerciseView:
    solution = variant.solution
    graph = solution.graph
    asked = set(variant.asked)
    stages: dict[str, Stage] = {}
    for item, key in solution.items():
        if item not in asked:
            continue
        stage = graph.quantities[key[0]].stage
        if stage not in stages:
            stages[stage] = Stage(STAGE_TITLES[stage], len(stages) + 1)
        stages[stage].boxes.append(
            AnswerBox(f"{variant.exercise}.{item}", Markup(html_name(key[0], _index(graph, key)))))
    return ExerciseView(
        key=variant.exercise, points=variant.points, code=variant.code,
        description=_describe(solution.spec.architecture), given=_given(solution),
        definitions=_definitions(solution.spec.architecture),
        diagram=Markup(network_svg(solution.spec)), stages=list(stages.values()), asked=len(asked),
        layers=solution.spec.architecture.depth,
    )


# -- the answer key ----------------------------------------------------------------------------
def _notes(step, arch) -> list[Markup]:
    """The local rule a step uses: the activation's definition or derivative."""
    layer = step.quantity.layer
    if layer is None:
        return []
    act = ACTIVATIONS[arch.layers[layer - 1].activation]
    if act.name == "identity":
        return []
    if step.stage == "forward" and not step.name.startswith("z"):
        return [Markup("with ") + Markup(formula_html(act.definition_latex, act.definition))]
    if step.stage == "backprop" and step.name.startswith("dL/dz"):
        return [Markup("with ") + Markup(formula_html(act.derivative_latex, act.derivative))]
    return []


def _key_exercise(variant) -> ExerciseView:
    solution = variant.solution
    graph, arch = solution.graph, solution.spec.architecture
    asked = set(variant.asked)
    stages: dict[str, Stage] = {}
    for lines in worked_lines(solution, HTML):
        step = lines.step
        if step.stage not in stages:
            stages[step.stage] = Stage(STAGE_TITLES[step.stage], len(stages) + 1)
        entries = []
        for e in lines.entries:
            parts = [Markup(e.formula)]
            if e.substitution != e.formula:
                parts.append(Markup(e.substitution))
            if e.substitution == e.result:
                parts.pop()
            entries.append(Entry(f"{variant.exercise}.{e.item}",
                                 Markup(html_name(e.key[0], _index(graph, e.key))),
                                 parts, Markup(e.result), e.exact, e.item in asked))
        stages[step.stage].steps.append(
            StepView(Markup(formula_html(step.formula_latex, step.formula)), _notes(step, arch), entries))
    return ExerciseView(
        key=variant.exercise, points=variant.points, code=variant.code,
        description=_describe(arch), given=_given(solution), definitions=_definitions(arch),
        diagram=Markup(network_svg(solution.spec, values=solution.values)),
        stages=list(stages.values()), asked=len(asked), layers=arch.depth,
    )


def student_document(record, student: dict, kind: str, paper: str = "a4") -> StudentDocument:
    """The worksheet (``kind="worksheet"``) or answer key (``"key"``) of one student."""
    variants = [record.variant(student["student_id"], e["key"]) for e in record.exercises]
    variants = [v for v in variants if v is not None]
    build = _worksheet_exercise if kind == "worksheet" else _key_exercise
    return StudentDocument(
        kind=kind, course=record.course or "", title=record.title or record.name,
        assignment=record.name, student_id=student["student_id"],
        student_name=student.get("name") or "", codes=_codes(variants),
        instructions=_instructions(record), exercises=[build(v) for v in variants],
        paper=PAPER_SIZES[paper],
    )
