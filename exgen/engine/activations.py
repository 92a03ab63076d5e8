"""Activation functions: the value and the local derivative of each, in one place.

Cells are written against an arithmetic ``A`` (see ``exgen.engine.arithmetic``). ``z``, ``a`` and
``g`` are accessors ``k -> value`` for one sample's pre-activations, activations and dL/da, so
that the step graph can record exactly which cells a computation reads.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Activation:
    name: str
    label: str  # how it is named in prose
    definition: str  # plain text, for worked solutions
    derivative: str
    definition_latex: str
    derivative_latex: str
    elementwise = True

    def value(self, A, z, j, size, slope=None):
        raise NotImplementedError

    def local(self, A, a, z, j, slope=None):
        """f'(z_j) of an elementwise activation, from a_j or z_j (whichever is taught)."""
        raise NotImplementedError

    def delta(self, A, g, a, z, j, size, slope=None):
        """dL/dz_j of one sample from dL/da (``g``) by the chain rule."""
        return g(j) * self.local(A, a, z, j, slope)


class Identity(Activation):
    def value(self, A, z, j, size, slope=None):
        return z(j)

    def delta(self, A, g, a, z, j, size, slope=None):
        return g(j)  # f'(z) = 1


class ReLU(Activation):
    def value(self, A, z, j, size, slope=None):
        return A.relu(z(j))

    def local(self, A, a, z, j, slope=None):
        return A.relu_grad(z(j))


class LeakyReLU(Activation):
    def value(self, A, z, j, size, slope=None):
        return A.leaky_relu(z(j), slope)

    def local(self, A, a, z, j, slope=None):
        return A.leaky_relu_grad(z(j), slope)


class Sigmoid(Activation):
    def value(self, A, z, j, size, slope=None):
        return A.sigmoid(z(j))

    def local(self, A, a, z, j, slope=None):
        return a(j) * A.sub(1, a(j))


class Tanh(Activation):
    def value(self, A, z, j, size, slope=None):
        return A.tanh(z(j))

    def local(self, A, a, z, j, slope=None):
        return A.sub(1, A.square(a(j)))


class Softmax(Activation):
    elementwise = False

    def value(self, A, z, j, size, slope=None):
        # e^{z_j} / sum_k e^{z_k}; the exact arithmetic gives 1/K when all z are equal.
        return A.exp(z(j)) / A.sum([A.exp(z(k)) for k in range(size)])

    def delta(self, A, g, a, z, j, size, slope=None):
        # Jacobian-vector product: a_j (g_j - sum_k a_k g_k).
        return a(j) * A.sub(g(j), A.sum([a(k) * g(k) for k in range(size)]))


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Identity(
            "identity", "identity", "f(z) = z", "f'(z) = 1", r"f(z) = z", r"f'(z) = 1"
        ),
        ReLU(
            "relu",
            "ReLU",
            "ReLU(z) = max(0, z)",
            "ReLU'(z) = 1 if z > 0, else 0",
            r"\operatorname{ReLU}(z) = \max(0, z)",
            r"\operatorname{ReLU}'(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}",
        ),
        LeakyReLU(
            "leaky_relu",
            "leaky ReLU",
            "f(z) = z if z > 0, else s·z",
            "f'(z) = 1 if z > 0, else s",
            r"f(z) = \begin{cases} z & z > 0 \\ s z & z \le 0 \end{cases}",
            r"f'(z) = \begin{cases} 1 & z > 0 \\ s & z \le 0 \end{cases}",
        ),
        Sigmoid(
            "sigmoid",
            "sigmoid",
            "σ(z) = 1 / (1 + e^(−z))",
            "σ'(z) = σ(z)(1 − σ(z))",
            r"\sigma(z) = \frac{1}{1 + e^{-z}}",
            r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))",
        ),
        Tanh(
            "tanh",
            "tanh",
            "tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))",
            "tanh'(z) = 1 − tanh²(z)",
            r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
            r"\tanh'(z) = 1 - \tanh^2(z)",
        ),
        Softmax(
            "softmax",
            "softmax",
            "softmax(z)_j = e^(z_j) / Σ_k e^(z_k)",
            "∂a_j/∂z_i = a_j(δ_ij − a_i)",
            r"\operatorname{softmax}(z)_j = \frac{e^{z_j}}{\sum_k e^{z_k}}",
            r"\frac{\partial a_j}{\partial z_i} = a_j(\delta_{ij} - a_i)",
        ),
    )
}
