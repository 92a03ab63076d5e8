"""Math for printed documents: formulas and numbers as HTML text, ziamath for anything else.

Two kinds of math appear on a worksheet or key:

- symbolic formulas (``σ(z) = 1/(1+e^(−z))``, ``∂L/∂W⁽¹⁾ = ∂L/∂z⁽¹⁾ a⁽⁰⁾ᵀ``): the same for
  every student of a network shape, typeset once and cached. exgen writes them in a small
  LaTeX subset that :func:`latex_html` turns into HTML text (fractions, scripts, hats, sums,
  cases); anything beyond it is drawn by ziamath as SVG. HTML rather than SVG for the common
  case because WeasyPrint re-parses every SVG glyph path on each use (profiled: ~0.5 s of a
  1.2 s answer key), and because text stays searchable and readable aloud;
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
    """A symbolic formula, typeset: as HTML text where :func:`latex_html` knows every command
    (all formulas exgen itself writes), else as a ziamath SVG (:func:`formula_svg`)."""
    try:
        return f'<span class="formula">{latex_html(latex)}</span>'
    except UnsupportedLatex:
        return formula_svg(latex, alt)


@lru_cache(maxsize=4096)
def formula_svg(latex: str, alt: str = "") -> str:
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


# -- the LaTeX exgen writes, as HTML -----------------------------------------------------------
class UnsupportedLatex(ValueError):
    """A command or construct :func:`latex_html` does not typeset (ziamath then does)."""


_SYMBOLS = {
    r"\sigma": "σ", r"\eta": "η", r"\ell": "ℓ", r"\delta": "δ", r"\theta": "θ",
    r"\partial": "∂", r"\odot": " ⊙ ", r"\top": "⊤", r"\le": " ≤ ", r"\times": " × ",
    r"\cdot": " · ", r"\quad": "\u2003", r"\,": "\u2009", r"\;": " ", r"\ ": " ",
}
_FUNCTIONS = {r"\tanh": "tanh", r"\ln": "ln", r"\max": "max", r"\exp": "exp"}
_BINARY = {"=": " = ", "+": " + ", "-": " − ", "<": " < ", ">": " > ", ",": ", "}
_HATS = {"y": "ŷ", "a": "â", "e": "ê", "o": "ô", "u": "û", "i": "î"}


def _tokens(latex: str):
    i, n = 0, len(latex)
    while i < n:
        c = latex[i]
        if c == "\\":
            j = i + 1
            if j < n and latex[j].isalpha():
                while j < n and latex[j].isalpha():
                    j += 1
            else:
                j += 1
            yield latex[i:j]
            i = j
        elif c.isspace():
            i += 1
        else:
            yield c
            i += 1


class _Parser:
    """Recursive descent over the token list: groups, scripts, fractions, \\left( \\right),
    cases. Each ``atom`` returns (html, kind) where kind tells how a following minus reads."""

    def __init__(self, latex: str):
        self.tokens = list(_tokens(latex))
        self.pos = 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self):
        token = self.peek()
        if token is None:
            raise UnsupportedLatex("unexpected end")
        self.pos += 1
        return token

    def group(self) -> str:
        """A ``{...}`` argument, or a single token."""
        if self.peek() == "{":
            self.take()
            out = self.sequence(stop="}")
            self.take()
            return out
        return self.sequence(single=True)

    def text_group(self) -> str:
        if self.take() != "{":
            raise UnsupportedLatex("expected {")
        chars = []
        while self.peek() != "}":
            chars.append(self.take())
        self.take()
        return escape("".join(chars))

    def sequence(self, stop=None, single=False) -> str:
        out: list[str] = []
        operand = False  # whether the last thing was an operand (so "-" is binary)
        while (token := self.peek()) is not None and token != stop:
            if token in ("&", r"\\", "}") or token == r"\right" or token == r"\end":
                break
            html, operand = self.atom(operand)
            html = self.scripts(html)
            out.append(html)
            if single:
                break
        return "".join(out)

    def scripts(self, base: str) -> str:
        sup = sub = ""
        while self.peek() in ("^", "_"):
            if self.take() == "^":
                sup = self.group()
            else:
                sub = self.group()
        if not sup and not sub:
            return base
        if sub and base.endswith("Σ</span>"):  # a sum's index sits under it, as in display math
            return f'<span class="sum">{base}<span class="under">{sub}</span></span>' + (
                f"<sup>{sup}</sup>" if sup else "")
        return base + _scripts(sup, sub)

    def atom(self, operand: bool) -> tuple[str, bool]:
        token = self.take()
        if token == "{":
            inner = self.sequence(stop="}")
            self.take()
            return inner, True
        if token in _BINARY:
            if token == "-" and not operand:
                return "−", False
            return _BINARY[token], False
        if token in ("(", "["):
            return token, False
        if token in (")", "]", "'"):
            return ("′" if token == "'" else token), True
        if token == r"\frac":
            return fraction(self.group(), self.group()), True
        if token == r"\hat":
            inner = self.group()
            letter = inner.removeprefix('<i class="v">').removesuffix("</i>")
            if letter not in _HATS:
                raise UnsupportedLatex(f"\\hat{{{inner}}}")
            return f'<i class="v">{_HATS[letter]}</i>', True
        if token in (r"\operatorname", r"\mathrm"):
            return self.text_group(), True
        if token == r"\sum":
            return '<span class="op">Σ</span>', False
        if token == r"\left":
            opening = self.take()
            inner = self.sequence(stop=r"\right")
            if self.take() != r"\right":
                raise UnsupportedLatex("unbalanced \\left")
            closing = self.take()
            if 'class="frac"' in inner:
                return (f'<span class="big">{escape(opening)}</span>{inner}'
                        f'<span class="big">{escape(closing)}</span>'), True
            return f"{escape(opening)}{inner}{escape(closing)}", True
        if token == r"\begin":
            if self.text_group() != "cases":
                raise UnsupportedLatex("only the cases environment")
            return self.cases(), True
        if token in _SYMBOLS:
            symbol = _SYMBOLS[token]
            return symbol, not symbol.startswith(" ")
        if token in _FUNCTIONS:  # "ln ŷ" needs a space, "ln(1 − ŷ)" does not
            following = self.peek()
            space = "" if following in ("(", r"\left", "^", "_", None) else "\u2009"
            before = "\u2009" if operand else ""  # "y ln ŷ", as TeX spaces an operator name
            return before + _FUNCTIONS[token] + space, True
        if token.startswith("\\"):
            raise UnsupportedLatex(token)
        if token.isalpha():
            return f'<i class="v">{escape(token)}</i>', True
        if token.isdigit() or token == ".":
            return token, True
        raise UnsupportedLatex(token)

    def cases(self) -> str:
        rows, row = [], [""]
        while True:
            row[-1] += self.sequence()
            token = self.take()
            if token == "&":
                row.append("")
            elif token == r"\\":
                rows.append(row)
                row = [""]
            elif token == r"\end":
                self.text_group()
                rows.append(row)
                break
            else:
                raise UnsupportedLatex(token)
        body = "".join(
            "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>" for cells in rows)
        return f'<span class="brace">{{</span><table class="cases"><tbody>{body}</tbody></table>'


@lru_cache(maxsize=4096)
def latex_html(latex: str) -> str:
    """The LaTeX subset exgen's formulas use, as HTML text (raises :class:`UnsupportedLatex`)."""
    parser = _Parser(latex)
    html = parser.sequence()
    if parser.peek() is not None:
        raise UnsupportedLatex(f"unexpected {parser.peek()}")
    return html


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
    return text.replace("-", "−")


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
    # The brackets are two narrow cells spanning every row, with three borders each: cheaper
    # to lay out than positioned ::before/::after brackets (profiled: ~0.1 s per worksheet).
    span = len(rows)
    body = []
    for r, row in enumerate(rows):
        cells = "".join(f"<td>{html_number(v)}</td>" for v in row)
        if r == 0:
            cells = f'<td class="lb" rowspan="{span}"></td>{cells}<td class="rb" rowspan="{span}"></td>'
        body.append(f"<tr>{cells}</tr>")
    return f'<table class="matrix"><tbody>{"".join(body)}</tbody></table>'
