"""The arithmetics a step graph can be evaluated in, and the primitives they share.

Every cell of the step graph is written once, against the :class:`Arithmetic` protocol: a few
primitives (``const``, ``sum``, ``sub``, ``square``, ``exp``, ``log``), the application of an
:class:`Elementary` function an activation defines (σ, tanh, max(0, ·)), a :class:`Piecewise`
choice on the sign of a value (ReLU-type derivatives), and the ``*``, ``/`` and unary ``-``
operators of the numbers themselves. Evaluating the same cells in a different arithmetic gives:

- :class:`ExactArithmetic`: the exact solution (rationals, or mpfr at a working precision);
- :class:`FloatArithmetic`: float64 over numpy arrays holding one value per candidate variant
  (the generator's vectorised screening);
- :class:`ScalarFloatArithmetic`: float64 on Python floats (the grader's recomputation from a
  student's own answers, and recording which cells a cell reads);
- ``exgen.notation.display.DisplayArithmetic``: the formula and substitution text of the
  worked solution.

No arithmetic knows an activation: a new one brings its :class:`Elementary` functions with it.
Additions go through ``sum``/``sub`` (never ``+``/``-``) because that is where cancellation
happens, and the exact arithmetic watches for it there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence, runtime_checkable

import gmpy2
from gmpy2 import mpfr, mpq

from exgen.engine.numbers import ONE, ZERO

_MPFR = type(mpfr(0))


def numpy():
    """numpy, imported on first use: only the generator's screening evaluates arrays, and
    ``exgen solve`` should not spend a tenth of a second importing it."""
    import numpy

    return numpy


@dataclass(frozen=True)
class Elementary:
    """A function of one variable that formulas write by name (``σ(1.3)``, ``max(0, z)``):
    its value in each arithmetic, and its name in formulas. ``params`` are fixed per layer
    (a leaky ReLU's slope) and never shown."""

    symbol: str  # in plain text: "σ", "tanh", "max"
    symbol_latex: str  # r"\sigma"
    exact: Callable  # (x, *params) on mpq/mpfr, inside the exact arithmetic's context
    array: Callable  # (x, *params) on float64 numpy arrays
    scalar: Callable  # (x, *params) on Python floats
    arguments: str = ""  # fixed arguments written before x: "0, " for max(0, z)


@dataclass(frozen=True)
class Piecewise:
    """A value chosen by the sign of x: ``above`` where x > 0, else ``below`` — the derivative
    of a ReLU-type function (at the kink, the value below, as PyTorch takes it). A formula
    names it (``ReLU'(z)``); a substitution shows the value chosen (1, 0, the slope)."""

    symbol: str  # in plain text: "ReLU'"
    symbol_latex: str  # r"\operatorname{ReLU}'"


@runtime_checkable
class Arithmetic(Protocol):
    """What every arithmetic provides; the numbers it returns support ``*``, ``/`` and unary
    ``-`` among themselves."""

    exact: bool  # whether values are exact (rationals/mpfr) rather than float64 or text

    def const(self, p: int, q: int = 1):
        """The rational p/q."""

    def sum(self, terms: Sequence):
        """The sum of one or more terms."""

    def sub(self, a, b):
        """a − b."""

    def square(self, x):
        """x²."""

    def exp(self, x):
        """e^x."""

    def log(self, x):
        """ln x; raises :class:`DomainError` (exact, scalar) unless x > 0."""

    def apply(self, f: Elementary, x, *params):
        """f(x)."""

    def piecewise(self, f: Piecewise, x, above, below):
        """``above`` where x > 0, else ``below`` (both exact constants)."""


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
#: A difference that loses at most this many bits is kept without a closer look (well below
#: START_PRECISION - KEPT_BITS, with room for exponents estimated to a bit).
FAST_BITS = 80
_exponent = gmpy2.get_exp


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
        # a − b cancels only where |a| ≈ |b|, so the exponent of the mpfr operand (one of them
        # is) stands for both: far fewer bits lost than we may lose is the fast path.
        ref = b if type(b) is _MPFR else a
        if total and _exponent(ref) - _exponent(total) <= FAST_BITS and total.is_finite():
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

    def apply(self, f, x, *params):
        return f.exact(x, *params)

    def piecewise(self, f, x, above, below):
        return above if x > 0 else below


class OperatorArithmetic:
    """Sums, differences and squares by the numbers' own operators: what float64 arrays and the
    printed chain's decimals share (the exact arithmetic instead watches sums for
    cancellation)."""

    def sum(self, terms):
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total

    def sub(self, a, b):
        return a - b

    def square(self, x):
        return x * x


class FloatArithmetic(OperatorArithmetic):
    """float64, elementwise over numpy arrays (one entry per candidate)."""

    exact = False

    def const(self, p, q=1):
        return p / q

    def exp(self, x):
        return numpy().exp(x)

    def log(self, x):
        np = numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    def apply(self, f, x, *params):
        return f.array(x, *params)

    def piecewise(self, f, x, above, below):
        return numpy().where(x > 0, float(above), float(below))


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

    def apply(self, f, x, *params):
        return f.scalar(x, *params)

    def piecewise(self, f, x, above, below):
        return float(above) if x > 0 else float(below)
