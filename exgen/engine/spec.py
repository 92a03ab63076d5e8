"""Exercise specs (design §1): read TOML or JSON, validate, and hold the values exactly.

Every problem is reported as a :class:`SpecError` naming the field (``layers[2].weights``,
1-based like the layer numbers in the worked solution) and what is wrong with it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from gmpy2 import mpq

from exgen.engine import documents, names
from exgen.engine.activations import ACTIVATIONS, DEFAULT_NEGATIVE_SLOPE
from exgen.engine.graph import LEARNING_RATE, Architecture, LayerShape
from exgen.engine.losses import LOSSES
from exgen.engine.numbers import LiteralError, literal, shown
from exgen.engine.limits import (MAX_BATCH, MAX_INPUTS, MAX_LAYERS, MAX_SIGNIFICANT_DIGITS, MAX_SPEC_FILE, MAX_UNITS,
                          megabytes)

SPEC_KEYS = ("input", "target", "loss", "learning_rate", "layers")
LAYER_KEYS = ("weights", "bias", "activation", "negative_slope")
#: A spec literal has at most this many significant digits (see exgen.engine.limits).
MAX_DIGITS = MAX_SIGNIFICANT_DIGITS


class SpecError(ValueError):
    """A spec is not valid; ``field`` names where (``""`` for the whole spec)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Spec:
    architecture: Architecture
    inputs: tuple[tuple[mpq, ...], ...]  # one row per sample
    targets: tuple[tuple[mpq, ...], ...]
    weights: tuple[tuple[tuple[mpq, ...], ...], ...]  # per layer, rows = units
    biases: tuple[tuple[mpq, ...], ...]
    learning_rate: mpq

    @property
    def batched(self) -> bool:
        return self.architecture.batch_size is not None

    def given_values(self) -> dict:
        """The value store of the given quantities, keyed like step-graph cells."""
        values: dict = {LEARNING_RATE: self.learning_rate}
        for s, (row_x, row_y) in enumerate(zip(self.inputs, self.targets)):
            for i, v in enumerate(row_x):
                values[names.INPUT, s, i] = v
            for k, v in enumerate(row_y):
                values[names.TARGET, s, k] = v
        for l, (W, b) in enumerate(zip(self.weights, self.biases), 1):
            name_w, name_b = names.weights(l), names.bias(l)
            for j, row in enumerate(W):
                values[name_b, j] = b[j]
                for i, v in enumerate(row):
                    values[name_w, j, i] = v
        return values

    def to_dict(self) -> dict:
        """The spec in the design §1 format, numbers as JSON numbers (exact: ≤ 15 digits)."""

        def num(q):
            return int(q) if q.denominator == 1 else float(q)

        def vec(row):
            return [num(v) for v in row]

        arch = self.architecture
        out = {
            "input": [vec(r) for r in self.inputs] if self.batched else vec(self.inputs[0]),
            "target": [vec(r) for r in self.targets] if self.batched else vec(self.targets[0]),
            "loss": arch.loss,
            "learning_rate": num(self.learning_rate),
            "layers": [],
        }
        for shape, W, b in zip(arch.layers, self.weights, self.biases):
            layer = {"weights": [vec(r) for r in W], "bias": vec(b), "activation": shape.activation}
            if shape.negative_slope is not None:
                layer["negative_slope"] = num(shape.negative_slope)
            out["layers"].append(layer)
        return out


# -- reading ---------------------------------------------------------------------------------
def load_documents(text: str, fmt: str | None = None) -> tuple[list[dict], bool]:
    """Parse TOML or JSON text into spec documents; also say whether it was a JSON array.

    ``fmt`` is "json", "toml" or None to sniff (JSON starts with ``{`` or ``[``).
    Numbers are kept as Decimal so ``0.1`` stays one tenth; nesting and number tokens are
    limited before parsing (``exgen.engine.documents``).
    """
    if len(text) > MAX_SPEC_FILE:  # characters ≤ bytes: certainly beyond the limit
        raise SpecError("", f"larger than {megabytes(MAX_SPEC_FILE)} (exgen.limits)")
    if fmt is None:
        fmt = "json" if text.lstrip().startswith(("{", "[")) else "toml"
    try:
        data = documents.load(text, fmt)
    except documents.DocumentError as e:
        raise SpecError("", str(e)) from None
    if isinstance(data, list):
        if not data:
            raise SpecError("", "an empty list of specs")
        return data, True
    return [data], False


