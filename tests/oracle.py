"""An independent oracle for the engine: mpmath at 80 digits, gradients by finite differences.

Written from the definitions in design §1 without importing any exgen code, so that a mistake
in the engine (a wrong derivative, a transposed matrix, a missing batch factor) cannot be
repeated here. Gradients are central differences with h = 1e-25: truncation error ~h², rounding
error ~1e-80/h, so about 45 correct digits — far more than the 30 the engine promises.
"""

from __future__ import annotations

import mpmath
from mpmath import mp, mpf

DPS = 80
H = mpf("1e-25")


def _act(name, z, slope, extra=None):
    if extra and name in extra:  # an activation a test defines: a function of the vector z
        return extra[name](z)
    if name == "identity":
        return list(z)
    if name == "relu":
        return [v if v > 0 else mpf(0) for v in z]
    if name == "leaky_relu":
        return [v if v > 0 else slope * v for v in z]
    if name == "sigmoid":
        return [1 / (1 + mpmath.exp(-v)) for v in z]
    if name == "tanh":
        return [mpmath.tanh(v) for v in z]
    if name == "softmax":
        m = max(z)
        e = [mpmath.exp(v - m) for v in z]
        return [v / sum(e) for v in e]
    raise ValueError(name)


def _sample_loss(name, y, p):
    K = len(y)
    if name == "squared_error":
        return sum((a - b) ** 2 for a, b in zip(y, p))
    if name == "half_squared_error":
        return sum((a - b) ** 2 for a, b in zip(y, p)) / 2
    if name == "mean_squared_error":
        return sum((a - b) ** 2 for a, b in zip(y, p)) / K
    if name == "binary_cross_entropy":
        return -sum(a * mpmath.log(b) + (1 - a) * mpmath.log(1 - b) for a, b in zip(y, p))
    if name == "cross_entropy":
        return -sum(a * mpmath.log(b) for a, b in zip(y, p) if a != 0)
    raise ValueError(name)


class Oracle:
    """Everything design §2 names, for one spec given as a plain dict (numbers as strings ok)."""

    def __init__(self, spec: dict, activations: dict | None = None):
        """``activations``: extra activations by name, each a function of the list z (mpf)."""
        self.spec = spec
        self.extra = activations
        with mp.workdps(DPS):
            self.batched = isinstance(spec["input"][0], list)
            xs = spec["input"] if self.batched else [spec["input"]]
            ys = spec["target"] if self.batched else [spec["target"]]
            self.X = [[mpf(str(v)) for v in row] for row in xs]
            self.Y = [[mpf(str(v)) for v in row] for row in ys]
            self.W = [[[mpf(str(v)) for v in row] for row in layer["weights"]] for layer in spec["layers"]]
            self.b = [[mpf(str(v)) for v in layer["bias"]] for layer in spec["layers"]]
            self.acts = [layer["activation"] for layer in spec["layers"]]
            self.slopes = [mpf(str(layer.get("negative_slope", "0.01"))) for layer in spec["layers"]]
            self.lr = mpf(str(spec["learning_rate"]))
            self.loss_name = spec["loss"]
            self.L = len(self.W)
            self.values = self._compute()

    def _forward(self, s, W=None, b=None):
        W = W or self.W
        b = b or self.b
        zs, as_ = {}, {0: self.X[s]}
        for l in range(1, self.L + 1):
            zs[l] = [sum(w * v for w, v in zip(row, as_[l - 1])) + bj for row, bj in zip(W[l - 1], b[l - 1])]
            as_[l] = _act(self.acts[l - 1], zs[l], self.slopes[l - 1], self.extra)
        return zs, as_

    def _from_z(self, s, l, z):
        """Prediction of sample s when layer l's pre-activation is replaced by z."""
        a = _act(self.acts[l - 1], z, self.slopes[l - 1], self.extra)
        return self._from_a(s, l, a)

    def _from_a(self, s, l, a):
        for m in range(l + 1, self.L + 1):
            z = [sum(w * v for w, v in zip(row, a)) + bj for row, bj in zip(self.W[m - 1], self.b[m - 1])]
            a = _act(self.acts[m - 1], z, self.slopes[m - 1], self.extra)
        return a

    def _batch_loss(self, predictions):
        B = len(self.X)
        return sum(_sample_loss(self.loss_name, y, p) for y, p in zip(self.Y, predictions)) / B

    def _loss_params(self, W, b):
        return self._batch_loss([self._forward(s, W, b)[1][self.L] for s in range(len(self.X))])

    def _compute(self):
        B, L = len(self.X), self.L
        fw = [self._forward(s) for s in range(B)]
        preds = [f[1][L] for f in fw]
        out = {}
        for l in range(1, L + 1):
            out[f"z{l}"] = [f[0][l] for f in fw]
            out["yhat" if l == L else f"a{l}"] = [f[1][l] for f in fw]
        out["loss"] = self._batch_loss(preds)

        def d_sample(s, replace):
            """Derivative of the batch loss along one coordinate of sample s's path."""
            def loss_with(t):
                p = list(preds)
                p[s] = replace(t)
                return self._batch_loss(p)
            return (loss_with(H) - loss_with(-H)) / (2 * H)

        out["dL/dyhat"] = [
            [d_sample(s, lambda t, s=s, k=k: [v + (t if i == k else 0) for i, v in enumerate(preds[s])])
             for k in range(len(preds[s]))]
            for s in range(B)
        ]
        for l in range(1, L + 1):
            out[f"dL/dz{l}"] = [
                [d_sample(s, lambda t, s=s, l=l, j=j: self._from_z(
                    s, l, [v + (t if i == j else 0) for i, v in enumerate(fw[s][0][l])]))
                 for j in range(len(fw[s][0][l]))]
                for s in range(B)
            ]
            if l < L:
                out[f"dL/da{l}"] = [
                    [d_sample(s, lambda t, s=s, l=l, j=j: self._from_a(
                        s, l, [v + (t if i == j else 0) for i, v in enumerate(fw[s][1][l])]))
                     for j in range(len(fw[s][1][l]))]
                    for s in range(B)
                ]
        for l in range(1, L + 1):
            gW = []
            for j, row in enumerate(self.W[l - 1]):
                grow = []
                for i in range(len(row)):
                    def shifted(t, j=j, i=i):
                        W = [[list(r) for r in layer] for layer in self.W]
                        W[l - 1][j][i] += t
                        return self._loss_params(W, self.b)
                    grow.append((shifted(H) - shifted(-H)) / (2 * H))
                gW.append(grow)
            gb = []
            for j in range(len(self.b[l - 1])):
                def shifted_b(t, j=j):
                    b = [list(r) for r in self.b]
                    b[l - 1][j] += t
                    return self._loss_params(self.W, b)
                gb.append((shifted_b(H) - shifted_b(-H)) / (2 * H))
            out[f"dL/dW{l}"] = gW
            out[f"dL/db{l}"] = gb
            out[f"W{l}_new"] = [[w - self.lr * g for w, g in zip(rw, rg)] for rw, rg in zip(self.W[l - 1], gW)]
            out[f"b{l}_new"] = [v - self.lr * g for v, g in zip(self.b[l - 1], gb)]
        if not self.batched:  # per-sample quantities are plain vectors for one sample
            for name, value in out.items():
                if name[0] in "zay" or name.startswith(("dL/dz", "dL/da", "dL/dyhat")):
                    if name != "loss":
                        out[name] = value[0]
        return out


def flatten(value):
    if isinstance(value, list):
        for v in value:
            yield from flatten(v)
    else:
        yield value
