"""What a worksheet and an answer key show, built from the assignment record and each variant's
step graph; the templates only lay it out.

Everything typeset here is markup that exgen builds from its own names and numbers (wrapped in
``Markup``); everything a person wrote (a course title, a student's name or id) stays a plain
string, so the autoescaping templates print it literally.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from exgen.engine import names
from exgen.engine.activations import ACTIVATIONS
from exgen.engine.losses import LOSSES
from exgen.engine.numbers import exact_string
from exgen.instructions import DEFAULT_INSTRUCTIONS, Instructions
from exgen.notation.formulas import step_formula
from exgen.notation.worked import STAGE_TITLES, activation_rule, worked_lines
from exgen.render.diagram import network_img
from exgen.paper.form import TICKET_FIELD, Field, field_anchor, field_name, qr_img
from exgen.render.math import INLINE, ITALIC, formula_html, name_text, number_text, vector_html

PAPER_SIZES = {"a4": "A4", "letter": "letter"}


@dataclass
class Given:
    label: str  # "Weights 𝑊⁽¹⁾"
    value: Markup  # the number, vector or matrix


@dataclass
class GivenLine:
    """Given values printed on one line (a layer's weights and bias), with who they belong to."""

    role: str
    values: list[Given]
    note: str = ""


@dataclass
class AnswerBox:
    item: str  # answer-sheet name with the exercise prefix: "q2.dL/dW1[1,2]"
    label: str  # "∂𝐿/∂𝑊₁₂⁽¹⁾"

    @property
    def anchor(self) -> str:
        """The id of the element a fillable worksheet's field covers (exgen.paper.form)."""
        return field_anchor(field_name(self.item))


@dataclass
class Entry:
    """One line of the key: ``label = shown ≈ result``, as the seed writes them; the result is
    what the printed numbers give, rounded as instructed, and ``exact_value`` the exact
    solution's (rounded the same way) where it differs."""

    item: str
    label: str
    shown: Markup | None  # the substitution (or, for a copied value, the formula)
    result: str
    exact: bool
    asked: bool
    exact_value: str | None = None


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
    given: list[GivenLine]
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
class WorksheetForm:
    """What makes a worksheet fillable and recognisable (design §10)."""

    ticket: str  # NAME/SID/CODE/TAG, printed small and held by the exgen:ticket field
    qr: Markup  # the QR code image
    online: bool  # whether the QR code is the student's link (else it holds the ticket)
    ticket_anchor: str = field_anchor(TICKET_FIELD)


@dataclass
class StudentDocument:
    kind: str  # "worksheet" or "key"
    course: str
    title: str
    assignment: str
    student_id: str
    student_name: str
    codes: str  # the variant codes of this student's exercises, "q1 ABC123 · q2 XYZ789"
    instructions: Instructions
    exercises: list[ExerciseView]
    paper: str
    form: WorksheetForm | None = None  # a fillable worksheet's ticket and QR code

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


def _given(solution) -> list[GivenLine]:
    arch = solution.spec.architecture
    value = lambda name: Markup(vector_html(_numbers(solution, name)))  # noqa: E731
    note = "one row per sample" if arch.batch_size is not None else ""
    # no-break spaces inside a label: a line breaks between two givens, never inside one
    x, y, rate = names.INPUT, names.TARGET, names.LEARNING_RATE
    lines = [GivenLine("", [Given(f"Input\u00a0{name_text(x)}", value(x)),
                            Given(f"target\u00a0{name_text(y)}", value(y))], note)]
    for l in range(1, arch.depth + 1):
        role = "Output layer" if l == arch.depth else f"Layer {l}"
        W, b = names.weights(l), names.bias(l)
        lines.append(GivenLine(role, [Given(f"weights\u00a0{name_text(W)}", value(W)),
                                      Given(f"bias\u00a0{name_text(b)}", value(b))]))
    lines.append(GivenLine("", [Given(f"Learning rate\u00a0{name_text(rate)}", value(rate))]))
    return lines


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
            slope = f", with {ITALIC['s']} = {number_text(exact_string(layer.negative_slope))}"
        out.append(_label(f"{where.capitalize()}, {act.label}{slope}:")
                   + Markup(formula_html(act.definition_latex, act.definition)))
    loss = LOSSES[arch.loss]
    mean = " (averaged over the batch)" if arch.batch_size else ""
    out.append(_label(f"Loss, {loss.label}{mean}:") + Markup(formula_html(loss.definition_latex, loss.definition)))
    out.append(_label("Update:") + Markup(formula_html(
        r"\theta^{\mathrm{new}} = \theta - \eta\,\frac{\partial L}{\partial \theta}",
        "θ_new = θ − η · ∂L/∂θ")))
    return out


def _label(text: str) -> Markup:
    """A definition's label, kept on one line (its formula never breaks either): the line
    breaks between the two when both do not fit."""
    return Markup(text.replace(" ", "\u00a0") + " ")


def _index(graph, key: tuple) -> tuple:
    """The displayed (0-based) index of a cell: per-sample cells of one sample drop the sample."""
    quantity = graph.quantities[key[0]]
    if quantity.per_sample and graph.architecture.batch_size is None:
        return key[2:]
    return key[1:]


def _codes(variants) -> str:
    return " · ".join(f"{v.exercise} {v.code}" for v in variants)


# -- the worksheet -----------------------------------------------------------------------------
def answer_boxes(variant) -> list[tuple[str, AnswerBox]]:
    """(stage, box) for every asked item of a variant, in the order the work is done."""
    solution = variant.solution
    graph = solution.graph
    asked = set(variant.asked)
    return [(graph.quantities[key[0]].stage,
             AnswerBox(f"{variant.exercise}.{item}", name_text(key[0], _index(graph, key))))
            for item, key in solution.items() if item in asked]


def _worksheet_exercise(variant) -> ExerciseView:
    solution = variant.solution
    asked = set(variant.asked)
    stages: dict[str, Stage] = {}
    for stage, box in answer_boxes(variant):
        if stage not in stages:
            stages[stage] = Stage(STAGE_TITLES[stage], len(stages) + 1)
        stages[stage].boxes.append(box)
    return ExerciseView(
        key=variant.exercise, points=variant.points, code=variant.code,
        description=_describe(solution.spec.architecture), given=_given(solution),
        definitions=_definitions(solution.spec.architecture),
        diagram=Markup(network_img(solution.spec)), stages=list(stages.values()), asked=len(asked),
        layers=solution.spec.architecture.depth,
    )


# -- the answer key ----------------------------------------------------------------------------
def _notes(step, arch) -> list[Markup]:
    """The local rule a step uses: the activation's definition or derivative."""
    rule = activation_rule(step, arch)
    if rule is None:
        return []
    text, latex = rule
    return [Markup("with ") + Markup(formula_html(latex, text))]


def key_exercise(variant, instructions: Instructions = DEFAULT_INSTRUCTIONS) -> ExerciseView:
    solution = variant.solution
    graph, arch = solution.graph, solution.spec.architecture
    asked = set(variant.asked)
    stages: dict[str, Stage] = {}
    for lines in worked_lines(solution, INLINE, instructions):
        step = lines.step
        if step.stage not in stages:
            stages[step.stage] = Stage(STAGE_TITLES[step.stage], len(stages) + 1)
        entries = []
        for e in lines.entries:
            # The step's formula above says how every entry is computed, so an entry shows its
            # numbers (as the seed does); an entry that only copies a value shows where from.
            shown = e.substitution if e.substitution != e.result else e.formula
            entries.append(Entry(f"{variant.exercise}.{e.item}", name_text(e.key[0], _index(graph, e.key)),
                                 Markup(shown) if shown != e.result else None, e.result, e.exact,
                                 e.item in asked, e.exact_value))
        formula = step_formula(graph, step)
        stages[step.stage].steps.append(
            StepView(Markup(formula_html(formula.latex, formula.text)), _notes(step, arch), entries))
    return ExerciseView(
        key=variant.exercise, points=variant.points, code=variant.code,
        description=_describe(arch), given=_given(solution), definitions=_definitions(arch),
        diagram=Markup(network_img(solution.spec, values=solution.values)),
        stages=list(stages.values()), asked=len(asked), layers=arch.depth,
    )


def student_document(record, student: dict, kind: str, paper: str = "a4",
                     identity=None) -> StudentDocument:
    """The worksheet (``kind="worksheet"``) or answer key (``"key"``) of one student; a
    worksheet with an ``identity`` (``exgen.paper.tickets.WorksheetIdentity``) is fillable."""
    variants = [record.variant(student["student_id"], e["key"]) for e in record.exercises]
    variants = [v for v in variants if v is not None]
    instructions = Instructions.of(record.definition)  # the assignment's own rounding rules
    if kind == "worksheet":
        exercises = [_worksheet_exercise(v) for v in variants]
    else:
        exercises = [key_exercise(v, instructions) for v in variants]
    return StudentDocument(
        kind=kind, course=record.course or "", title=record.title or record.name,
        assignment=record.name, student_id=student["student_id"],
        student_name=student.get("name") or "", codes=_codes(variants),
        instructions=instructions, exercises=exercises, paper=PAPER_SIZES[paper],
        form=(WorksheetForm(identity.ticket, qr_img(identity.qr), bool(identity.link))
              if identity is not None and kind == "worksheet" else None),
    )


def form_fields(record, student: dict, identity) -> list[Field]:
    """The PDF form fields of a student's fillable worksheet: one per answer box, in work
    order, and the ticket (read-only, hidden: its text is printed where the field is)."""
    fields = []
    for exercise in record.exercises:
        variant = record.variant(student["student_id"], exercise["key"])
        if variant is None:
            continue
        for _, box in answer_boxes(variant):
            fields.append(Field(box.anchor, field_name(box.item), tooltip=f"{box.label} ({box.item})"))
    fields.append(Field(field_anchor(TICKET_FIELD), TICKET_FIELD, value=identity.ticket,
                        read_only=True, hidden=True))
    return fields
