"""Activation functions, each defined in one place: the function beside its derivative, the
texts people read, and what the generator and the grader need to know about it.

An :class:`Activation` holds

- its value and local derivative, written once against an arithmetic (see
  ``exgen.engine.arithmetic``): the same code gives the exact solution, the generator's float64
  screening, the grader's recomputation and the worked solution's text;
- how it is written: a label for prose, its definition and derivative (Unicode and LaTeX), its
  symbol in step formulas (``a1 = ReLU(z1)``), the step formula of its δ, its symbol inside a
  unit of the network diagram;
- what the generator screens: the range of its outputs (a loss's domain), the band outside
  which it saturates, a kink at 0, units that die;
- which of the grader's misconceptions a student can fall into with it (``slips``).

Adding an activation is adding an entry to :data:`ACTIVATIONS`: specs, families, the worked
solution, documents, the diagram, the generator and the grader read everything from here.

In ``value``, ``local`` and ``delta``, ``z``, ``a`` and ``g`` are accessors ``k -> value`` for
one sample's pre-activations, activations and dL/da, so that the step graph records exactly
which cells a computation reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import gmpy2
from gmpy2 import mpq

from exgen.engine.arithmetic import Elementary, Piecewise, numpy
from exgen.engine.intervals import REALS, Interval
from exgen.engine.numbers import ONE, ZERO

#: A leaky ReLU's slope for z < 0 when a spec or a family does not give one (design §1).
DEFAULT_NEGATIVE_SLOPE = mpq(1, 100)

#: The misconceptions (``exgen.grading.misconceptions``) open to a student with an activation
#: other than the identity: its derivative left out, z used where its output belongs.
NONLINEAR_SLIPS = frozenset({"forgotten_activation_derivative", "z_for_a"})


@dataclass(frozen=True)
class Activation:
    name: str  # as specs write it
    label: str  # how it is named in prose
    definition: str  # plain text
    derivative: str
    definition_latex: str
    derivative_latex: str
    #: In step formulas: ``a1 = ReLU(z1)``; empty for the identity (``a1 = z1``).
    symbol: str
    symbol_latex: str
    #: The step formula of dL/dz, with {dz}, {g} (dL/da), {a} and {z} for the names.
    delta_formula: str
    delta_formula_latex: str
    diagram: str  # inside a unit of the network diagram; "\n" breaks the line
    outputs: Interval = REALS  # every value it can take
    saturation: Interval | None = None  # outputs outside this band are saturated
    kink: bool = False  # its derivative jumps at z = 0
    dies: bool = False  # for z < 0 its output and derivative are 0: a unit can be dead
    takes_slope: bool = False  # has a negative slope (``negative_slope`` in specs and families)
    slips: frozenset = NONLINEAR_SLIPS
    #: Whether unit j depends on z_j alone; softmax (False) mixes a layer's units, so it only
    #: makes sense in the output layer and over two units or more.
    elementwise = True
    #: The identity has no rule to state and no derivative to forget.
    identity = False

    def value(self, A, z, j, size, slope=None):
        raise NotImplementedError

    def local(self, A, a, z, j, slope=None):
        """f'(z_j) of an elementwise activation, from a_j or z_j (whichever is taught)."""
        raise NotImplementedError

    def delta(self, A, g, a, z, j, size, slope=None):
        """dL/dz_j of one sample from dL/da (``g``) by the chain rule."""
        return g(j) * self.local(A, a, z, j, slope)


# -- identity ------------------------------------------------------------------------------------
class Identity(Activation):
    identity = True

    def value(self, A, z, j, size, slope=None):
        return z(j)

    def delta(self, A, g, a, z, j, size, slope=None):
        return g(j)  # f'(z) = 1


IDENTITY = Identity(
    "identity", "identity", "f(z) = z", "f'(z) = 1", r"f(z) = z", r"f'(z) = 1",
    symbol="", symbol_latex="",
    delta_formula="{dz} = {g}", delta_formula_latex="{dz} = {g}",
    diagram="id", slips=frozenset(),
)


# -- ReLU --------------------------------------------------------------------------------------
MAX0 = Elementary(
    "max", r"\max",
    exact=lambda x: x if x > 0 else ZERO,
    array=lambda x: numpy().maximum(x, 0.0),
    scalar=lambda x: x if x > 0 else 0.0,
    arguments="0, ",
)
RELU_DERIVATIVE = Piecewise("ReLU'", r"\operatorname{ReLU}'")


class ReLU(Activation):
    def value(self, A, z, j, size, slope=None):
        return A.apply(MAX0, z(j))

    def local(self, A, a, z, j, slope=None):
        return A.piecewise(RELU_DERIVATIVE, z(j), ONE, ZERO)


RELU = ReLU(
    "relu", "ReLU",
    "ReLU(z) = max(0, z)",
    "ReLU'(z) = 1 if z > 0, else 0",
    r"\operatorname{ReLU}(z) = \max(0, z)",
    r"\operatorname{ReLU}'(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}",
    symbol="ReLU", symbol_latex=r"\operatorname{ReLU}",
    delta_formula="{dz} = {g} ⊙ ReLU'({z})",
    delta_formula_latex=r"{dz} = {g} \odot \operatorname{{ReLU}}'({z})",
    diagram="ReLU", outputs=Interval(0, None, closed=True), kink=True, dies=True,
)


