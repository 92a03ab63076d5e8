"""The formula of every step of a step graph, in plain text and in LaTeX.

The step graph records what each step is (its kind and layer); this module writes it down from
the quantity names (``exgen.notation.names``) and from the activation's and the loss's own
formula texts (``exgen.engine.activations``, ``exgen.engine.losses``).
"""

from __future__ import annotations

from dataclasses import dataclass

from exgen.engine import names
from exgen.engine.activations import ACTIVATIONS
from exgen.engine.graph import Kind, Step, StepGraph
from exgen.engine.losses import LOSSES
from exgen.notation.names import tex_name as _tex
from exgen.notation.names import text_name as _txt


@dataclass(frozen=True)
class StepFormula:
    text: str  # e.g. "z1 = W1 · x + b1"
    latex: str  # e.g. "z^{(1)} = W^{(1)}\,x + b^{(1)}"


def step_formula(graph: StepGraph, step: Step) -> StepFormula:
    """A step's formula (cached with the graph: graphs are shared by every variant of a shape)."""
    formulas = graph.__dict__.get("_formulas")
    if formulas is None:
        formulas = graph.__dict__["_formulas"] = {s.name: _formula(graph, s) for s in graph.steps}
    return formulas[step.name]


def _formula(graph: StepGraph, step: Step) -> StepFormula:
    arch, kind, l, name = graph.architecture, step.kind, step.layer, step.name
    B = arch.samples
    batch = "[s]" if arch.batch_size else ""
    total, total_tex = ("Σ_s ", r"\sum_s ") if B > 1 else ("", "")
    if kind == Kind.PRE_ACTIVATION:
        W, b, below = names.weights(l), names.bias(l), names.layer_input(l)
        return StepFormula(f"{name}{batch} = {W} · {_txt(below)}{batch} + {b}",
                           rf"{_tex(name)} = {_tex(W)}\,{_tex(below)} + {_tex(b)}")
    if kind == Kind.ACTIVATION:
        act, z = ACTIVATIONS[arch.layers[l - 1].activation], names.pre_activation(l)
        if act.identity:
            return StepFormula(f"{_txt(name)}{batch} = {z}{batch}", rf"{_tex(name)} = {_tex(z)}")
        return StepFormula(f"{_txt(name)}{batch} = {act.symbol}({z}{batch})",
                           rf"{_tex(name)} = {act.symbol_latex}({_tex(z)})")
    if kind == Kind.LOSS:
        loss = LOSSES[arch.loss]
        if B == 1:
            return StepFormula(loss.definition, loss.definition_latex)
        rhs, rhs_tex = loss.definition.partition(" = ")[2], loss.definition_latex.partition(" = ")[2]
        return StepFormula(f"L = (1/{B}) Σ_s ℓ_s,  ℓ_s = {rhs}",
                           rf"L = \frac{{1}}{{{B}}} \sum_s \ell_s, \quad \ell_s = {rhs_tex}")
    if kind == Kind.LOSS_GRADIENT:
        loss = LOSSES[arch.loss]
        if B == 1:
            return StepFormula(loss.gradient_text, loss.gradient_latex)
        lhs, _, rhs = loss.gradient_text.partition(" = ")
        lhs_tex, _, rhs_tex = loss.gradient_latex.partition(" = ")
        return StepFormula(f"{lhs} = (1/{B}) · ({rhs})   for each sample",
                           rf"{lhs_tex} = \frac{{1}}{{{B}}} \left( {rhs_tex} \right)")
    if kind == Kind.DELTA:
        act = ACTIVATIONS[arch.layers[l - 1].activation]
        parts = {"dz": name, "g": names.output_gradient(l, arch.depth),
                 "a": names.layer_output(l, arch.depth), "z": names.pre_activation(l)}
        return StepFormula(act.delta_formula.format_map({k: _txt(v) for k, v in parts.items()}),
                           act.delta_formula_latex.format_map({k: _tex(v) for k, v in parts.items()}))
    if kind == Kind.WEIGHT_GRADIENT:
        dz, below = names.gradient(names.pre_activation(l)), names.layer_input(l)
        return StepFormula(f"{_txt(name)} = {total}{_txt(dz)} · {_txt(below)}ᵀ",
                           rf"{_tex(name)} = {total_tex}{_tex(dz)}\,{{{_tex(below)}}}^{{\top}}")
    if kind == Kind.BIAS_GRADIENT:
        dz = names.gradient(names.pre_activation(l))
        return StepFormula(f"{_txt(name)} = {total}{_txt(dz)}", rf"{_tex(name)} = {total_tex}{_tex(dz)}")
    if kind == Kind.ACTIVATION_GRADIENT:  # dL/da{l} from the layer above
        W, dz = names.weights(l + 1), names.gradient(names.pre_activation(l + 1))
        return StepFormula(f"{_txt(name)} = {W}ᵀ · {_txt(dz)}",
                           rf"{_tex(name)} = {{{_tex(W)}}}^{{\top}} {_tex(dz)}")
    if kind == Kind.UPDATE:
        param = names.before_update(name)
        grad = names.gradient(param)
        return StepFormula(f"{name} = {param} − η · {_txt(grad)}",
                           rf"{_tex(name)} = {_tex(param)} - \eta\,{_tex(grad)}")
    raise ValueError(f"no formula for a step of kind {kind!r}")
