"""Solve a spec exactly: evaluate its step graph and keep the result as a :class:`Solution`.

The solution is what every later stage reads — the worked solution and answer key (display),
the grader (recomputing cells from a student's answers), the exporters and the generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exgen.engine.arithmetic import START_PRECISION, DomainError, ExactArithmetic, PrecisionLost
from exgen.engine.graph import StepGraph, build_graph, map_nested
from exgen.engine.numbers import exact_string, exact_text
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

    def nested(self, name: str, convert=lambda v: v):
        return self.graph.nested(name, self.values, convert)

    def value(self, key: tuple):
        return self.values[key]

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

    def to_json(self, steps: bool = True) -> dict:
        """The JSON of design §2: ``values``, ``exact``, ``steps``."""
        values, exact = {}, {}
        layout, current = self.graph.layout, self.values
        for name in self.output_names():
            values[name] = map_nested(layout(name), lambda key: float(current[key]))
            exact[name] = map_nested(layout(name), self.exact_text)
            if name == "yhat":  # a{L} is another name of the output
                alias = f"a{self.graph.architecture.depth}"
                values[alias], exact[alias] = values[name], exact[name]
        out = {"values": values, "exact": exact}
        if steps:
            from exgen.notation.worked import steps_json

            out["steps"] = steps_json(self, exact)
        return out


def solve(spec: Spec) -> Solution:
    """Evaluate the spec's step graph exactly, raising the precision if a sum cancels too much."""
    graph = build_graph(spec.architecture)
    precision = START_PRECISION
    while True:
        arithmetic = ExactArithmetic(precision)
        values = spec.given_values()
        try:
            with arithmetic.working_context():
                _evaluate(graph, values, arithmetic)
            return Solution(spec, graph, values, precision)
        except PrecisionLost:
            if precision >= MAX_PRECISION:
                raise SolveError(
                    f"the values cancel beyond {MAX_PRECISION}-bit precision; "
                    "this spec is too ill-conditioned to solve exactly"
                ) from None
            precision *= 2


def _evaluate(graph: StepGraph, values: dict, arithmetic) -> None:
    for cell in graph.cells:
        try:
            values[cell.key] = cell.compute(values, arithmetic)
        except (DomainError, ZeroDivisionError) as e:
            name = cell.key[0]
            reason = _domain_reason(graph, name, values, cell)
            raise SolveError(f"cannot compute {graph.item(cell.key)}: {reason or e}") from None


def _domain_reason(graph: StepGraph, name: str, values: dict, cell) -> str | None:
    """Say which prediction left the loss's domain, in the terms of the spec."""
    loss = graph.architecture.loss
    if name in ("loss", "dL/dyhat") and loss in ("binary_cross_entropy", "cross_entropy"):
        bad = [k for k in cell.inputs if k[0] == "yhat"]
        shown = ", ".join(f"{graph.item(k)} = {exact_string(values[k])}" for k in bad)
        need = "strictly between 0 and 1" if loss == "binary_cross_entropy" else "positive"
        return f"{loss} needs every prediction ŷ {need}, but {shown}"
    return None


