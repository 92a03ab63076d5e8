"""exgen solve: the seed examples, exactness, precision, stdin and arrays."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import mpmath
import pytest
from click.testing import CliRunner

from exgen.cli import cli
from exgen.engine.numbers import is_exact
from exgen.engine.solver import solve
from exgen.engine.spec import load_documents, parse_spec
from tests.golden_files import check_golden
from tests.oracle import Oracle, flatten

EXAMPLES = Path(__file__).parents[1] / "examples"


def run(*args, input=None):
    result = CliRunner().invoke(cli, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def spec_of(text: str):
    return parse_spec(load_documents(text)[0][0])


@pytest.mark.parametrize("name", ["seed-single-neuron", "seed-two-layer"])
def test_seed_examples_match_golden_json_and_text(request, name):
    path = EXAMPLES / f"{name}.toml"
    check_golden(request, f"{name}.json", run("solve", str(path), "--json"))
    check_golden(request, f"{name}.txt", run("solve", str(path)))


def test_seed_two_layer_golden_agrees_with_the_oracle():
    doc = load_documents((EXAMPLES / "seed-two-layer.toml").read_text())[0][0]
    result = json.loads((Path(__file__).parent / "golden" / "seed-two-layer.json").read_text())
    with mpmath.mp.workdps(80):
        oracle = Oracle(doc)
        for name, expected in oracle.values.items():
            for got, want in zip(flatten(result["exact"][name]), flatten(expected)):
                assert abs(mpmath.mpf(got) - want) <= mpmath.mpf("1e-30") * (abs(want) + 1e-10), name


def test_seed_two_layer_does_not_repeat_the_seed_mistake():
    """The seed backpropagates dL/dv_k (weight gradients) instead of delta = dL/dz2, and pairs
    hidden weights with the wrong units; the right dL/da1 is W2^T · dL/dz2."""
    solution = solve(spec_of((EXAMPLES / "seed-two-layer.toml").read_text()))
    values = solution.to_json()["values"]
    dz2 = values["dL/dz2"][0]
    assert values["dL/da1"] == pytest.approx([0.4 * dz2, 0.7 * dz2], rel=1e-15)
    seed_dla1 = [-0.03447, -0.03914]  # what the seed wrote
    assert all(abs(a - b) > 0.01 for a, b in zip(values["dL/da1"], seed_dla1))
    # the parts of the seed that are right, to the digits it gives
    assert values["z1"] == [1.8, 0.9] and values["z2"] == [1.55]
    assert round(values["yhat"][0], 3) == 0.825  # the seed truncates it to 0.824


def test_seed_single_neuron_is_exactly_zero_loss_and_unchanged_weights():
    result = json.loads(run("solve", str(EXAMPLES / "seed-single-neuron.toml"), "--json"))
    exact = result["exact"]
    assert exact["yhat"] == ["2"] and exact["loss"] == "0"
    assert exact["dL/dyhat"] == ["0"] and exact["dL/dW1"] == [["0", "0"]] and exact["dL/db1"] == ["0"]
    assert exact["W1_new"] == [["0.4", "-0.6"]] and exact["b1_new"] == ["0.2"]
    # in float64 the same network does not give exactly zero (design §2: 1.97e-31)
    import numpy as np

    yhat = np.float64(0.4) * 3 + np.float64(-0.6) * -1 + np.float64(0.2)
    assert (2 - yhat) ** 2 != 0


def test_stdin_and_json_array_return_results_in_order():
    docs = [spec_of((EXAMPLES / n).read_text()).to_dict() for n in ("seed-two-layer.toml", "seed-single-neuron.toml")]
    text = json.dumps(docs)
    out = json.loads(run("solve", "-", "--json", input=text))
    assert isinstance(out, list) and len(out) == 2
    assert out[0]["exact"]["z1"] == ["1.8", "0.9"]
    assert out[1]["exact"]["loss"] == "0"
    single = json.loads(run("solve", "-", "--json", input=json.dumps(docs[1])))
    assert isinstance(single, dict) and single["exact"]["loss"] == "0"
    text_out = run("solve", "-", input=text)
    assert "=== Spec 1 of 2 ===" in text_out and "=== Spec 2 of 2 ===" in text_out


def test_text_output_has_the_seed_layout():
    out = run("solve", str(EXAMPLES / "seed-two-layer.toml"))
    titles = [line for line in out.splitlines() if line[:2] in ("1.", "2.", "3.", "4.")]
    assert titles == ["1. Forward pass", "2. Loss", "3. Backpropagation", "4. Gradient-descent update"]
    assert "z1[1] = W1[1,1] × x[1] + W1[1,2] × x[2] + b1[1] = 0.5 × 1 + 0.6 × 2 + 0.1 = 1.8" in out
    assert "ŷ[1] = σ(z2[1]) = σ(1.55) ≈ 0.8249" in out


SOFTMAX_EQUAL_COLUMN = """
input = [1, 2]
target = [0, 1, 0]
loss = "cross_entropy"
learning_rate = 0.1
[[layers]]
weights = [[0.5, -0.2], [0.1, 0.3]]
bias = [0.1, 0.0]
activation = "tanh"
[[layers]]
weights = [[0.3, 0.1], [0.3, -0.4], [0.3, 0.2]]
bias = [0.0, 0.1, -0.1]
activation = "softmax"
"""


def test_structural_zero_is_exactly_zero():
    """Softmax + cross-entropy gradients sum to 0, so a constant weight column passes back
    exactly nothing: dL/da1[1] = 0.3 · Σ_k (ŷ_k − y_k) = 0, not 1e-77."""
    solution = solve(spec_of(SOFTMAX_EQUAL_COLUMN))
    exact = solution.to_json()["exact"]
    assert exact["dL/da1"][0] == "0"
    assert is_exact(solution.values["dL/da1", 0, 0])
    assert exact["dL/da1"][1] != "0"


def test_softmax_of_equal_logits_is_exactly_uniform():
    spec = SOFTMAX_EQUAL_COLUMN.replace("bias = [0.0, 0.1, -0.1]", "bias = [0, 0, 0]").replace(
        "weights = [[0.3, 0.1], [0.3, -0.4], [0.3, 0.2]]", "weights = [[0.3, 0.1], [0.3, 0.1], [0.3, 0.1]]")
    exact = solve(spec_of(spec)).to_json()["exact"]
    assert exact["yhat"] == ["0.3333333333333333333333333333333333333333"] * 3


def test_sigmoid_of_zero_is_exactly_one_half():
    spec = """
input = [1]
target = [1]
loss = "half_squared_error"
learning_rate = 0.5
[[layers]]
weights = [[0.5]]
bias = [-0.5]
activation = "sigmoid"
"""
    exact = solve(spec_of(spec)).to_json()["exact"]
    assert exact["yhat"] == ["0.5"] and exact["loss"] == "0.125" and exact["dL/dz1"] == ["-0.125"]


def test_precision_is_raised_when_a_sum_cancels():
    """ln(1 − σ(150)) loses ~216 of 256 bits in 1 − ŷ: the engine must redo it at 512 bits."""
    spec = """
input = [1.5]
target = [0]
loss = "binary_cross_entropy"
learning_rate = 0.1
[[layers]]
weights = [[100]]
bias = [0]
activation = "sigmoid"
"""
    solution = solve(spec_of(spec))
    assert solution.precision >= 512
    loss = Decimal(solution.to_json()["exact"]["loss"])
    with mpmath.mp.workdps(100):
        want = mpmath.log(1 + mpmath.exp(150))
        assert abs(mpmath.mpf(str(loss)) - want) < mpmath.mpf("1e-35")
