"""The worked solution: a solution's steps laid out like the seed (formula, substitution, result).

``worked_lines`` gives the structure every presentation reads (stage, step, and per entry: the
entry's formula, its substitution and its rounded result); ``worked_text`` lays it out for the
terminal and ``solution_json`` for ``exgen solve --json``.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Callable
from json import encoder as json_encoder

from exgen.engine import names
from exgen.engine.activations import ACTIVATIONS
from exgen.engine.graph import Kind
from exgen.engine.losses import LOSSES
from exgen.engine.numbers import exact_string
from exgen.instructions import DEFAULT_INSTRUCTIONS, Instructions
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
    substitution: str  # the entry with the numbers printed (the formula where they cannot give it)
    result: str  # what the printed numbers give, rounded as instructed
    exact: bool  # whether ``result`` is what they give exactly
    exact_value: str | None = None  # the exact solution's value, rounded the same way, if different


@dataclass
class StepLines:
    step: object  # exgen.engine.graph.Step
    entries: list[EntryLine]


def worked_lines(solution, notation: Notation = TEXT,
                 instructions: Instructions = DEFAULT_INSTRUCTIONS) -> list[StepLines]:
    """Every entry of the worked solution, step by step, rounded as ``instructions`` ask."""
    display = SolutionDisplay(solution, notation, instructions)
    graph, chain = solution.graph, display.chain
    item, number = graph.item, notation.number
    first = len(display.shown) - len(graph.cells)
    cells = zip(display.graph.formulas, display.substitutions(), display.texts[first:],
                display.shown[first:], chain.exact, chain.computed)
    out = []
    for step in graph.steps:
        entries = []
        for cell in step.cells:
            formula, substitution, text, result, exact, computed = next(cells)
            entries.append(EntryLine(item(cell.key), cell.key, formula,
                                     substitution if computed else formula, text, result.exact,
                                     None if exact is None else number(exact)))
        out.append(StepLines(step, entries))
    return out


@lru_cache(maxsize=4096)
def _pretty_item(item: str) -> str:
    name, bracket, rest = item.partition("[")
    return text_name(name) + bracket + rest


def _line(item: str, formula: str, substitution: str, result: str, exact: bool,
          exact_value: str | None = None) -> str:
    parts = [item, formula]
    if substitution != formula:
        parts.append(substitution)
    line = " = ".join(parts)
    if substitution != result:
        line += (" = " if exact else " ≈ ") + result
    if exact_value is not None:
        line += f" (exact {exact_value})"
    return line


def entry_text(entry: EntryLine) -> str:
    """One line: ``z1[1] = W1[1,1] × x[1] + ... = 0.5 × 1 + ... = 1.8``; where the exact
    solution differs in the asked digits, ``... ≈ −0.2145 (exact −0.2144)``."""
    return _line(_pretty_item(entry.item), entry.formula, entry.substitution, entry.result,
                 entry.exact, entry.exact_value)


def entry_texts(solution, instructions: Instructions = DEFAULT_INSTRUCTIONS) -> list[str]:
    """:func:`entry_text` of every cell, in graph order, without building the entries (the
    same lines, written inline: ``exgen solve --json`` writes thousands)."""
    display = SolutionDisplay(solution, TEXT, instructions)
    graph, chain = solution.graph, display.chain
    heads = graph.__dict__.get("_line_heads")
    if heads is None:  # "item = formula", per cell
        heads = graph.__dict__["_line_heads"] = [
            f"{_pretty_item(graph.item(key))} = {formula}"
            for key, formula in zip(graph.keys, display.graph.formulas)]
    first = len(display.shown) - len(heads)
    number = TEXT.number
    lines = []
    for head, formula, substitution, text, result, exact, computed in zip(
            heads, display.graph.formulas, display.substitutions(), display.texts[first:],
            display.shown[first:], chain.exact, chain.computed):
        if not computed:
            substitution = formula
        line = head if substitution == formula else f"{head} = {substitution}"
        if substitution != text:
            line += (" = " if result.exact else " ≈ ") + text
        if exact is not None:
            line += f" (exact {number(exact)})"
        lines.append(line)
    return lines


def solution_json(solution) -> dict:
    """The JSON of design §2: ``values``, ``exact`` and the worked ``steps``."""
    out = solution.to_json()
    lines = iter(entry_texts(solution))
    out["steps"] = _steps(solution, lambda step: out["exact"][step.name],
                          lambda step: [next(lines) for _ in step.cells])
    return out


def steps_json(solution) -> list[dict]:
    """The ``steps`` of ``exgen solve --json``."""
    lines = iter(entry_texts(solution))
    return _steps(solution, lambda step: solution.nested(step.name, exact_string),
                  lambda step: [next(lines) for _ in step.cells])


def _steps(solution, value, substitution) -> list[dict]:
    return [
        {
            "quantity": step.name,
            "stage": step.stage,
            "inputs": list(step.inputs),
            "formula": step_formula(solution.graph, step).text,
            "substitution": substitution(step),
            "value": value(step),
        }
        for step in solution.graph.steps
    ]


def solution_json_text(solution) -> str:
    """``json.dumps(solution_json(solution), ensure_ascii=False)``, written the fast way: the
    JSON text of a network shape is laid out once (:func:`_json_layout`) and each solution
    only fills in its numbers and lines (``exgen solve --json`` over a whole class)."""
    pieces, pick = _json_layout(solution)
    values, keys = solution.values, solution.graph.keys
    lines = [_json_string(line) for line in entry_texts(solution)]  # writes every exact text
    floats = [float(values[key]) for key in keys]
    fields = pick([
        *[_float_repr(x) if x - x == 0 else _json_float(x) for x in floats],  # finite: repr
        # exact strings hold digits, ".", "-", "E" and "+" only: nothing to escape
        *['"' + text + '"' for text, _ in solution.exact_forms(keys)],
        *lines,
    ])
    pieces[1::2] = fields
    return "".join(pieces)


def _json_float(x: float) -> str:
    """A float as ``json.dumps`` writes it."""
    if x != x:
        return "NaN"
    if x in (_INFINITY, -_INFINITY):
        return "Infinity" if x > 0 else "-Infinity"
    return _float_repr(x)


_INFINITY = float("inf")
_float_repr = float.__repr__
_json_string = json_encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) uses
_MARK = re.compile('"\ue000([ves])(\\d+)\ue001"')


def _json_layout(solution) -> tuple[list[str], Callable]:
    """The JSON text of a solution of this shape, as its literal pieces (a list with a gap
    between every two) and ``pick(fields)``, which gives what fills the gaps, in order, from
    the list of every cell's value, then its exact string, then its worked line (cached with
    the graph; the pieces are copied for each solution).

    The layout is ``json.dumps`` of the very structure :func:`solution_json` builds, with a
    marker in place of every number and line, so the two cannot write different JSON."""
    graph = solution.graph
    layout = graph.__dict__.get("_json_layout")
    if layout is None:
        field = {key: i for i, key in enumerate(graph.keys)}
        offset = {"v": 0, "e": len(field), "s": 2 * len(field)}

        def marker(kind):
            return lambda key: f"\ue000{kind}{field[key]}\ue001"

        structure = solution.to_json(value=marker("v"), exact=marker("e"))
        line = marker("s")
        structure["steps"] = _steps(solution, lambda step: structure["exact"][step.name],
                                    lambda step: [line(cell.key) for cell in step.cells])
        # [piece, kind, number, piece, kind, number, ..., piece]
        split = _MARK.split(json.dumps(structure, ensure_ascii=False))
        gaps = [offset[kind] + int(number) for kind, number in zip(split[1::3], split[2::3])]
        pieces = [None] * (2 * len(gaps) + 1)
        pieces[0::2] = split[0::3]
        layout = graph.__dict__["_json_layout"] = (pieces, _picker(gaps))
    pieces, pick = layout
    return pieces[:], pick


def _picker(indices: list[int]) -> Callable:
    """``pick(fields)``: the list of ``fields[i]`` for each i of ``indices``."""
    get = itemgetter(*indices)
    return (lambda fields: list(get(fields))) if len(indices) > 1 else (lambda fields: [get(fields)])


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


def rounding_note(instructions: Instructions = DEFAULT_INSTRUCTIONS) -> str:
    """How the worked solution rounds, in one sentence."""
    return (f"Each result is worked from the rounded values before it and rounded to "
            f"{instructions.significant_figures} significant figures (updated parameters to "
            f"{instructions.parameter_decimals} decimals), as on paper; “(exact …)” gives the "
            f"exact solution where it differs.")


def worked_text(solution, instructions: Instructions = DEFAULT_INSTRUCTIONS) -> str:
    """The worked solution for a terminal, laid out like the seed examples."""
    out = ["Given", *("  " + line for line in given_text(solution)), "",
           *textwrap.wrap(rounding_note(instructions), 92)]
    stage, number = None, 0
    for lines in worked_lines(solution, TEXT, instructions):
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
