"""Exercise families: the shape of a network and the grids its values are drawn from.

A family is data, not code: the presets below are families, an assignment may tune one key by
key, or define its own. Every value a family can produce has at most two decimals, so a student
can work with it by hand.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields, replace
from decimal import Decimal

from gmpy2 import mpq

from exgen.engine.activations import ACTIVATIONS, DEFAULT_NEGATIVE_SLOPE
from exgen.engine.losses import LOSSES

MAX_DECIMALS = 2
MAX_GRID = 10_000


class FamilyError(ValueError):
    """A family (or its tuning) is not valid; ``field`` names where."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class Grid:
    """The values a quantity may take: exact, sorted, each with at most two decimals."""

    values: tuple[mpq, ...]

    @property
    def floats(self) -> tuple[float, ...]:
        return tuple(float(v) for v in self.values)

    def to_json(self):
        return [_json_number(v) for v in self.values]


def _json_number(q: mpq):
    return int(q) if q.denominator == 1 else float(q)


@dataclass(frozen=True)
class Family:
    inputs: int
    layers: tuple[int, ...]  # units per layer, the last is the output layer
    activations: tuple[str, ...]
    loss: str
    input: Grid
    weights: Grid
    bias: Grid
    target: Grid  # each target entry; a loss with one-hot targets draws the true class instead
    learning_rate: Grid
    negative_slope: mpq = DEFAULT_NEGATIVE_SLOPE  # of every layer whose activation takes one
    batch_size: int | None = None  # None: a single sample
    dead_units: int = 0  # ReLU units allowed to be dead (z < 0 for every sample)

    def to_json(self) -> dict:
        """The family as stored and hashed (a change of it changes the variants). The slope is
        written only when a layer takes one: it changes no other family's variants."""
        out = {}
        uses_slope = any(ACTIVATIONS[a].takes_slope for a in self.activations)
        for f in fields(self):
            if f.name == "negative_slope" and not uses_slope:
                continue
            value = getattr(self, f.name)
            if isinstance(value, Grid):
                value = value.to_json()
            elif isinstance(value, tuple):
                value = list(value)
            elif type(value) is type(mpq(0)):
                value = _json_number(value)
            out[f.name] = value
        return out


def grid(lo: str, hi: str, step: str, exclude=()) -> Grid:
    lo_q, hi_q, step_q = mpq(lo), mpq(hi), mpq(step)
    n = int((hi_q - lo_q) / step_q)
    values = [lo_q + k * step_q for k in range(n + 1)]
    excluded = {mpq(str(e)) for e in exclude}
    return Grid(tuple(v for v in values if v not in excluded))


PRESETS: dict[str, Family] = {
    # The seed's first example: one identity neuron, two inputs, squared error.
    "single-neuron": Family(
        inputs=2,
        layers=(1,),
        activations=("identity",),
        loss="squared_error",
        input=grid("-3", "3", "0.5", exclude=[0]),
        weights=grid("-1", "1", "0.1"),
        bias=grid("-0.5", "0.5", "0.1"),
        target=grid("-3", "3", "0.5"),
        learning_rate=Grid((mpq(1, 100), mpq(5, 100), mpq(1, 10))),
    ),
    # The seed's second example: 2-2-1, ReLU then sigmoid, half squared error.
    "two-layer": Family(
        inputs=2,
        layers=(2, 1),
        activations=("relu", "sigmoid"),
        loss="half_squared_error",
        input=grid("-2", "2", "0.5", exclude=[0]),
        weights=grid("-1", "1", "0.1", exclude=[0]),
        bias=grid("-0.5", "0.5", "0.1"),
        target=Grid((mpq(0), mpq(1))),
        learning_rate=Grid((mpq(1, 10), mpq(1, 2), mpq(1))),
    ),
}

FAMILY_KEYS = tuple(f.name for f in fields(Family))


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# -- reading a family table --------------------------------------------------------------------
def _decimal(value, field: str) -> mpq:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise FamilyError(field, f"must be a number, got {value!r}")
    d = Decimal(str(value))
    if not d.is_finite():
        raise FamilyError(field, f"must be a finite number, got {value}")
    if -d.normalize().as_tuple().exponent > MAX_DECIMALS:
        raise FamilyError(field, f"{value} has more than {MAX_DECIMALS} decimals (not hand-computable)")
    return mpq(str(d))


