"""Exercise families: the shape of a network and the grids its values are drawn from.

A family is data, not code: the presets below are families, an assignment may tune one key by
key, or define its own. Every value a family can produce has at most two decimals, so a student
can work with it by hand.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields, replace

from gmpy2 import mpq

from exgen.engine.activations import ACTIVATIONS, DEFAULT_NEGATIVE_SLOPE
from exgen.engine.documents import describe
from exgen.engine.losses import LOSSES
from exgen.engine.numbers import LiteralError, literal, shown
from exgen.engine.spec import SpecError, read_learning_rate, read_slope
from exgen.limits import MAX_BATCH, MAX_GRID_VALUES, MAX_INPUTS, MAX_LAYERS, MAX_UNITS

MAX_DECIMALS = 2


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


def did_you_mean(word, choices) -> str:
    if not isinstance(word, str) or len(word) > 100:
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# -- reading a family table --------------------------------------------------------------------
def _spec_rule(rule, value, field: str) -> mpq:
    """A rule the spec applies to the same quantity (one rule, so a family can never draw a
    variant that a later command would refuse)."""
    try:
        return rule(value, field)
    except SpecError as e:
        raise FamilyError(e.field, e.message) from None


def _decimal(value, field: str) -> mpq:
    """A grid value: a literal within the limits, with at most two decimals."""
    try:
        q = literal(value)
    except LiteralError as e:
        raise FamilyError(field, str(e)) from None
    if (q * 10**MAX_DECIMALS).denominator != 1:
        raise FamilyError(field, f"{shown(value)} has more than {MAX_DECIMALS} decimals (not hand-computable)")
    return q


def _grid(value, field: str, rule=None) -> Grid:
    """A grid: a list of values or {min, max, step, exclude}; ``rule`` (a spec rule) is applied
    to every value it holds."""
    if isinstance(value, list):
        if not value:
            raise FamilyError(field, "must not be empty")
        if len(value) > MAX_GRID_VALUES:
            raise FamilyError(field, f"has {len(value)} values; at most {MAX_GRID_VALUES} (exgen.limits)")
        values = []
        for i, v in enumerate(value, 1):
            q = _decimal(v, f"{field}[{i}]")
            if rule is not None:
                _spec_rule(rule, v, f"{field}[{i}]")
            values.append(q)
        return Grid(tuple(sorted(set(values))))
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
            raise FamilyError(f"{field}.step", f"must be positive, got {shown(value['step'])}")
        if hi < lo:
            raise FamilyError(field, f"max ({shown(value['max'])}) is below min ({shown(value['min'])})")
        if (hi - lo) / step > MAX_GRID_VALUES:
            raise FamilyError(field, f"more than {MAX_GRID_VALUES} values; use a larger step (exgen.limits)")
        exclude = value.get("exclude", [])
        if not isinstance(exclude, list):
            raise FamilyError(f"{field}.exclude", "must be a list of numbers")
        if len(exclude) > MAX_GRID_VALUES:
            raise FamilyError(f"{field}.exclude", f"has {len(exclude)} values; at most {MAX_GRID_VALUES}")
        excluded = {_decimal(v, f"{field}.exclude[{i}]") for i, v in enumerate(exclude, 1)}
        n = int((hi - lo) / step)
        values = tuple(v for v in (lo + k * step for k in range(n + 1)) if v not in excluded)
        if not values:
            raise FamilyError(field, "every value is excluded")
        if rule is not None:
            for v in values:
                try:
                    rule(v, field)
                except SpecError as e:
                    rule_text = e.message.rsplit(", got ", 1)[0]
                    raise FamilyError(field, f"holds {shown(v)}; every value {rule_text}") from None
        return Grid(values)
    raise FamilyError(field, "must be a list of values or a grid {min = ..., max = ..., step = ...}")


def _whole(value, field: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` (a count: inputs, units, samples)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FamilyError(field, f"must be a whole number from {low} to {high}, got {shown(value)}")
    return value


def _names(value, field: str, known: dict, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise FamilyError(field, f"must be a list of {what}s, one per layer")
    if len(value) > MAX_LAYERS:
        raise FamilyError(field, f"has {len(value)} entries; at most {MAX_LAYERS} layers (exgen.limits)")
    for i, name in enumerate(value, 1):
        if not isinstance(name, str) or name not in known:
            raise FamilyError(f"{field}[{i}]", f"unknown {what} {_word(name)}"
                              f"{did_you_mean(name, known)}; known: {', '.join(known)}")
    return tuple(value)


def _word(value) -> str:
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "…")
    return describe(value)


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
        if key == "learning_rate":
            changes[key] = _grid(value, field, read_learning_rate)
        elif key in ("input", "weights", "bias", "target"):
            changes[key] = _grid(value, field)
        elif key == "inputs":
            changes[key] = _whole(value, field, 1, MAX_INPUTS)
        elif key == "layers":
            if not isinstance(value, list) or not value:
                raise FamilyError(field, "must be a list of unit counts, e.g. [2, 1]")
            if len(value) > MAX_LAYERS:
                raise FamilyError(field, f"has {len(value)} layers; at most {MAX_LAYERS} (exgen.limits)")
            changes[key] = tuple(_whole(v, f"{field}[{i}]", 1, MAX_UNITS) for i, v in enumerate(value, 1))
        elif key == "activations":
            changes[key] = _names(value, field, ACTIVATIONS, "activation")
        elif key == "loss":
            if not isinstance(value, str) or value not in LOSSES:
                raise FamilyError(field, f"unknown loss {_word(value)}{did_you_mean(value, LOSSES)}; "
                                  f"known: {', '.join(LOSSES)}")
            changes[key] = value
        elif key == "negative_slope":
            _decimal(value, field)
            changes[key] = _spec_rule(read_slope, value, field)
        elif key == "batch_size":
            changes[key] = _whole(value, field, 1, MAX_BATCH) if value is not False and value != 0 else None
        elif key == "dead_units":
            changes[key] = _whole(value, field, 0, MAX_UNITS * MAX_LAYERS)
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
