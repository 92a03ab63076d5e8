"""Hypothesis strategies for random exercise specs covering every activation × loss."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

HIDDEN = ["identity", "relu", "leaky_relu", "sigmoid", "tanh"]
OUTPUT_FOR_LOSS = {
    "squared_error": HIDDEN + ["softmax"],
    "half_squared_error": HIDDEN + ["softmax"],
    "mean_squared_error": HIDDEN + ["softmax"],
    "binary_cross_entropy": ["sigmoid", "softmax"],
    "cross_entropy": ["softmax", "sigmoid"],
}
LOSSES = list(OUTPUT_FOR_LOSS)


def decimals(lo=-2, hi=2, places=2):
    scale = 10**places
    return st.integers(lo * scale, hi * scale).map(lambda n: Decimal(n) / scale)


@st.composite
def targets(draw, loss, K):
    if loss == "binary_cross_entropy":
        return [draw(st.integers(0, 10).map(lambda n: Decimal(n) / 10)) for _ in range(K)]
    if loss == "cross_entropy":
        if draw(st.booleans()):
            hot = draw(st.integers(0, K - 1))
            return [Decimal(1 if k == hot else 0) for k in range(K)]
        cuts = sorted(draw(st.lists(st.integers(0, 10), min_size=K - 1, max_size=K - 1)))
        edges = [0, *cuts, 10]
        return [Decimal(edges[k + 1] - edges[k]) / 10 for k in range(K)]
    return [draw(decimals(-1, 1, 1)) for _ in range(K)]


@st.composite
def specs(draw, max_depth=3, max_width=3, losses=None, batch=None):
    loss = draw(st.sampled_from(losses or LOSSES))
    depth = draw(st.integers(1, max_depth))
    n_in = draw(st.integers(1, max_width))
    output = draw(st.sampled_from(OUTPUT_FOR_LOSS[loss]))
    K = draw(st.integers(2 if output == "softmax" else 1, max_width))
    sizes = [draw(st.integers(1, max_width)) for _ in range(depth - 1)] + [K]
    batch_size = draw(st.sampled_from([None, 1, 2, 3])) if batch is None else batch
    layers, prev = [], n_in
    for l, size in enumerate(sizes, 1):
        activation = output if l == depth else draw(st.sampled_from(HIDDEN))
        layer = {
            "weights": [[draw(decimals(-1, 1)) for _ in range(prev)] for _ in range(size)],
            "bias": [draw(decimals(-1, 1, 1)) for _ in range(size)],
            "activation": activation,
        }
        if activation == "leaky_relu" and draw(st.booleans()):
            layer["negative_slope"] = draw(st.sampled_from([Decimal("0.1"), Decimal("0.2"), Decimal("0.01")]))
        layers.append(layer)
        prev = size
    rows = 1 if batch_size is None else batch_size
    xs = [[draw(decimals(-2, 2, 1)) for _ in range(n_in)] for _ in range(rows)]
    ys = [draw(targets(loss, K)) for _ in range(rows)]
    return {
        "input": xs[0] if batch_size is None else xs,
        "target": ys[0] if batch_size is None else ys,
        "loss": loss,
        "learning_rate": draw(st.sampled_from([Decimal("0.01"), Decimal("0.1"), Decimal("0.5")])),
        "layers": layers,
    }
