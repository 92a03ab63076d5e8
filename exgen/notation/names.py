"""How quantities are written: contract names (``dL/dW1``), pretty text (``∂L/∂W1``) and LaTeX.

The contract names (design §2) are what JSON, answer sheets and the grader use; the pretty
forms are only for people reading a worked solution or a worksheet.
"""

from __future__ import annotations

from exgen.engine import names

_TEXT_HEADS = {"yhat": "ŷ", "learning_rate": "η", "loss": "L"}
_TEX_HEADS = {"yhat": r"\hat{y}", "learning_rate": r"\eta", "loss": "L"}


def text_name(name: str) -> str:
    """``dL/dyhat`` -> ``∂L/∂ŷ``; ``learning_rate`` -> ``η``; others unchanged."""
    of = names.gradient_of(name)
    if of is not None:
        return "∂L/∂" + text_name(of)
    return _TEXT_HEADS.get(name, name)


def text_item(name: str, index: tuple[int, ...] = ()) -> str:
    """A pretty cell name with a 1-based index: ``∂L/∂W1[1,2]``."""
    if not index:
        return text_name(name)
    return f"{text_name(name)}[{','.join(str(i + 1) for i in index)}]"


class NameParts:
    """A quantity name taken apart once, for every notation that writes it.

    ``dL/dW1_new`` is not a name; ``dL/dz2`` is a gradient of ``z2``; ``W1_new`` has head ``W``,
    layer ``1`` and ``new``; ``yhat``, ``learning_rate`` and ``loss`` are special heads.
    """

    __slots__ = ("gradient_of", "head", "layer", "new")

    def __init__(self, name: str):
        self.gradient_of = names.gradient_of(name)
        before = names.before_update(name)
        self.new = before is not None
        base = before or name
        if base in _TEX_HEADS:
            self.head, self.layer = base, ""
        else:
            self.head = base.rstrip("0123456789")
            self.layer = base[len(self.head):]


def index_separator(numbers: list[str]) -> str:
    """Indices are written together (W₁₂: row 1, column 2) unless one has two digits."""
    return "," if any(len(n) > 1 for n in numbers) or len(numbers) > 2 else ""


def tex_name(name: str, index: tuple[int, ...] = ()) -> str:
    """LaTeX for a quantity, or for one entry when a 0-based ``index`` is given.

    ``W1`` -> ``W^{(1)}``; ``W1_new`` with (0, 1) -> ``W^{(1),\\mathrm{new}}_{12}``;
    ``dL/dz2`` with (0,) -> ``\\frac{\\partial L}{\\partial z^{(2)}_{1}}``.
    """
    parts = NameParts(name)
    if parts.gradient_of is not None:
        return rf"\frac{{\partial L}}{{\partial {tex_name(parts.gradient_of, index)}}}"
    head = _TEX_HEADS.get(parts.head, parts.head)
    sup = ",".join(p for p in (f"({parts.layer})" if parts.layer else "", r"\mathrm{new}" if parts.new else "") if p)
    out = head + (f"^{{{sup}}}" if sup else "")
    if index:
        numbers = [str(i + 1) for i in index]
        out += f"_{{{index_separator(numbers).join(numbers)}}}"
    return out
