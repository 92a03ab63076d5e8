"""The worked solution: a solution's steps laid out like the seed (formula, substitution, result).

``worked_lines`` gives the structure every presentation reads (stage, step, and per entry: the
entry's formula, its substitution and its rounded result); ``worked_text`` lays it out for the
terminal and ``solution_json`` for ``exgen solve --json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from exgen.engine import names
from exgen.engine.activations import ACTIVATIONS
from exgen.engine.graph import Kind
from exgen.engine.losses import LOSSES
from exgen.engine.numbers import exact_string
from exgen.notation.display import LatexNotation, Notation, SolutionDisplay
from exgen.notation.formulas import step_formula
from exgen.notation.names import text_name

STAGE_TITLES = {
    "forward": "Forward pass",
    "loss": "Loss",
    "backprop": "Backpropagation",
    "update": "Gradient-descent update",
}

TEXT = Notation()
LATEX = LatexNotation()


@dataclass
class EntryLine:
    item: str  # contract name, e.g. "dL/dW1[1,2]"
    key: tuple
    formula: str  # the entry in symbols
    substitution: str  # the entry with numbers
    result: str  # rounded for display
    exact: bool  # whether ``result`` is the exact value


@dataclass
class StepLines:
    step: object  # exgen.engine.graph.Step
    entries: list[EntryLine]


def worked_lines(solution, notation: Notation = TEXT) -> list[StepLines]:
    display = SolutionDisplay(solution, notation)
    item = solution.graph.item
    out = []
    for step in solution.graph.steps:
        entries = []
        for cell in step.cells:
            key = cell.key
            shown = display.rounded(key)
            entries.append(
                EntryLine(
                    item(key),
                    key,
                    display.formula(key),
                    display.substitution(key),
                    notation.number(shown.text),
                    shown.exact,
                )
            )
        out.append(StepLines(step, entries))
    return out


@lru_cache(maxsize=4096)
def _pretty_item(item: str) -> str:
    name, bracket, rest = item.partition("[")
    return text_name(name) + bracket + rest


def entry_text(entry: EntryLine) -> str:
    """One line: ``z1[1] = W1[1,1] × x[1] + ... = 0.5 × 1 + ... = 1.8``."""
    sign = "=" if entry.exact else "≈"
    parts = [_pretty_item(entry.item), entry.formula]
    if entry.substitution != entry.formula:
        parts.append(entry.substitution)
    if entry.substitution != entry.result:
        return " = ".join(parts) + f" {sign} {entry.result}"
    return " = ".join(parts)


def solution_json(solution) -> dict:
    """The JSON of design §2: ``values``, ``exact`` and the worked ``steps``."""
    out = solution.to_json()
    out["steps"] = steps_json(solution, out["exact"])
    return out


def steps_json(solution, exact: dict | None = None) -> list[dict]:
    """The ``steps`` of ``exgen solve --json``; ``exact`` reuses already written values."""
    steps = []
    for lines in worked_lines(solution):
        step = lines.step
        value = exact[step.name] if exact else solution.nested(step.name, exact_string)
        steps.append(
            {
                "quantity": step.name,
                "stage": step.stage,
                "inputs": list(step.inputs),
                "formula": step_formula(solution.graph, step).text,
                "substitution": [entry_text(e) for e in lines.entries],
                "value": value,
            }
        )
    return steps


def _vector_text(values) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_vector_text(v) for v in values) + "]"
    return TEXT.number(values)


def given_text(solution) -> list[str]:
    graph, arch = solution.graph, solution.spec.architecture
    show = lambda name: _vector_text(graph.nested(name, solution.values, exact_string))  # noqa: E731
    batch = f" (a batch of {arch.batch_size} samples, one per row)" if arch.batch_size else ""
    lines = [f"Input x = {show(names.INPUT)}{batch}", f"Target y = {show(names.TARGET)}"]
    for l, layer in enumerate(arch.layers, 1):
        act = ACTIVATIONS[layer.activation]
        extra = f", s = {TEXT.number(exact_string(layer.negative_slope))}" if layer.negative_slope is not None else ""
        role = "output layer" if l == arch.depth else "hidden layer"
        W, b = names.weights(l), names.bias(l)
        lines.append(
            f"Layer {l} ({role}, {layer.size} unit{'s' if layer.size > 1 else ''}): "
            f"{W} = {show(W)}, {b} = {show(b)}; activation {act.label}: "
            f"{act.definition}{extra}"
        )
    loss = LOSSES[arch.loss]
    lines.append(f"Loss: {loss.label}, {loss.definition}" + (", averaged over the batch" if arch.batch_size else ""))
    lines.append(f"Learning rate η = {show(names.LEARNING_RATE)}")
    return lines


def activation_rule(step, arch) -> tuple[str, str] | None:
    """The activation's rule a step uses, as (text, LaTeX): its definition for a layer's
    activation, its derivative for δ; None elsewhere and for the identity."""
    if step.kind not in (Kind.ACTIVATION, Kind.DELTA):
        return None
    act = ACTIVATIONS[arch.layers[step.layer - 1].activation]
    if act.identity:
        return None
    if step.kind == Kind.ACTIVATION:
        return act.definition, act.definition_latex
    return act.derivative, act.derivative_latex


def worked_text(solution) -> str:
    """The worked solution for a terminal, laid out like the seed examples."""
    out = ["Given", *("  " + line for line in given_text(solution))]
    stage, number = None, 0
    for lines in worked_lines(solution):
        step = lines.step
        if step.stage != stage:
            stage, number = step.stage, number + 1
            out += ["", f"{number}. {STAGE_TITLES[stage]}"]
        out.append(f"  {step_formula(solution.graph, step).text}")
        rule = activation_rule(step, solution.spec.architecture)
        if rule is not None:
            out.append(f"    with {rule[0]}")
        for entry in lines.entries:
            out.append("    " + entry_text(entry))
    return "\n".join(out) + "\n"