def _did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check_keys(doc: dict, allowed, where: str, required=()):
    for key in doc:
        if key not in allowed:
            raise SpecError(
                f"{where}{key}" if where else key,
                f"unknown key{_did_you_mean(key, allowed)}; expected one of: {', '.join(allowed)}",
            )
    for key in required:
        if key not in doc:
            raise SpecError(f"{where}{key}" if where else key, "missing")


def _number(value, field: str) -> mpq:
    try:
        return literal(value)
    except LiteralError as e:
        raise SpecError(field, str(e)) from None


_describe = documents.describe


def _word(value) -> str:
    """A name as written (an unknown loss or activation), shortened for a message."""
    if isinstance(value, str):
        return value if len(value) <= 40 else value[:40] + "…"
    return _describe(value)


def read_learning_rate(value, field: str) -> mpq:
    """A learning rate: a positive literal (specs and family grids share this rule)."""
    rate = _number(value, field)
    if rate <= 0:
        raise SpecError(field, f"must be positive, got {shown(value)}")
    return rate


def read_slope(value, field: str) -> mpq:
    """A leaky ReLU's negative slope: a literal, not negative (specs and families)."""
    slope = _number(value, field)
    if slope < 0:
        raise SpecError(field, f"must not be negative, got {shown(value)}")
    return slope


def _limited(value: list, field: str, limit: int, what: str) -> list:
    """A list of at most ``limit`` entries, checked before any entry is read."""
    if len(value) > limit:
        raise SpecError(field, f"has {len(value)} {what}; at most {limit} (exgen.limits)")
    return value


def _vector(value, field: str, limit: int, what: str, allow_scalar=False) -> tuple[mpq, ...]:
    if allow_scalar and not isinstance(value, (list, dict, str, bool)) and value is not None:
        return (_number(value, field),)
    if not isinstance(value, list):
        raise SpecError(field, f"must be a list of numbers, got {_describe(value)}")
    if not value:
        raise SpecError(field, "must not be empty")
    _limited(value, field, limit, what)
    try:
        return tuple(map(literal, value))
    except LiteralError:  # read them again one by one, to name the entry (the field is not built
        for i, v in enumerate(value, 1):  # for each number of a valid spec)
            _number(v, f"{field}[{i}]")
        raise


def _is_batch(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(r, list) for r in value)


def _rows(value, field: str, limit: int, what: str, row_limit: int, row_what: str) -> tuple[tuple[mpq, ...], ...]:
    """A matrix (list of equally long rows)."""
    if not isinstance(value, list) or not value:
        raise SpecError(field, f"must be a non-empty list of rows, got {_describe(value)}")
    _limited(value, field, limit, what)
    rows = []
    for r, row in enumerate(value, 1):
        if not isinstance(row, list):
            raise SpecError(f"{field}[{r}]", f"must be a row (a list of numbers), got {_describe(row)}")
        rows.append(_vector(row, f"{field}[{r}]", row_limit, row_what))
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        raise SpecError(field, f"rows have different lengths: {', '.join(str(len(r)) for r in rows)}")
    return tuple(rows)


