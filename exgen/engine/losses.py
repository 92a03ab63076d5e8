"""Loss functions, each defined in one place: the per-sample loss beside its gradient with
respect to ŷ, the texts people read, the predictions and targets it accepts, and which of the
grader's misconceptions apply to it (``slips``).

``y`` and ``yhat`` are accessors ``k -> value`` for one sample; ``size`` is K, the number of
outputs. The batch mean is taken by the step graph, not here.
"""

from __future__ import annotations

from dataclasses import dataclass

from exgen.engine.intervals import Interval
from exgen.engine.numbers import exact_string


@dataclass(frozen=True)
class Loss:
    name: str
    label: str
    definition: str
    gradient_text: str
    definition_latex: str
    gradient_latex: str
    #: The predictions ŷ it is defined for (a logarithm's domain); None: any.
    predictions: Interval | None = None
    #: Each target entry must lie here; None: any.
    targets: Interval | None = None
    #: Targets are one-hot rows: a generated variant draws the true class, not K values.
    one_hot_targets: bool = False
    #: The misconceptions (``exgen.grading.misconceptions``) open to a student with this loss.
    slips: frozenset = frozenset()

    def sample_loss(self, A, y, yhat, size):
        raise NotImplementedError

    def gradient(self, A, y, yhat, k, size):
        raise NotImplementedError

    def target_problem(self, row) -> str | None:
        """Why a target row (exact values) is not allowed for this loss, or None."""
        if self.targets is not None:
            for k, value in enumerate(row, 1):
                if not self.targets.contains(value):
                    return f"{self.targets_text()}, entry {k} is {exact_string(value)}"
        return None

    def targets_text(self) -> str:
        return f"{self.name} needs targets {self.targets.describe()}"


def _squares(A, y, yhat, size):
    return A.sum([A.square(A.sub(y(k), yhat(k))) for k in range(size)])


class SquaredError(Loss):
    def sample_loss(self, A, y, yhat, size):
        return _squares(A, y, yhat, size)

    def gradient(self, A, y, yhat, k, size):
        return A.const(2) * A.sub(yhat(k), y(k))


class HalfSquaredError(Loss):
    def sample_loss(self, A, y, yhat, size):
        return A.const(1, 2) * _squares(A, y, yhat, size)

    def gradient(self, A, y, yhat, k, size):
        return A.sub(yhat(k), y(k))


class MeanSquaredError(Loss):
    def sample_loss(self, A, y, yhat, size):
        return A.const(1, size) * _squares(A, y, yhat, size)

    def gradient(self, A, y, yhat, k, size):
        return A.const(2, size) * A.sub(yhat(k), y(k))


class BinaryCrossEntropy(Loss):
    def sample_loss(self, A, y, yhat, size):
        return -A.sum(
            [
                A.sum([y(k) * A.log(yhat(k)), A.sub(1, y(k)) * A.log(A.sub(1, yhat(k)))])
                for k in range(size)
            ]
        )

    def gradient(self, A, y, yhat, k, size):
        return A.sub(yhat(k), y(k)) / (yhat(k) * A.sub(1, yhat(k)))


class CrossEntropy(Loss):
    def sample_loss(self, A, y, yhat, size):
        return -A.sum([y(k) * A.log(yhat(k)) for k in range(size)])

    def gradient(self, A, y, yhat, k, size):
        return -(y(k) / yhat(k))

    def target_problem(self, row):
        if any(value < 0 for value in row):
            return "cross_entropy needs a probability distribution as target: an entry is negative"
        if sum(row) != 1:
            return "cross_entropy needs a probability distribution as target: entries must sum to 1"
        return None


#: The factor-2 slips of (half) squared error: 2(ŷ − y) written for ŷ − y, or the reverse.
SQUARED_SLIPS = frozenset({"squared_error_factor_2"})

#: Every loss a spec or a family may name, in the order messages list them.
LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        SquaredError(
            "squared_error",
            "squared error",
            "L = Σ_k (y_k − ŷ_k)²",
            "∂L/∂ŷ_k = 2(ŷ_k − y_k)",
            r"L = \sum_k (y_k - \hat{y}_k)^2",
            r"\frac{\partial L}{\partial \hat{y}_k} = 2(\hat{y}_k - y_k)",
            slips=SQUARED_SLIPS,
        ),
        HalfSquaredError(
            "half_squared_error",
            "half squared error",
            "L = ½ Σ_k (y_k − ŷ_k)²",
            "∂L/∂ŷ_k = ŷ_k − y_k",
            r"L = \frac{1}{2} \sum_k (y_k - \hat{y}_k)^2",
            r"\frac{\partial L}{\partial \hat{y}_k} = \hat{y}_k - y_k",
            slips=SQUARED_SLIPS,
        ),
        MeanSquaredError(
            "mean_squared_error",
            "mean squared error",
            "L = (1/K) Σ_k (y_k − ŷ_k)²",
            "∂L/∂ŷ_k = (2/K)(ŷ_k − y_k)",
            r"L = \frac{1}{K} \sum_k (y_k - \hat{y}_k)^2",
            r"\frac{\partial L}{\partial \hat{y}_k} = \frac{2}{K}(\hat{y}_k - y_k)",
            slips=SQUARED_SLIPS,
        ),
        BinaryCrossEntropy(
            "binary_cross_entropy",
            "binary cross-entropy",
            "L = −Σ_k [y_k ln ŷ_k + (1 − y_k) ln(1 − ŷ_k)]",
            "∂L/∂ŷ_k = (ŷ_k − y_k) / (ŷ_k(1 − ŷ_k))",
            r"L = -\sum_k \left[ y_k \ln \hat{y}_k + (1 - y_k) \ln(1 - \hat{y}_k) \right]",
            r"\frac{\partial L}{\partial \hat{y}_k} = \frac{\hat{y}_k - y_k}{\hat{y}_k (1 - \hat{y}_k)}",
            predictions=Interval(0, 1),
            targets=Interval(0, 1, closed=True),
        ),
        CrossEntropy(
            "cross_entropy",
            "cross-entropy",
            "L = −Σ_k y_k ln ŷ_k",
            "∂L/∂ŷ_k = −y_k / ŷ_k",
            r"L = -\sum_k y_k \ln \hat{y}_k",
            r"\frac{\partial L}{\partial \hat{y}_k} = -\frac{y_k}{\hat{y}_k}",
            predictions=Interval(0, None),
            one_hot_targets=True,
        ),
    )
}
