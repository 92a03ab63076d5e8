"""Math for printed documents: symbolic formulas as SVG (ziamath), numbers as HTML text.

Two kinds of math appear on a worksheet or key:

- symbolic formulas (``σ(z) = 1/(1+e^(−z))``, ``∂L/∂W⁽¹⁾ = ∂L/∂z⁽¹⁾ a⁽⁰⁾ᵀ``): the same for
  every student of a network shape, so they are typeset once by ziamath and cached;
- everything holding a number (given values, substitutions, results): typeset as HTML text by
  :class:`HtmlNotation`, so each number is real text in the PDF (searchable, copyable,
  readable aloud) and nothing number-dependent is ever drawn as paths.

Every string returned here is markup built by exgen from names and numbers it owns; it is
wrapped in :class:`markupsafe.Markup` only at the template boundary (see ``documents``).
"""

from __future__ import annotations

import base64
import os
from functools import lru_cache
from html import escape

from exgen.display import LatexNotation, Notation

#: DejaVu Math TeX Gyre matches the documents' DejaVu Serif text (Debian fonts-dejavu-extra);
#: ziamath's bundled STIX Two Math is the fallback on machines without it.
MATH_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuMathTeXGyre.ttf",)
#: ziamath's size in px; the image is scaled in em, so it follows the surrounding font size.
SIZE = 20.0


def math_font() -> str | None:
    return next((path for path in MATH_FONTS if os.path.exists(path)), None)


@lru_cache(maxsize=4096)
def formula_html(latex: str, alt: str = "") -> str:
    """A LaTeX formula as an inline ``<img>`` (SVG data: URL), sitting on the text baseline.

    ziamath draws the formula with its baseline at y = 0 of the SVG's viewBox, so the part
    below (the depth) becomes a negative vertical-align. Cached: formulas repeat across students,
    and the same data: URL lets WeasyPrint's image cache reuse the parsed SVG across documents.
    """
    import ziamath

    math = ziamath.Latex(latex, size=SIZE, font=math_font(), margin=0)
    svg = math.svg()
    # viewBox="min-x min-y width height": min-y is minus the height above the baseline
    view = svg.split('viewBox="', 1)[1].split('"', 1)[0].split()
    min_y, width, height = float(view[1]), float(view[2]), float(view[3])
    depth = height + min_y
    data = base64.b64encode(svg.encode()).decode()
    return (
        f'<img class="math" alt="{escape(alt or latex)}" '
        f'src="data:image/svg+xml;base64,{data}" '
        f'style="width:{width / SIZE:.3f}em;height:{height / SIZE:.3f}em;'
        f'vertical-align:{-depth / SIZE:.3f}em">'
    )


# -- names and numbers as HTML -----------------------------------------------------------------
_HEADS = {"yhat": "ŷ", "learning_rate": "η", "loss": "L"}
_UPRIGHT = {"learning_rate", "loss"}


def _scripts(sup: str, sub: str) -> str:
    """Superscript and subscript stacked over each other (W⁽¹⁾₁₂, not W⁽¹⁾ followed by ₁₂)."""
    if sup and sub:
        return (f'<span class="ss"><span class="sup">{sup}</span>'
                f'<span class="sub">{sub}</span></span>')
    if sup:
        return f"<sup>{sup}</sup>"
    if sub:
        return f"<sub>{sub}</sub>"
    return ""


@lru_cache(maxsize=8192)
def html_name(name: str, index: tuple[int, ...] = ()) -> str:
    """HTML for a quantity (or one 0-based entry of it), written as in ``names.tex_name``."""
    if name.startswith("dL/d"):
        return fraction("∂<i>L</i>", "∂" + html_name(name[4:], index))
    new = name.endswith("_new")
    base = name[:-4] if new else name
    if base in _HEADS:
        head, layer = _HEADS[base], ""
    else:
        head = base.rstrip("0123456789")
        layer = base[len(head):]
    sup = ",".join(part for part in (f"({layer})" if layer else "", "new" if new else "") if part)
    numbers = [str(i + 1) for i in index]
    sep = "," if any(len(n) > 1 for n in numbers) or len(numbers) > 2 else ""
    return f'<i class="v">{head}</i>' + _scripts(sup, sep.join(numbers))


def fraction(numerator: str, denominator: str) -> str:
    return (f'<span class="frac"><span class="num">{numerator}</span>'
            f'<span class="den">{denominator}</span></span>')


def html_number(text: str) -> str:
    """A number as HTML: Unicode minus, ``1.5E-9`` as 1.5 × 10⁻⁹ (superscript as text)."""
    if "E" in text:
        mantissa, _, exponent = text.partition("E")
        return f"{html_number(mantissa)} × 10<sup>{int(exponent)}</sup>".replace("-", "−")
    return f'<span class="n">{text.replace("-", "−")}</span>'


class HtmlNotation(LatexNotation):
    """The worked solution in HTML: what ``LatexNotation`` typesets, as text and spans.

    It derives from :class:`LatexNotation` for one behaviour only: the display arithmetic then
    writes a division as a stacked fraction of its operands (``fraction``) instead of ``a / b``.
    """

    times, plus, minus_op, minus = " × ", " + ", " − ", "−"

    def number(self, text: str) -> str:
        return html_number(text)

    def symbol(self, name: str, index: tuple) -> str:
        return html_name(name, tuple(index))

    def const(self, p, q) -> str:
        return str(p) if q == 1 else fraction(str(p), str(q))

    def div(self, a: str, b: str) -> str:
        return fraction(a, b)

    def paren(self, a: str) -> str:
        if 'class="frac"' in a:  # brackets as tall as the fraction inside
            return f'<span class="big">(</span>{a}<span class="big">)</span>'
        return f"({a})"

    def square(self, a: str) -> str:
        return f"{a}<sup>2</sup>"

    def exp(self, a: str) -> str:
        return f'<i class="v">e</i><sup>{a}</sup>'

    def func(self, name: str, a: str) -> str:
        return f"{name}({a})"

    def relu_grad(self, a: str) -> str:
        return f"ReLU′({a})"

    def leaky_grad(self, a: str) -> str:
        return f'<i class="v">f</i>′({a})'


HTML = HtmlNotation()
assert isinstance(HTML, Notation)


def vector_html(values: list) -> str:
    """A vector or matrix (nested lists of number texts) in square brackets.

    A vector is written as a column, as the step graph's matrix products read it (W · x).
    """
    if values and isinstance(values[0], list):
        rows = values
    else:
        rows = [[v] for v in values]
    body = "".join(
        "<tr>" + "".join(f"<td>{html_number(v)}</td>" for v in row) + "</tr>" for row in rows
    )
    return f'<table class="matrix"><tbody>{body}</tbody></table>'