def parse_spec(doc) -> Spec:
    """Validate one spec document (a dict from TOML/JSON) into an exact :class:`Spec`."""
    if not isinstance(doc, dict):
        raise SpecError("", f"a spec must be a table/object, got {_describe(doc)}")
    _check_keys(doc, SPEC_KEYS, "", required=SPEC_KEYS)

    # inputs: one sample (a list of numbers) or a batch (a list of lists)
    raw_input = doc["input"]
    batched = _is_batch(raw_input)
    inputs = (_rows(raw_input, "input", MAX_BATCH, "samples", MAX_INPUTS, "inputs") if batched
              else (_vector(raw_input, "input", MAX_INPUTS, "inputs"),))
    raw_target = doc["target"]
    if batched:
        if not _is_batch(raw_target):
            raise SpecError("target", "input is a batch (a list of lists), so target must be one too")
        targets = _rows(raw_target, "target", MAX_BATCH, "samples", MAX_UNITS, "entries")
        if len(targets) != len(inputs):
            raise SpecError(
                "target", f"has {len(targets)} rows but input has {len(inputs)} samples"
            )
    else:
        if _is_batch(raw_target):
            raise SpecError("target", "is a batch (a list of lists) but input is a single sample")
        targets = (_vector(raw_target, "target", MAX_UNITS, "entries", allow_scalar=True),)

    loss = doc["loss"]
    if not isinstance(loss, str) or loss not in LOSSES:
        written = _word(loss)
        raise SpecError(
            "loss",
            f"unknown loss '{written}'{_did_you_mean(str(loss), LOSSES)}; known: {', '.join(LOSSES)}",
        )

    learning_rate = read_learning_rate(doc["learning_rate"], "learning_rate")

    raw_layers = doc["layers"]
    if not isinstance(raw_layers, list) or not raw_layers:
        raise SpecError("layers", "must be a non-empty list of layers ([[layers]] in TOML)")
    _limited(raw_layers, "layers", MAX_LAYERS, "layers")
    shapes, weights, biases = [], [], []
    n_in = len(inputs[0])
    for l, layer in enumerate(raw_layers, 1):
        where = f"layers[{l}]"
        if not isinstance(layer, dict):
            raise SpecError(where, f"must be a table/object, got {_describe(layer)}")
        _check_keys(layer, LAYER_KEYS, where + ".", required=("weights", "bias", "activation"))
        W = _rows(layer["weights"], f"{where}.weights", MAX_UNITS, "rows (units)",
                  max(MAX_INPUTS, MAX_UNITS), "columns")
        feeding = "the input" if l == 1 else f"layer {l - 1}"
        if len(W[0]) != n_in:
            raise SpecError(
                f"{where}.weights",
                f"has {len(W[0])} columns but {feeding} has {n_in} "
                f"{'values' if l == 1 else 'units'} (row j holds the weights into unit j)",
            )
        b = _vector(layer["bias"], f"{where}.bias", MAX_UNITS, "entries", allow_scalar=True)
        if len(b) != len(W):
            raise SpecError(f"{where}.bias", f"has {len(b)} entries but the layer has {len(W)} units")
        activation = layer["activation"]
        if not isinstance(activation, str) or activation not in ACTIVATIONS:
            written = _word(activation)
            raise SpecError(
                f"{where}.activation",
                f"unknown activation '{written}'{_did_you_mean(str(activation), ACTIVATIONS)}; "
                f"known: {', '.join(ACTIVATIONS)}",
            )
        act = ACTIVATIONS[activation]
        if not act.elementwise and l != len(raw_layers):
            raise SpecError(f"{where}.activation", f"{activation} is only allowed in the output layer")
        slope = None
        if act.takes_slope:
            slope = DEFAULT_NEGATIVE_SLOPE
            if "negative_slope" in layer:
                slope = read_slope(layer["negative_slope"], f"{where}.negative_slope")
        elif "negative_slope" in layer:
            takers = " or ".join(a.name for a in ACTIVATIONS.values() if a.takes_slope)
            raise SpecError(f"{where}.negative_slope", f"only applies to a {takers} layer")
        shapes.append(LayerShape(len(W), activation, slope))
        weights.append(W)
        biases.append(b)
        n_in = len(W)

    K = shapes[-1].size
    for s, row in enumerate(targets, 1):
        field = f"target[{s}]" if batched else "target"
        if len(row) != K:
            raise SpecError(field, f"has {len(row)} entries but the output layer has {K} units")
        problem = LOSSES[loss].target_problem(row)
        if problem:
            raise SpecError(field, problem)
    if not ACTIVATIONS[shapes[-1].activation].elementwise and K == 1:
        raise SpecError(f"layers[{len(shapes)}].activation",
                        f"{shapes[-1].activation} over a single unit is always 1")

    arch = Architecture(len(inputs[0]), tuple(shapes), loss, len(inputs) if batched else None)
    return Spec(arch, inputs, targets, tuple(weights), tuple(biases), learning_rate)
