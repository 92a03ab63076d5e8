"""The arithmetics a step graph can be evaluated in.

Every cell of the step graph is written once, against the small interface below (``const``,
``sum``, ``sub``, ``square``, ``exp``, ``log``, ``sigmoid``, ``tanh``, ``relu`` ... plus the
``*``, ``/`` and unary ``-`` operators of the numbers themselves). Evaluating the same cells in
a different arithmetic gives:

- :class:`ExactArithmetic`: the exact solution (rationals, or mpfr at a working precision);
- :class:`FloatArithmetic`: float64, on Python floats or on numpy arrays holding one value per
  candidate variant (the generator's vectorised screening), and the grader's recomputation
  from a student's own answers;
- ``exgen.notation.display``: the formula and substitution text of the worked solution.

Additions go through ``sum``/``sub`` (never ``+``/``-``) because that is where cancellation
happens, and the exact arithmetic watches for it there.
"""

from __future__ import annotations

import math

import gmpy2
import numpy as np
from gmpy2 import mpfr, mpq

from exgen.engine.numbers import ONE, ZERO

_MPFR = type(mpfr(0))


class DomainError(ArithmeticError):
    """A function was applied outside its domain (ln of a non-positive number)."""


class PrecisionLost(ArithmeticError):
    """A sum cancelled so many digits that the working precision cannot vouch for the result."""


#: Working precision of the first attempt, in bits (~77 significant digits).
START_PRECISION = 256
#: A sum of inexact terms that cancels all but the last few bits is an exact zero (a structural
#: cancellation, e.g. softmax gradients summing to 0), not a tiny number.
NOISE_BITS = 32
#: Digits we must still hold after a cancellation: 40 written, 30 promised.
KEPT_BITS = 150


class ExactArithmetic:
    """Rationals where the values are rational, mpfr at ``precision`` bits otherwise.

    The caller must evaluate inside ``gmpy2.context(precision=...)`` (see ``working_context``)
    so that mixed mpq/mpfr operations round at this precision.
    """

    exact = True

    def __init__(self, precision: int = START_PRECISION):
        self.precision = precision

    def working_context(self):
        return gmpy2.context(gmpy2.get_context(), precision=self.precision)

    def const(self, p, q=1):
        return mpq(p, q)

    def _checked(self, total, terms):
        if type(total) is not _MPFR:
            return total  # rationals are exact: nothing to lose
        # Fast path in doubles: a result within 25 digits of its largest term keeps >= 50 of
        # its 77. Doubles cannot see past 1e-308, so anything else takes the exact path.
        largest = 0.0
        for t in terms:
            f = abs(float(t))
            if f > largest:
                largest = f
        if abs(float(total)) > 1e-25 * largest:
            return total
        return self._cancelled(total, terms)

    def _cancelled(self, total, terms):
        if not total.is_finite():
            return total
        largest = max(abs(mpfr(t)) for t in terms)
        if largest == 0:
            return total
        if total == 0:
            return ZERO
        lost = gmpy2.get_exp(largest) - gmpy2.get_exp(total)
        if lost > self.precision - NOISE_BITS:
            return ZERO
        if lost > self.precision - KEPT_BITS:
            raise PrecisionLost(f"cancellation of {lost} bits at {self.precision}-bit precision")
        return total

    def sum(self, terms):
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return self._checked(total, terms)

    def sub(self, a, b):
        total = a - b
        if type(total) is not _MPFR:
            return total
        fa, fb = abs(float(a)), abs(float(b))
        if abs(float(total)) > 1e-25 * (fa if fa > fb else fb):
            return total
        return self._cancelled(total, (a, b))

    def square(self, x):
        return x * x

    def exp(self, x):
        return ONE if x == 0 else gmpy2.exp(x)

    def log(self, x):
        if x <= 0:
            raise DomainError("the logarithm of a number that is not positive")
        return ZERO if x == 1 else gmpy2.log(x)

    def sigmoid(self, x):
        # sigma(0) = 1/2 is the only rational value sigma takes at a rational point.
        return mpq(1, 2) if x == 0 else 1 / (1 + gmpy2.exp(-x))

    def tanh(self, x):
        return ZERO if x == 0 else gmpy2.tanh(x)

    def relu(self, x):
        return x if x > 0 else ZERO

    def relu_grad(self, x):
        return ONE if x > 0 else ZERO  # the derivative at the kink is taken as 0, like PyTorch

    def leaky_relu(self, x, slope):
        return x if x > 0 else slope * x

    def leaky_relu_grad(self, x, slope):
        return ONE if x > 0 else slope


class FloatArithmetic:
    """float64, elementwise over numpy arrays (one entry per candidate) or on plain floats."""

    exact = False

    def const(self, p, q=1):
        return p / q

    def sum(self, terms):
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total

    def sub(self, a, b):
        return a - b

    def square(self, x):
        return x * x

    def exp(self, x):
        return np.exp(x)

    def log(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    def sigmoid(self, x):
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-x))

    def tanh(self, x):
        return np.tanh(x)

    def relu(self, x):
        return np.maximum(x, 0.0)

    def relu_grad(self, x):
        return np.where(x > 0, 1.0, 0.0)

    def leaky_relu(self, x, slope):
        return np.where(x > 0, x, float(slope) * x)

    def leaky_relu_grad(self, x, slope):
        return np.where(x > 0, 1.0, float(slope))


class ScalarFloatArithmetic(FloatArithmetic):
    """float64 on plain Python floats, without numpy's per-call overhead (the grader's path)."""

    def exp(self, x):
        try:
            return math.exp(x)
        except OverflowError:
            return math.inf

    def log(self, x):
        if x <= 0:
            raise DomainError("the logarithm of a number that is not positive")
        return math.log(x)

    def sigmoid(self, x):
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)

    def tanh(self, x):
        return math.tanh(x)

    def relu(self, x):
        return x if x > 0 else 0.0

    def relu_grad(self, x):
        return 1.0 if x > 0 else 0.0

    def leaky_relu(self, x, slope):
        return x if x > 0 else float(slope) * x

    def leaky_relu_grad(self, x, slope):
        return 1.0 if x > 0 else float(slope)
