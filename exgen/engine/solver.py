"""Solve a spec exactly: evaluate its step graph and keep the result as a :class:`Solution`.

The solution is what every later stage reads — the worked solution and answer key (display),
the grader (recomputing cells from a student's answers), the exporters and the generator.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from exgen.engine import names
from exgen.engine.arithmetic import START_PRECISION, DomainError, ExactArithmetic, PrecisionLost
from exgen.engine.graph import Kind, StepGraph, build_graph, map_nested
from exgen.engine.losses import LOSSES
from exgen.engine.numbers import exact_string, exact_text
from exgen.engine.program import program
from exgen.engine.spec import Spec

#: Give up refining after this precision (bits); reached only by pathological specs.
MAX_PRECISION = 4096


class SolveError(ValueError):
    """A valid spec whose values leave a function's domain (e.g. ln 0 in the loss)."""


@dataclass
class Solution:
    spec: Spec
    graph: StepGraph
    values: dict  # cell key -> exact value (mpq or mpfr), givens included
    precision: int  # bits of the mpfr values (rationals are exact regardless)
    _exact: dict = field(default_factory=dict, repr=False, compare=False)
    _exact_lists: dict = field(default_factory=dict, repr=False, compare=False)

    def nested(self, name: str, convert=lambda v: v):
        return self.graph.nested(name, self.values, convert)

    def items(self, names=None):
        """(item name, cell key) of the computed cells, in the order the work is done."""
        for step in self.graph.steps:
            if names is None or step.name in names:
                for cell in step.cells:
                    yield self.graph.item(cell.key), cell.key

    def output_names(self) -> list[str]:
        """Names written under ``values``/``exact``: every step, plus ``a{L}`` (= yhat)."""
        return [step.name for step in self.graph.steps]

    def exact_form(self, key: tuple) -> tuple[str, bool]:
        """A cell's design §2 ``exact`` string and whether it is exact (cached: the JSON, the
        key and the grader all read it)."""
        form = self._exact.get(key)
        if form is None:
            form = self._exact[key] = exact_text(self.values[key])
        return form

    def exact_text(self, key: tuple) -> str:
        return self.exact_form(key)[0]

    def exact_forms(self, keys) -> list[tuple[str, bool]]:
        """:meth:`exact_form` of many cells at once (and kept for later calls; the list itself
        too, for the same sequence of keys, as the worked solution asks again and again)."""
        lists = self._exact_lists  # id of a sequence of keys -> (the sequence, its forms)
        forms = lists.get(id(keys))
        if forms is None or forms[0] is not keys:
            cached, values = self._exact, self.values
            forms = (keys, [cached.get(key) or exact_text(values[key]) for key in keys])
            cached.update(zip(keys, forms[1]))
            lists[id(keys)] = forms
        return forms[1]

    def to_json(self, value=None, exact=None) -> dict:
        """``values`` and ``exact`` of design §2 (``exgen.notation.worked.solution_json`` adds
        the worked ``steps``). ``value(key)`` and ``exact(key)`` replace how one cell is
        written (``exgen.notation.worked`` lays out its JSON text once per shape this way)."""
        current = self.values
        value = value or (lambda key: float(current[key]))
        exact = exact or self.exact_text
        values, texts = {}, {}
        layout = self.graph.layout
        for name in self.output_names():
            values[name] = map_nested(layout(name), value)
            texts[name] = map_nested(layout(name), exact)
            if name == names.OUTPUT:  # a{L} is another name of the output
                alias = names.activation(self.graph.architecture.depth)
                values[alias], texts[alias] = values[name], texts[name]
        return {"values": values, "exact": texts}


def solve(spec: Spec) -> Solution:
    """Evaluate the spec's step graph exactly, raising the precision if a sum cancels too much."""
    graph = build_graph(spec.architecture)
    run = program(graph)  # the graph as straight-line code: the same operations, less overhead
    precision = START_PRECISION
    while True:
        arithmetic = ExactArithmetic(precision)
        values = spec.given_values()
        try:
            with arithmetic.working_context():
                try:
                    results = run(values, arithmetic)
                    if not all(-_DOUBLE_MAX <= value <= _DOUBLE_MAX for value in results):
                        raise OverflowError
                except (DomainError, ZeroDivisionError, OverflowError):
                    _evaluate(graph, values, arithmetic)  # cell by cell, to say which one
                    raise
            values.update(zip(graph.keys, results))
            return Solution(spec, graph, values, precision)
        except PrecisionLost:
            if precision >= MAX_PRECISION:
                raise SolveError(
                    f"the values cancel beyond {MAX_PRECISION}-bit precision; "
                    "this spec is too ill-conditioned to solve exactly"
                ) from None
            precision *= 2


#: Every value must be a finite double too: ``values`` (design §2), the grader and the exports
#: read them as floats. NaN fails both comparisons.
_DOUBLE_MAX = sys.float_info.max


def _evaluate(graph: StepGraph, values: dict, arithmetic) -> None:
    for cell in graph.cells:
        try:
            value = values[cell.key] = cell.compute(values, arithmetic)
        except (DomainError, ZeroDivisionError) as e:
            reason = _domain_reason(graph, values, cell)
            raise SolveError(f"cannot compute {graph.item(cell.key)}: {reason or e}") from None
        if not -_DOUBLE_MAX <= value <= _DOUBLE_MAX:
            raise SolveError(f"cannot compute {graph.item(cell.key)}: the values grow beyond what a "
                             "double holds (±1.8e308, or an exponential overflows); use smaller values")


def _domain_reason(graph: StepGraph, values: dict, cell) -> str | None:
    """Say which prediction left the loss's domain, in the terms of the spec."""
    loss = LOSSES[graph.architecture.loss]
    kind = graph.quantities[cell.key[0]].kind
    if kind in (Kind.LOSS, Kind.LOSS_GRADIENT) and loss.predictions is not None:
        bad = [k for k in cell.inputs if k[0] == names.OUTPUT]
        shown = ", ".join(f"{graph.item(k)} = {exact_string(values[k])}" for k in bad)
        return f"{loss.name} needs every prediction ŷ {loss.predictions.describe()}, but {shown}"
    return None


