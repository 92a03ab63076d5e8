"""A step graph compiled to one straight-line Python function: the same cells, traced once.

Evaluating a graph cell by cell (``StepGraph.evaluate``) costs, per entry, a closure call,
accessor lambdas and dictionary lookups with tuple keys; for the exact solution of a small
network that overhead is most of the time. Running every cell's code once on symbolic values
(as the worked solution does to write text) records the arithmetic it performs; this module
writes that record down as one function with a local variable per value. The function calls
the same primitives of the same arithmetic in the same order, so its results are the results
of ``StepGraph.evaluate`` (``tests/test_program.py`` checks this over random specs).

With ``rounded=True`` every cell's result is rounded (by a function given per cell) before any
later cell reads it: the graph evaluated the way a student works, rounding each result before
using it again (design §6, the hand-rounded path; ``exgen.notation.chain`` prints the key from
it).
"""

from __future__ import annotations

from typing import Callable

#: Arithmetic methods a traced cell may call; each is bound to a local once per run.
_PRIMITIVES = ("sum", "sub", "square", "exp", "log", "apply", "piecewise")


class _Value:
    """A value inside a traced cell: the name of the local variable that will hold it."""

    __slots__ = ("name", "tracer")

    def __init__(self, name: str, tracer: _Tracer):
        self.name, self.tracer = name, tracer

    def __mul__(self, other):
        return self.tracer.emit("{} * {}", self, other)

    def __rmul__(self, other):
        return self.tracer.emit("{} * {}", other, self)

    def __truediv__(self, other):
        return self.tracer.emit("{} / {}", self, other)

    def __rtruediv__(self, other):
        return self.tracer.emit("{} / {}", other, self)

    def __neg__(self):
        return self.tracer.emit("-{}", self)


class _Tracer(dict):
    """The value store and the arithmetic of a traced graph: reading a key gives the local
    holding it, each operation appends one line of code and gives the local it assigns."""

    def __init__(self):
        super().__init__()
        self.lines: list[str] = []
        self.reads: dict[tuple, str] = {}  # given key -> local
        self.constants: dict[str, object] = {}  # namespace of the compiled function
        self._constant_names: dict[tuple, str] = {}
        self.const_lines: list[str] = []  # A.const(p, q) values, computed once per run
        self._count = 0

    # -- values ----------------------------------------------------------------------------
    def __missing__(self, key):
        local = f"g{len(self.reads)}"
        self.reads[key] = local
        value = self[key] = _Value(local, self)
        return value

    def _local(self) -> str:
        self._count += 1
        return f"t{self._count}"

    def operand(self, x) -> str:
        """Code for an operand: a local, or a constant of the cell code (``1`` in 1 − a)."""
        if isinstance(x, _Value):
            return x.name
        ident = (type(x), x)
        name = self._constant_names.get(ident)
        if name is None:
            name = self._constant_names[ident] = f"k{len(self._constant_names)}"
            self.constants[name] = x
        return name

    def emit(self, template: str, *operands) -> _Value:
        local = self._local()
        self.lines.append(f"{local} = " + template.format(*(self.operand(x) for x in operands)))
        return _Value(local, self)

    def call(self, primitive: str, *operands) -> _Value:
        return self.emit(f"A_{primitive}(" + ", ".join("{}" for _ in operands) + ")", *operands)

    # -- the arithmetic interface (exgen.engine.arithmetic.Arithmetic) ------------------------
    exact = False

    def const(self, p, q=1):
        name = f"c{len(self.const_lines)}"
        self.const_lines.append(f"{name} = A.const({p!r}, {q!r})")
        return _Value(name, self)

    def sum(self, terms):
        return self.emit("A_sum([" + ", ".join("{}" for _ in terms) + "])", *terms)

    def sub(self, a, b):
        return self.call("sub", a, b)

    def square(self, x):
        return self.call("square", x)

    def exp(self, x):
        return self.call("exp", x)

    def log(self, x):
        return self.call("log", x)

    def apply(self, f, x, *params):
        return self.call("apply", f, x, *params)

    def piecewise(self, f, x, above, below):
        return self.call("piecewise", f, x, above, below)


def compile_graph(graph, rounded: bool = False) -> Callable:
    """``run(values, A) -> results``: every cell of ``graph`` in arithmetic ``A`` from the
    givens in ``values``; ``results`` holds the cells' values in graph order.

    With ``rounded``, ``run(values, A, rounders) -> (results, rounded)``: ``rounders[n]`` is
    applied to cell n's value (graph order) as soon as it is computed, and what it returns is
    what later cells read; ``rounded`` holds those. (The rounders are called inline, not
    through a hook: the printed chain of a class runs this once per student.)
    """
    tracer = _Tracer()
    body: list[str] = []
    results = []
    for n, cell in enumerate(graph.cells):
        start = len(tracer.lines)
        value = cell.compute(tracer, tracer)
        body += tracer.lines[start:]
        result = tracer.operand(value)
        results.append(result)
        if rounded:
            shown = f"r{n}"
            tracer.lines.append(f"{shown} = R{n}({result})")
            body.append(tracer.lines[-1])
            tracer[cell.key] = _Value(shown, tracer)
        else:
            tracer[cell.key] = value if isinstance(value, _Value) else _Value(result, tracer)
    keys = {}
    head = [f"A_{p} = A.{p}" for p in _PRIMITIVES] + tracer.const_lines
    for key, local in tracer.reads.items():
        keys[f"K{local}"] = key
        head.append(f"{local} = values[K{local}]")
    returned = _tuple(results)
    if rounded:
        head.append(f"{_tuple(f'R{n}' for n in range(len(results)))} = rounders")
        returned = f"{returned}, {_tuple(f'r{n}' for n in range(len(results)))}"
    source = (
        f"def run(values, A{', rounders' if rounded else ''}):\n"
        + "".join(f"    {line}\n" for line in head + body)
        + f"    return {returned}\n"
    )
    namespace = {**tracer.constants, **keys}
    exec(compile(source, f"<step graph {graph.architecture}>", "exec"), namespace)  # noqa: S102
    run = namespace["run"]
    run.source = source
    return run


def _tuple(names) -> str:
    names = list(names)
    return f"({', '.join(names)}{',' if len(names) == 1 else ''})"


def program(graph, rounded: bool = False) -> Callable:
    """The compiled function of a graph (cached with the graph: shapes repeat across a class)."""
    cache = graph.__dict__.setdefault("_programs", {})
    run = cache.get(rounded)
    if run is None:
        run = cache[rounded] = compile_graph(graph, rounded)
    return run
