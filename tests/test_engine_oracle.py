"""The engine against an independent oracle (tests/oracle.py), over random specs."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import assume, given
from mpmath import mp, mpf

from exgen.engine.numbers import is_exact
from exgen.engine.solver import solve
from exgen.engine.spec import parse_spec
from tests.oracle import Oracle, flatten
from tests.strategies import specs

RATIONAL_ACTIVATIONS = {"identity", "relu", "leaky_relu"}
RATIONAL_LOSSES = {"squared_error", "half_squared_error", "mean_squared_error"}


def _kinked(oracle: Oracle) -> bool:
    """A ReLU-type unit at (or within 1e-20 of) its kink: finite differences are meaningless."""
    for l, act in enumerate(oracle.acts, 1):
        if act in ("relu", "leaky_relu"):
            zs = oracle.values[f"z{l}"]
            if any(abs(v) < mpf("1e-20") for v in flatten(zs)):
                return True
    return False


def _agree(engine: str, oracle, scale) -> bool:
    """At least 30 correct significant digits (or, for a value that is ~0, ~0 to 1e-40·scale)."""
    e = mpf(engine)
    return abs(e - oracle) <= mpf("1e-30") * abs(oracle) + mpf("1e-40") * scale


@given(specs())
def test_every_quantity_matches_the_oracle(doc):
    with mp.workdps(80):
        oracle = Oracle(doc)
        assume(not _kinked(oracle))
        solution = solve(parse_spec(doc))
        result = solution.to_json()
        scale = max([abs(v) for name in oracle.values for v in flatten(oracle.values[name])] + [mpf(1)])
        for name, expected in oracle.values.items():
            assert name in result["exact"], name
            got = list(flatten(result["exact"][name]))
            want = list(flatten(expected))
            assert len(got) == len(want), name
            for g, w in zip(got, want):
                assert _agree(g, w, scale), f"{name}: engine {g} vs oracle {mp.nstr(w, 40)}"


@given(specs())
def test_values_are_the_correctly_rounded_doubles_of_exact(doc):
    solution = solve(parse_spec(doc))
    result = solution.to_json()
    for name, exact in result["exact"].items():
        for e, v in zip(flatten(exact), flatten(result["values"][name])):
            # 40 digits pin the double down except within 1e-40 of a rounding boundary
            assert v == float(Decimal(e)), (name, e, v)


@given(specs(losses=sorted(RATIONAL_LOSSES)))
def test_rational_networks_stay_exact_rationals(doc):
    assume(all(layer["activation"] in RATIONAL_ACTIVATIONS for layer in doc["layers"]))
    solution = solve(parse_spec(doc))
    for step in solution.graph.steps:
        for cell in step.cells:
            assert is_exact(solution.values[cell.key]), cell.key