def _grid(value, field: str) -> Grid:
    if isinstance(value, list):
        if not value:
            raise FamilyError(field, "must not be empty")
        values = sorted({_decimal(v, f"{field}[{i}]") for i, v in enumerate(value, 1)})
        return Grid(tuple(values))
    if isinstance(value, dict):
        unknown = [k for k in value if k not in ("min", "max", "step", "exclude")]
        if unknown:
            raise FamilyError(
                f"{field}.{unknown[0]}",
                f"unknown key{did_you_mean(unknown[0], ('min', 'max', 'step', 'exclude'))}; "
                "a grid has min, max, step and optionally exclude",
            )
        for key in ("min", "max", "step"):
            if key not in value:
                raise FamilyError(f"{field}.{key}", "missing (a grid is {min = ..., max = ..., step = ...})")
        lo, hi, step = (_decimal(value[k], f"{field}.{k}") for k in ("min", "max", "step"))
        if step <= 0:
            raise FamilyError(f"{field}.step", "must be positive")
        if hi < lo:
            raise FamilyError(field, f"max ({value['max']}) is below min ({value['min']})")
        if (hi - lo) / step > MAX_GRID:
            raise FamilyError(field, f"more than {MAX_GRID} values; use a larger step")
        exclude = value.get("exclude", [])
        if not isinstance(exclude, list):
            raise FamilyError(f"{field}.exclude", "must be a list of numbers")
        excluded = {_decimal(v, f"{field}.exclude") for v in exclude}
        n = int((hi - lo) / step)
        values = tuple(v for v in (lo + k * step for k in range(n + 1)) if v not in excluded)
        if not values:
            raise FamilyError(field, "every value is excluded")
        return Grid(values)
    raise FamilyError(field, "must be a list of values or a grid {min = ..., max = ..., step = ...}")


def _positive_int(value, field: str, allow_zero=False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if allow_zero else 1):
        raise FamilyError(field, f"must be a {'non-negative' if allow_zero else 'positive'} whole number, got {value!r}")
    return value


def tune(base: Family | None, table: dict, where: str) -> Family:
    """A family from a base (a preset, or None for a family defined from scratch) and the keys
    of an assignment's ``[exercise.family]`` table."""
    for key in table:
        if key not in FAMILY_KEYS:
            raise FamilyError(f"{where}.{key}", f"unknown key{did_you_mean(key, FAMILY_KEYS)}; "
                              f"a family has: {', '.join(FAMILY_KEYS)}")
    changes: dict = {}
    for key, value in table.items():
        field = f"{where}.{key}"
        if key in ("input", "weights", "bias", "target", "learning_rate"):
            changes[key] = _grid(value, field)
        elif key == "inputs":
            changes[key] = _positive_int(value, field)
        elif key == "layers":
            if not isinstance(value, list) or not value:
                raise FamilyError(field, "must be a list of unit counts, e.g. [2, 1]")
            changes[key] = tuple(_positive_int(v, f"{field}[{i}]") for i, v in enumerate(value, 1))
        elif key == "activations":
            if not isinstance(value, list) or not value:
                raise FamilyError(field, "must be a list of activations, one per layer")
            for i, name in enumerate(value, 1):
                if name not in ACTIVATIONS:
                    raise FamilyError(f"{field}[{i}]", f"unknown activation '{name}'"
                                      f"{did_you_mean(name, ACTIVATIONS)}; known: {', '.join(ACTIVATIONS)}")
            changes[key] = tuple(value)
        elif key == "loss":
            if value not in LOSSES:
                raise FamilyError(field, f"unknown loss '{value}'{did_you_mean(value, LOSSES)}; "
                                  f"known: {', '.join(LOSSES)}")
            changes[key] = value
        elif key == "negative_slope":
            changes[key] = _decimal(value, field)
        elif key == "batch_size":
            changes[key] = _positive_int(value, field) if value else None
        elif key == "dead_units":
            changes[key] = _positive_int(value, field, allow_zero=True)
    if base is None:
        missing = [k for k in ("inputs", "layers", "activations", "loss", "input", "weights", "bias",
                               "target", "learning_rate") if k not in changes]
        if missing:
            raise FamilyError(f"{where}.{missing[0]}", "missing (a family without a preset must give "
                              f"{', '.join(missing)})")
        family = Family(**changes)
    else:
        family = replace(base, **changes)
    return check(family, where)


def check(family: Family, where: str) -> Family:
    """Consistency of a family as a whole."""
    if len(family.activations) != len(family.layers):
        raise FamilyError(f"{where}.activations", f"has {len(family.activations)} entries but there are "
                          f"{len(family.layers)} layers (one activation per layer)")
    for i, name in enumerate(family.activations[:-1], 1):
        if not ACTIVATIONS[name].elementwise:
            raise FamilyError(f"{where}.activations[{i}]", f"{name} is only allowed in the output layer")
    K, output = family.layers[-1], ACTIVATIONS[family.activations[-1]]
    if not output.elementwise and K < 2:
        raise FamilyError(f"{where}.layers", f"a {output.name} output needs at least 2 units")
    loss = LOSSES[family.loss]
    if not loss.one_hot_targets and loss.targets is not None and \
            not all(loss.targets.contains(v) for v in family.target.values):
        raise FamilyError(f"{where}.target", loss.targets_text())
    if loss.predictions is not None and not output.outputs.within(loss.predictions):
        fitting = [a.name for a in ACTIVATIONS.values() if a.outputs.within(loss.predictions)]
        raise FamilyError(f"{where}.activations", f"{family.loss} needs a {' or '.join(fitting)} output layer")
    relu_units = sum(n for n, a in zip(family.layers, family.activations) if ACTIVATIONS[a].dies)
    if family.dead_units > relu_units:
        raise FamilyError(f"{where}.dead_units", f"asks for {family.dead_units} dead units but the family "
                          f"has {relu_units} ReLU units")
    return family
