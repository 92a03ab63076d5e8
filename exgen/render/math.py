"""Math for printed documents, as text: Unicode where it reads well, a few elements where not.

Two kinds of math appear on a worksheet or key:

- display formulas (a step's rule ``∂L/∂W⁽¹⁾ = ∂L/∂z⁽¹⁾ xᵀ``, ``σ(z) = 1/(1+e^(−z))``): the
  same for every student of a network shape, written by exgen in a small LaTeX subset that
  :func:`latex_html` typesets with stacked fractions; anything beyond the subset is drawn by
  ziamath as SVG (:func:`formula_svg`);
- inline math (names such as ``𝑊₁₂⁽¹⁾``, every entry's substitution and result): plain text,
  built by :func:`name_text` and :class:`InlineNotation`.

Why Unicode rather than ``<i>``/``<sub>``/``<sup>`` elements: in WeasyPrint every inline
element splits a line into separately shaped and drawn text runs, and every stacked fraction
is an inline-block laid out twice (measured: a line costs ~0.2 ms as text, ~0.2 ms more per
inline element, ~1 ms more per stacked fraction). So variables are the Mathematical Italic
letters (U+1D434…, 𝑥 𝑊 𝐿), hats the combining circumflex (𝑦̂), indices and layer numbers the
Unicode sub/superscript digits (₁₂, ⁽¹⁾) — all in DejaVu Serif, all real text that
pdftotext and screen readers read. Elements remain only where text cannot do it: stacked
fractions in display formulas, a superscript with letters in it (e^−z), matrices.

Every string returned here is markup built by exgen from names and numbers it owns; it is
wrapped in :class:`markupsafe.Markup` only at the template boundary (see ``documents``).
"""

from __future__ import annotations

import base64
import os
from functools import lru_cache
from html import escape

from exgen.notation.display import Notation
from exgen.notation.names import NameParts, index_separator

#: DejaVu Math TeX Gyre matches the documents' DejaVu Serif text (Debian fonts-dejavu-extra);
#: ziamath's bundled STIX Two Math is the fallback on machines without it.
MATH_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuMathTeXGyre.ttf",)
#: ziamath's size in px; the image is scaled in em, so it follows the surrounding font size.
SIZE = 20.0


def math_font() -> str | None:
    return next((path for path in MATH_FONTS if os.path.exists(path)), None)


# -- characters --------------------------------------------------------------------------------
def _italic(c: str) -> str:
    if "a" <= c <= "z":
        return "\u210e" if c == "h" else chr(0x1D44E + ord(c) - ord("a"))
    if "A" <= c <= "Z":
        return chr(0x1D434 + ord(c) - ord("A"))
    return c