# -- leaky ReLU --------------------------------------------------------------------------------
LEAKY = Elementary(
    "LeakyReLU", r"\operatorname{LeakyReLU}",
    exact=lambda x, slope: x if x > 0 else slope * x,
    array=lambda x, slope: numpy().where(x > 0, x, float(slope) * x),
    scalar=lambda x, slope: x if x > 0 else float(slope) * x,
)
LEAKY_DERIVATIVE = Piecewise("f'", "f'")


class LeakyReLU(Activation):
    def value(self, A, z, j, size, slope=None):
        return A.apply(LEAKY, z(j), slope)

    def local(self, A, a, z, j, slope=None):
        return A.piecewise(LEAKY_DERIVATIVE, z(j), ONE, slope)


LEAKY_RELU = LeakyReLU(
    "leaky_relu", "leaky ReLU",
    "f(z) = z if z > 0, else s·z",
    "f'(z) = 1 if z > 0, else s",
    r"f(z) = \begin{cases} z & z > 0 \\ s z & z \le 0 \end{cases}",
    r"f'(z) = \begin{cases} 1 & z > 0 \\ s & z \le 0 \end{cases}",
    symbol="LeakyReLU", symbol_latex="f",
    delta_formula="{dz} = {g} ⊙ f'({z})", delta_formula_latex=r"{dz} = {g} \odot f'({z})",
    diagram="LReLU", kink=True, takes_slope=True,
)


# -- sigmoid -----------------------------------------------------------------------------------
def _sigmoid_exact(x):
    # σ(0) = 1/2 is the only rational value σ takes at a rational point.
    return mpq(1, 2) if x == 0 else 1 / (1 + gmpy2.exp(-x))


def _sigmoid_array(x):
    np = numpy()
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _sigmoid_scalar(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


SIGMA = Elementary("σ", r"\sigma", _sigmoid_exact, _sigmoid_array, _sigmoid_scalar)
#: Sigmoid and softmax outputs beyond this band are saturated: their gradients all but vanish.
PROBABILITY_BAND = Interval(0.02, 0.98)


class Sigmoid(Activation):
    def value(self, A, z, j, size, slope=None):
        return A.apply(SIGMA, z(j))

    def local(self, A, a, z, j, slope=None):
        return a(j) * A.sub(1, a(j))


SIGMOID = Sigmoid(
    "sigmoid", "sigmoid",
    "σ(z) = 1 / (1 + e^(−z))",
    "σ'(z) = σ(z)(1 − σ(z))",
    r"\sigma(z) = \frac{1}{1 + e^{-z}}",
    r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))",
    symbol="σ", symbol_latex=r"\sigma",
    delta_formula="{dz} = {g} ⊙ {a} ⊙ (1 − {a})",
    delta_formula_latex=r"{dz} = {g} \odot {a} \odot (1 - {a})",
    diagram="σ", outputs=Interval(0, 1), saturation=PROBABILITY_BAND,
)


# -- tanh --------------------------------------------------------------------------------------
TANH_FUNCTION = Elementary(
    "tanh", r"\tanh",
    exact=lambda x: ZERO if x == 0 else gmpy2.tanh(x),
    array=lambda x: numpy().tanh(x),
    scalar=math.tanh,
)


class Tanh(Activation):
    def value(self, A, z, j, size, slope=None):
        return A.apply(TANH_FUNCTION, z(j))

    def local(self, A, a, z, j, slope=None):
        return A.sub(1, A.square(a(j)))


TANH = Tanh(
    "tanh", "tanh",
    "tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))",
    "tanh'(z) = 1 − tanh²(z)",
    r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
    r"\tanh'(z) = 1 - \tanh^2(z)",
    symbol="tanh", symbol_latex=r"\tanh",
    delta_formula="{dz} = {g} ⊙ (1 − {a}²)",
    delta_formula_latex=r"{dz} = {g} \odot (1 - ({a})^{{2}})",
    diagram="tanh", outputs=Interval(-1, 1), saturation=Interval(-0.96, 0.96, closed=True),
)


# -- softmax -----------------------------------------------------------------------------------
class Softmax(Activation):
    elementwise = False

    def value(self, A, z, j, size, slope=None):
        # e^{z_j} / sum_k e^{z_k}; the exact arithmetic gives 1/K when all z are equal.
        return A.exp(z(j)) / A.sum([A.exp(z(k)) for k in range(size)])

    def delta(self, A, g, a, z, j, size, slope=None):
        # Jacobian-vector product: a_j (g_j - sum_k a_k g_k).
        return a(j) * A.sub(g(j), A.sum([a(k) * g(k) for k in range(size)]))


SOFTMAX = Softmax(
    "softmax", "softmax",
    "softmax(z)_j = e^(z_j) / Σ_k e^(z_k)",
    "∂a_j/∂z_i = a_j(δ_ij − a_i)",
    r"\operatorname{softmax}(z)_j = \frac{e^{z_j}}{\sum_k e^{z_k}}",
    r"\frac{\partial a_j}{\partial z_i} = a_j(\delta_{ij} - a_i)",
    symbol="softmax", symbol_latex=r"\operatorname{softmax}",
    delta_formula="{dz}_j = {a}_j ({g}_j − Σ_k {a}_k · {g}_k)",
    delta_formula_latex=r"{dz}_j = {a}_j \left( {g}_j - \sum_k {a}_k {g}_k \right)",
    diagram="soft-\nmax", outputs=Interval(0, 1), saturation=PROBABILITY_BAND,
)


#: Every activation a spec or a family may name, in the order messages list them.
ACTIVATIONS: dict[str, Activation] = {
    a.name: a for a in (IDENTITY, RELU, LEAKY_RELU, SIGMOID, TANH, SOFTMAX)
}
