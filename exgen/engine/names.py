"""The names of quantities (design §2), spelled in one place.

Layers are numbered 1..L from the input. Layer l reads ``x`` (l = 1) or ``a{l-1}`` and writes
``a{l}``, except the output layer, whose activation is called ``yhat``. Gradients are
``dL/d<name>``; a parameter after the gradient-descent step is ``<name>_new``. Every module that
needs a name asks here instead of writing or taking apart the string itself.
"""

from __future__ import annotations

INPUT = "x"
TARGET = "y"
OUTPUT = "yhat"
LOSS = "loss"
LEARNING_RATE = "learning_rate"

_GRADIENT = "dL/d"
_UPDATED = "_new"


def weights(l: int) -> str:
    return f"W{l}"


def bias(l: int) -> str:
    return f"b{l}"


def pre_activation(l: int) -> str:
    return f"z{l}"


def activation(l: int) -> str:
    """``a{l}``; the output layer's is also written ``yhat`` (see :func:`layer_output`)."""
    return f"a{l}"


def layer_input(l: int) -> str:
    """What layer l reads: the input for the first layer, the previous layer's activation."""
    return INPUT if l == 1 else activation(l - 1)


def layer_output(l: int, depth: int) -> str:
    """What layer l of a ``depth``-layer network writes: ``yhat`` for the output layer."""
    return OUTPUT if l == depth else activation(l)


def gradient(name: str) -> str:
    """``dL/d<name>``."""
    return _GRADIENT + name


def gradient_of(name: str) -> str | None:
    """The quantity a gradient is of (``dL/dz2`` -> ``z2``), or None for other names."""
    return name[len(_GRADIENT):] if name.startswith(_GRADIENT) else None


def output_gradient(l: int, depth: int) -> str:
    """The gradient flowing into layer l from above: ``dL/dyhat`` or ``dL/da{l}``."""
    return gradient(layer_output(l, depth))


def updated(parameter: str) -> str:
    """``W1`` -> ``W1_new``: the parameter after one gradient-descent step."""
    return parameter + _UPDATED


def before_update(name: str) -> str | None:
    """``W1_new`` -> ``W1``: the parameter an updated parameter was; None for other names."""
    return name[: -len(_UPDATED)] if name.endswith(_UPDATED) else None