#: Mathematical Italic letters (𝑊 𝑥 𝐿); ℎ has its own code point (U+1D455 is unassigned).
ITALIC = {c: _italic(c) for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_UPRIGHT = {v: k for k, v in ITALIC.items()}
HAT = "\u0302"  # combining circumflex: 𝑦̂
MINUS = "−"

#: What can be written as a Unicode sub/superscript (DejaVu Serif has every one of these).
_SUB = dict(zip("0123456789+−=()aehijklmnoprstuvx",
                "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_SUP = dict(zip("0123456789+−=()⊤", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵀ"))
#: "new" of an updated parameter (W⁽¹⁾ⁿᵉʷ); there is no superscript comma to put before it.
_SUP_WORDS = {",new": "ⁿᵉʷ", "new": "ⁿᵉʷ"}
#: 1/2 -> ½ and so on: a fraction of two small integers reads well as one character.
VULGAR = {(1, 2): "½", (1, 3): "⅓", (2, 3): "⅔", (1, 4): "¼", (3, 4): "¾", (1, 5): "⅕",
          (1, 6): "⅙", (1, 7): "⅐", (1, 8): "⅛", (1, 9): "⅑", (1, 10): "⅒"}


def unicode_script(text: str, sup: bool) -> str | None:
    """``text`` (plain, letters possibly italic) as Unicode sub/superscript, or None."""
    plain = "".join(_UPRIGHT.get(c, c) for c in text if not c.isspace())
    table = _SUP if sup else _SUB
    if sup:
        for word, script in _SUP_WORDS.items():
            if plain.endswith(word):
                head = unicode_script(plain[: -len(word)], True) if plain[: -len(word)] else ""
                return None if head is None else head + script
    if not plain or any(c not in table for c in plain):
        return None
    return "".join(table[c] for c in plain)


def scripts(base: str, sup: str = "", sub: str = "") -> str:
    """``base`` with a subscript then a superscript (𝑊₁₂⁽¹⁾): Unicode when both can be,
    else ``<sub>``/``<sup>`` for the one that cannot."""
    out = base
    if sub:
        u = unicode_script(sub, False) if "<" not in sub else None
        out += u if u is not None else f"<sub>{sub}</sub>"
    if sup:
        u = unicode_script(sup, True) if "<" not in sup else None
        out += u if u is not None else f"<sup>{sup}</sup>"
    return out


# -- names and numbers ------------------------------------------------------------------------
_HEADS = {"yhat": ITALIC["y"] + HAT, "learning_rate": "η", "loss": ITALIC["L"]}


@lru_cache(maxsize=8192)
def name_text(name: str, index: tuple[int, ...] = ()) -> str:
    """A quantity, or one 0-based entry of it, as text: ``dL/dW1`` (0, 1) -> ``∂𝐿/∂𝑊₁₂⁽¹⁾``."""
    parts = NameParts(name)
    if parts.gradient_of is not None:
        return f"∂{ITALIC['L']}/∂" + name_text(parts.gradient_of, index)
    if parts.head in _HEADS:
        head = _HEADS[parts.head]
    else:
        head = "".join(ITALIC.get(c, c) for c in parts.head)
    sup = (f"({parts.layer})" if parts.layer else "") + (",new" if parts.new else "")
    numbers = ["".join(_SUB[c] for c in str(i + 1)) for i in index]
    sub = index_separator(numbers).join(numbers)
    return head + sub + (unicode_script(sup, True) if sup else "")


def number_text(text: str) -> str:
    """A number: Unicode minus, ``1.5E-9`` as 1.5 × 10⁻⁹ (the exponent as Unicode digits)."""
    if "E" in text:
        mantissa, _, exponent = text.partition("E")
        power = unicode_script(str(int(exponent)).replace("-", MINUS), True)
        return f"{number_text(mantissa)} × 10{power}"
    return text.replace("-", MINUS)


class InlineNotation(Notation):
    """An entry's formula and substitution as inline text (``𝑧₁⁽¹⁾ = 0.4 × (−1) + 0.1``).

    Divisions are written ``a / b`` with brackets where needed, as the plain notation does:
    stacked fractions belong to the step's display formula above the entries.
    """

    times, plus, minus_op, minus = " × ", " + ", " − ", MINUS

    def number(self, text: str) -> str:
        return number_text(text)

    def symbol(self, name: str, index: tuple) -> str:
        return name_text(name, tuple(index))

    def const(self, p, q) -> str:
        if q == 1:
            return str(p)
        return VULGAR.get((int(p), int(q))) or f"({p}/{q})"

    def square(self, a: str) -> str:
        return f"{a}²"

    def exp(self, a: str) -> str:
        return f"{ITALIC['e']}<sup>{a}</sup>"

    def function(self, symbol: str) -> str:
        """A one-letter name in italic (𝑓), primes as primes: ``f'`` -> ``𝑓′``, ``ReLU'`` ->
        ``ReLU′``."""
        name = symbol.rstrip("'")
        primes = "′" * (len(symbol) - len(name))
        return (ITALIC.get(name, name) if len(name) == 1 else name) + primes


INLINE = InlineNotation()


def vector_html(values: list) -> str:
    """A vector or matrix (nested lists of number texts) in square brackets.

    A vector is a column, as the step graph's matrix products read it (W x), and is written as
    a transposed row on one line of text (``[1.5  −3]ᵀ``); a matrix of one row is text too
    (``[−0.9  −0.2]``), its numbers apart by a figure space (which never breaks a line). A
    matrix of several rows is a table whose brackets are two narrow cells spanning every row,
    with three borders each (cheaper to lay out than positioned brackets).
    """
    if isinstance(values, str):  # a scalar
        return number_text(values)
    if not (values and isinstance(values[0], list)):
        row = "[" + "\u2007".join(number_text(v) for v in values) + "]"
        return row + "ᵀ" if len(values) > 1 else row
    if len(values) == 1:
        return "[" + "\u2007".join(number_text(v) for v in values[0]) + "]"
    span = len(values)
    body = []
    for r, row in enumerate(values):
        cells = "".join(f"<td>{number_text(v)}</td>" for v in row)
        if r == 0:
            cells = f'<td class="lb" rowspan="{span}"></td>{cells}<td class="rb" rowspan="{span}"></td>'
        body.append(f"<tr>{cells}</tr>")
    return f'<table class="matrix">{"".join(body)}</table>'


# -- display formulas --------------------------------------------------------------------------
def fraction(numerator: str, denominator: str) -> str:
    """A stacked fraction: an inline-block of two lines, the lower one with a rule on top."""
    return f'<span class="frac"><span class="num">{numerator}</span><span class="den">{denominator}</span></span>'


@lru_cache(maxsize=4096)
def formula_html(latex: str, alt: str = "") -> str:
    """A display formula, typeset: as HTML text where :func:`latex_html` knows every command
    (all formulas exgen itself writes), else as a ziamath SVG (:func:`formula_svg`)."""
    try:
        return latex_html(latex)
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


class UnsupportedLatex(ValueError):
    """A command or construct :func:`latex_html` does not typeset (ziamath then does)."""


_SYMBOLS = {
    r"\sigma": "σ", r"\eta": "η", r"\ell": "ℓ", r"\delta": "δ", r"\theta": "θ",
    r"\partial": "∂", r"\odot": "\u00a0⊙\u00a0", r"\top": "⊤", r"\le": "\u00a0≤\u00a0",
    r"\times": "\u00a0×\u00a0", r"\cdot": "\u00a0·\u00a0", r"\quad": "\u2003", r"\,": "\u202f",
    r"\;": "\u00a0", r"\ ": "\u00a0",
}
_FUNCTIONS = {r"\tanh": "tanh", r"\ln": "ln", r"\max": "max", r"\exp": "exp"}
#: Display formulas never break inside: their spaces are no-break spaces (U+00A0, U+202F).
_BINARY = {"=": "\u00a0=\u00a0", "+": "\u00a0+\u00a0", "-": "\u00a0−\u00a0", "<": "\u00a0<\u00a0",
           ">": "\u00a0>\u00a0", ",": ",\u00a0"}


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
    cases. Each ``atom`` returns (html, operand) where operand tells how a following minus reads."""

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
            before = operand
            html, operand = self.atom(operand)
            if html == "Σ":  # thin spaces around a sum, as TeX spaces a large operator
                html = ("\u202f" if before else "") + self.scripts(html) + "\u202f"
                operand = False
            else:
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
        return scripts(base, sup.strip(), sub.strip())

    def atom(self, operand: bool) -> tuple[str, bool]:
        token = self.take()
        if token == "{":
            inner = self.sequence(stop="}")
            self.take()
            return inner, True
        if token in _BINARY:
            if token == "-" and not operand:
                return MINUS, False
            return _BINARY[token], False
        if token in ("(", "["):
            return token, False
        if token in (")", "]", "'"):
            return ("′" if token == "'" else token), True
        if token == r"\frac":
            numerator, denominator = self.group(), self.group()
            if numerator.isdigit() and denominator.isdigit() and (int(numerator), int(denominator)) in VULGAR:
                return VULGAR[int(numerator), int(denominator)], True
            return fraction(numerator, denominator), True
        if token == r"\hat":
            inner = self.group()
            if len(inner) != 1 or _UPRIGHT.get(inner) is None:
                raise UnsupportedLatex(f"\\hat{{{inner}}}")
            return inner + HAT, True
        if token in (r"\operatorname", r"\mathrm"):
            return self.text_group(), True
        if token == r"\sum":
            return "Σ", False
        if token == r"\left":
            opening = self.take()
            inner = self.sequence(stop=r"\right")
            if self.take() != r"\right":
                raise UnsupportedLatex("unbalanced \\left")
            closing = self.take()
            if 'class="frac"' in inner:  # brackets as tall as the fraction inside
                return (f'<span class="big">{escape(opening)}</span>{inner}'
                        f'<span class="big">{escape(closing)}</span>'), True
            return f"{escape(opening)}{inner}{escape(closing)}", True
        if token == r"\begin":
            if self.text_group() != "cases":
                raise UnsupportedLatex("only the cases environment")
            return self.cases(), True
        if token in _SYMBOLS:
            symbol = _SYMBOLS[token]
            return symbol, not symbol.startswith("\u00a0")
        if token in _FUNCTIONS:  # "ln 𝑦̂" needs a space, "ln(1 − 𝑦̂)" does not
            following = self.peek()
            space = "" if following in ("(", r"\left", "^", "_", "'", None) else "\u202f"
            before = "\u202f" if operand else ""  # "y ln ŷ", as TeX spaces an operator name
            return before + _FUNCTIONS[token] + space, True
        if token.startswith("\\"):
            raise UnsupportedLatex(token)
        if token.isalpha():
            return ITALIC.get(token, escape(token)), True
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
        body = "".join("<tr>" + "".join(f'<td class="case">{cell}</td>' for cell in cells) + "</tr>"
                       for cells in rows)
        return f'<span class="brace">{{</span><table class="cases">{body}</table>'


@lru_cache(maxsize=4096)
def latex_html(latex: str) -> str:
    """The LaTeX subset exgen's formulas use, as HTML (raises :class:`UnsupportedLatex`)."""
    parser = _Parser(latex)
    html = parser.sequence()
    if parser.peek() is not None:
        raise UnsupportedLatex(f"unexpected {parser.peek()}")
    return html
