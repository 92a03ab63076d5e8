"""Every validation rule of a spec: one clear message naming the field, exit status 2."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from exgen.cli import cli

BASE = {
    "input": [1, 2],
    "target": [1.0],
    "loss": "half_squared_error",
    "learning_rate": 0.01,
    "layers": [
        {"weights": [[0.5, 0.6], [0.2, 0.3]], "bias": [0.1, 0.1], "activation": "relu"},
        {"weights": [[0.4, 0.7]], "bias": [0.2], "activation": "sigmoid"},
    ],
}


def mutate(**changes):
    spec = copy.deepcopy(BASE)
    for path, value in changes.items():
        target = spec
        parts = path.split("__")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last = parts[-1]
        if value is DELETE:
            del target[last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return spec


DELETE = object()

CASES = [
    # shapes
    (mutate(layers__0__weights=[[0.5, 0.6, 0.1], [0.2, 0.3, 0.1]]), "layers[1].weights: has 3 columns but the input has 2 values"),
    (mutate(layers__1__weights=[[0.4, 0.7, 0.1]]), "layers[2].weights: has 3 columns but layer 1 has 2 units"),
    (mutate(layers__0__bias=[0.1]), "layers[1].bias: has 1 entries but the layer has 2 units"),
    (mutate(layers__0__weights=[[0.5, 0.6], [0.2]]), "layers[1].weights: rows have different lengths"),
    (mutate(target=[1.0, 0.0]), "target: has 2 entries but the output layer has 1 units"),
    (mutate(input=[[1, 2], [3, 4]]), "target: input is a batch"),
    (mutate(input=[[1, 2], [3, 4]], target=[[1.0]]), "target: has 1 rows but input has 2 samples"),
    (mutate(target=[[1.0]]), "target: is a batch (a list of lists) but input is a single sample"),
    (mutate(input=[]), "input: must not be empty"),
    # names
    (mutate(layers__0__activation="rleu"), "layers[1].activation: unknown activation 'rleu' (did you mean 'relu'?)"),
    (mutate(loss="half_square_error"), "loss: unknown loss 'half_square_error' (did you mean 'half_squared_error'?)"),
    (mutate(loss="mse"), "loss: unknown loss 'mse'; known: squared_error"),
    (mutate(layers__0__activation="softmax"), "layers[1].activation: softmax is only allowed in the output layer"),
    # targets of the cross-entropy losses
    (mutate(loss="binary_cross_entropy", target=[1.5]), "target: binary_cross_entropy needs targets between 0 and 1, entry 1 is 1.5"),
    (
        {**mutate(loss="cross_entropy", target=[0.5, 0.6]),
         "layers": [BASE["layers"][0], {"weights": [[0.4, 0.7], [0.1, 0.2]], "bias": [0.2, 0.1], "activation": "softmax"}]},
        "target: cross_entropy needs a probability distribution as target: entries must sum to 1",
    ),
    (
        {**mutate(loss="cross_entropy", target=[1.5, -0.5]),
         "layers": [BASE["layers"][0], {"weights": [[0.4, 0.7], [0.1, 0.2]], "bias": [0.2, 0.1], "activation": "softmax"}]},
        "target: cross_entropy needs a probability distribution as target: an entry is negative",
    ),
    # values
    (mutate(input=[1, "two"]), "input[2]: must be a number, got the text 'two'"),
    (mutate(learning_rate=True), "learning_rate: must be a number, got true (a boolean)"),
    (mutate(learning_rate=-0.1), "learning_rate: must be positive"),
    (mutate(layers__0__bias=[0.1, 0.123456789012345678]), "layers[1].bias[2]: has more than 15 significant digits"),
    # keys
    (mutate(learning_rat=0.1, learning_rate=DELETE), "learning_rat: unknown key (did you mean 'learning_rate'?)"),
    (mutate(loss=DELETE), "loss: missing"),
    (mutate(layers__0__weights=DELETE), "layers[1].weights: missing"),
    (mutate(layers__0__activaton="relu"), "layers[1].activaton: unknown key (did you mean 'activation'?)"),
    (mutate(layers__0__negative_slope=0.1), "layers[1].negative_slope: only applies to a leaky_relu layer"),
    (mutate(layers=[]), "layers: must be a non-empty list"),
]


@pytest.mark.parametrize("spec,message", CASES, ids=[c[1].split(":")[0] + "-" + str(i) for i, c in enumerate(CASES)])
def test_bad_spec_gets_one_clear_message_and_exit_2(tmp_path, spec, message):
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    result = CliRunner().invoke(cli, ["solve", str(path)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # no traceback
    assert f"{path}: {message}" in result.output
    assert len(result.output.strip().splitlines()) == 1


SEED_TOML = (Path(__file__).parents[1] / "examples" / "seed-two-layer.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text,suffix,message",
    [
        (json.dumps(BASE).replace("[1, 2]", "[1, NaN]"), ".json", "input[2]: must be a finite number, got NaN"),
        (json.dumps(BASE).replace("[1, 2]", "[1, Infinity]"), ".json", "input[2]: must be a finite number, got Infinity"),
        ('{"input": [1, 2', ".json", "not valid JSON: Expecting ',' delimiter (line 1, column 16)"),
        (SEED_TOML.replace("input = [1, 2]", "input = [1, nan]"), ".toml", "input[2]: must be a finite number, got nan"),
        (SEED_TOML.replace("input = [1, 2]", "input = [1, inf]"), ".toml", "input[2]: must be a finite number, got inf"),
        ("input = [1, 2\n", ".toml", "not valid TOML"),
        ("[1, 2]", ".json", "[1] a spec must be a table/object, got 1"),
    ],
)
def test_non_finite_and_unparsable_specs(tmp_path, text, suffix, message):
    path = tmp_path / f"spec{suffix}"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["solve", str(path)])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_missing_and_non_utf8_files(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["solve", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2 and "no such spec file" in result.output
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'loss = "caf\xe9"\n')
    result = runner.invoke(cli, ["solve", str(bad)])
    assert result.exit_code == 2
    assert "line 1, column 12: not UTF-8 text (byte 0xe9)" in result.output


def test_bad_spec_in_an_array_is_named_by_position(tmp_path):
    path = tmp_path / "specs.json"
    path.write_text(json.dumps([BASE, mutate(loss="l2")]))
    result = CliRunner().invoke(cli, ["solve", str(path), "--json"])
    assert result.exit_code == 2
    assert f"{path}: [2] loss: unknown loss 'l2'" in result.output


def test_prediction_outside_the_loss_domain_is_reported_not_raised(tmp_path):
    # identity output with binary cross-entropy: yhat = 1 makes ln(1 - yhat) undefined
    spec = {
        "input": [1], "target": [1], "loss": "binary_cross_entropy", "learning_rate": 0.1,
        "layers": [{"weights": [[0.5]], "bias": [0.5], "activation": "identity"}],
    }
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    result = CliRunner().invoke(cli, ["solve", str(path)])
    assert result.exit_code == 2
    assert "cannot compute loss: binary_cross_entropy needs every prediction ŷ strictly between 0 and 1, but yhat[1] = 1" in result.output
