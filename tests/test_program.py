"""The compiled step graph (exgen.engine.program) computes exactly what evaluating the graph
cell by cell computes, in every arithmetic, and each cell's rounder sees it in order."""

from __future__ import annotations

import math

import pytest
from hypothesis import given

from exgen.engine.arithmetic import ExactArithmetic, ScalarFloatArithmetic
from exgen.engine.graph import build_graph
from exgen.engine.program import compile_graph, program
from exgen.engine.solver import SolveError, solve
from exgen.engine.spec import parse_spec
from tests.strategies import specs


def _same(a, b) -> bool:
    """Identical values: the same type and the same number (NaN equal to NaN)."""
    if type(a) is not type(b):
        return False
    return a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))


@given(specs())
def test_compiled_exact_evaluation_is_the_cell_by_cell_evaluation(doc):
    spec = parse_spec(doc)
    graph = build_graph(spec.architecture)
    try:
        solution = solve(spec)  # compiled
    except SolveError:
        return
    arithmetic = ExactArithmetic(solution.precision)
    values = spec.given_values()
    with arithmetic.working_context():
        graph.evaluate(values, arithmetic)
    for key in graph.keys:
        assert _same(solution.values[key], values[key]), graph.item(key)


@given(specs())
def test_compiled_float_evaluation_is_the_cell_by_cell_evaluation(doc):
    spec = parse_spec(doc)
    graph = build_graph(spec.architecture)
    given_values = {key: float(v) for key, v in spec.given_values().items()}
    arithmetic = ScalarFloatArithmetic()
    expected = dict(given_values)
    try:
        graph.evaluate(expected, arithmetic)
    except (ArithmeticError, ValueError):
        with pytest.raises((ArithmeticError, ValueError)):
            program(graph)(given_values, arithmetic)
        return
    results = program(graph)(given_values, arithmetic)
    for key, value in zip(graph.keys, results):
        assert _same(value, expected[key]), graph.item(key)


@given(specs(max_depth=2))
def test_each_cells_rounder_sees_it_once_in_order_and_later_cells_read_what_it_returns(doc):
    spec = parse_spec(doc)
    graph = build_graph(spec.architecture)
    arithmetic = ScalarFloatArithmetic()
    givens = {key: float(v) for key, v in spec.given_values().items()}
    seen = []

    def rounder(n):
        def rounded(value):
            seen.append(n)
            return round(value, 2)  # what a later cell reads
        return rounded

    try:
        results, printed = program(graph, rounded=True)(
            givens, arithmetic, [rounder(n) for n in range(len(graph.cells))])
    except (ArithmeticError, ValueError):
        return
    assert seen == list(range(len(graph.cells)))
    # the same chain, by hand: every cell computed from the rounded values of the cells before
    chain = dict(givens)
    for cell, result, shown in zip(graph.cells, results, printed):
        value = cell.compute(chain, arithmetic)
        assert _same(value, result), graph.item(cell.key)
        chain[cell.key] = round(value, 2)
        assert _same(shown, chain[cell.key]), graph.item(cell.key)


def test_a_compiled_graph_is_straight_line_code_built_once_per_shape():
    spec = parse_spec({"input": [1, 2], "target": [1], "loss": "half_squared_error",
                       "learning_rate": 0.1,
                       "layers": [{"weights": [[0.5, 0.6], [0.2, 0.3]], "bias": [0.1, 0.1],
                                   "activation": "relu"},
                                  {"weights": [[0.4, 0.7]], "bias": [0.2], "activation": "sigmoid"}]})
    graph = build_graph(spec.architecture)
    run = program(graph)
    assert program(graph) is run and program(graph, rounded=True) is not run
    body = run.source.splitlines()[1:]
    assert not any(line.lstrip().startswith(("for ", "while ", "if ")) for line in body)
    assert compile_graph(graph).source == run.source  # deterministic


def test_a_domain_error_still_names_its_cell():
    doc = {"input": [1], "target": [1], "loss": "binary_cross_entropy", "learning_rate": 0.1,
           "layers": [{"weights": [[1000]], "bias": [0], "activation": "sigmoid"}]}
    # σ(1000) is 1 to far more than 256 bits: ln(1 − ŷ) is ln 0 at that precision
    with pytest.raises(SolveError, match="cannot compute"):
        solve(parse_spec(doc))
