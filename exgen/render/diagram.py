"""The network as a picture: one self-contained SVG, every label real (escaped) ``<text>``.

Used by worksheets and keys (inline in the HTML) and by the LMS exporters (inside a question),
so it depends on nothing but the spec: no external fonts, stylesheets or images.

Layout: one column per layer (inputs first), units top to bottom; each edge carries its weight
near its source end, where edges leaving one unit fan out and their labels do not collide;
each unit shows its activation inside the circle and its bias below it.
"""

from __future__ import annotations

import base64
from html import escape

from exgen.engine import names
from exgen.engine.activations import ACTIVATIONS
from exgen.engine.numbers import exact_string

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
COLUMN = 170  # horizontal distance between layers
ROW = 78  # vertical distance between units of the largest layer
RADIUS = 19
#: Where on an edge (from its source) its weight label sits: edges into the same unit share a
#: position, edges into different units get different ones, so labels neither stack up near a
#: source nor near a target.
LABEL_FIRST, LABEL_LAST = 0.22, 0.68
SIZE = 11  # font size of labels, px

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUPERSCRIPTS = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def _number(value) -> str:
    return exact_string(value).replace("-", "−")


def _sub(n: int) -> str:
    return str(n).translate(_SUBSCRIPTS)


def _text(x, y, text, *, size=SIZE, anchor="middle", weight=None, style=None, cls=None,
          background=False) -> str:
    """One label; with ``background`` a white box behind it keeps it legible over edges."""
    attrs = f'x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    if style:
        attrs += f' font-style="{style}"'
    if cls:
        attrs += f' class="{cls}"'
    out = ""
    if background:
        width = 0.62 * size * len(text) + 4
        left = {"middle": x - width / 2, "start": x - 2, "end": x - width + 2}[anchor]
        out += (f'<rect x="{left:.1f}" y="{y - 0.8 * size:.1f}" width="{width:.1f}" '
                f'height="{1.1 * size:.1f}" fill="#ffffff" fill-opacity="0.9"/>')
    return out + f"<text {attrs}>{escape(text)}</text>"


def network_svg(spec, *, values=None, font: str = FONT) -> str:
    """The network of ``spec`` (an :class:`exgen.engine.spec.Spec`) as an ``<svg>`` string.

    ``values``: optionally a store of cell keys to values (e.g. ``Solution.values``); then each
    unit also shows its activation for the first sample (for answer keys, never worksheets).
    ``font``: the labels' font-family list (the default has fallbacks for other viewers).
    """
    arch = spec.architecture
    sizes = [arch.input_size] + [layer.size for layer in arch.layers]
    tallest = max(sizes)
    row = ROW if tallest <= 4 else max(48, ROW * 4 / tallest)
    margin_x, margin_top = 70, 52
    height = margin_top + (tallest - 1) * row + 62
    # room on the right for "ŷ = 0.8249" and "target y = 1"
    width = round(2 * margin_x + COLUMN * (len(sizes) - 1) + 0.62 * SIZE * 14)

    def position(layer: int, unit: int) -> tuple[float, float]:
        offset = (tallest - sizes[layer]) * row / 2
        return margin_x + layer * COLUMN, margin_top + offset + unit * row

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="network" role="img" '
        f'width="{width}" height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" '
        f'font-family="{escape(font)}">',
        f"<title>{escape(_title(arch))}</title>",
    ]
    # Layer captions.
    for l in range(len(sizes)):
        x, _ = position(l, 0)
        caption = "input" if l == 0 else ("output layer" if l == len(sizes) - 1 else f"layer {l}")
        parts.append(_text(x, 14, caption, size=10, style="italic", cls="caption"))

    # Edges first, so units and labels are drawn over them.
    edges, labels = [], []
    for l in range(1, len(sizes)):
        W = spec.weights[l - 1]
        for j in range(sizes[l]):
            x2, y2 = position(l, j)
            for i in range(sizes[l - 1]):
                x1, y1 = position(l - 1, i)
                edges.append(f'<line x1="{x1 + RADIUS:.1f}" y1="{y1:.1f}" x2="{x2 - RADIUS:.1f}" '
                             f'y2="{y2:.1f}" stroke="#555555" stroke-width="1"/>')
                at = LABEL_FIRST + (LABEL_LAST - LABEL_FIRST) * (j / (sizes[l] - 1) if sizes[l] > 1 else 0.2)
                lx = x1 + RADIUS + at * (x2 - x1 - 2 * RADIUS)
                ly = y1 + at * (y2 - y1) + SIZE * 0.35
                labels.append(_text(lx, ly, _number(W[j][i]), background=True, cls="weight"))
    parts += edges + labels

    batched = arch.batch_size is not None
    for i in range(sizes[0]):
        x, y = position(0, i)
        parts.append(f'<circle cx="{x}" cy="{y:.1f}" r="{RADIUS}" fill="#f2f2f2" stroke="#333333"/>')
        parts.append(_text(x, y + 4, f"x{_sub(i + 1)}", size=12, style="italic"))
        if not batched:
            parts.append(_text(x - RADIUS - 6, y + 4, _number(spec.inputs[0][i]), anchor="end",
                               cls="input"))
    for l in range(1, len(sizes)):
        layer = arch.layers[l - 1]
        last = l == len(sizes) - 1
        symbol = ACTIVATIONS[layer.activation].diagram
        for j in range(sizes[l]):
            x, y = position(l, j)
            parts.append(f'<circle cx="{x}" cy="{y:.1f}" r="{RADIUS}" fill="#ffffff" '
                         f'stroke="#222222" stroke-width="1.4"/>')
            lines = symbol.split("\n")
            for n, line in enumerate(lines):
                parts.append(_text(x, y + 4 + (n - (len(lines) - 1) / 2) * 10,
                                   line, size=10 if len(line) > 2 else 12, cls="activation"))
            parts.append(_text(x, y + RADIUS + 13, f"b = {_number(spec.biases[l - 1][j])}",
                               size=10, cls="bias"))
            name = ("ŷ" if last else f"a{f'({l})'.translate(_SUPERSCRIPTS)}") + (
                _sub(j + 1) if sizes[l] > 1 or not last else "")
            shown = name
            if values is not None:
                key = (names.layer_output(l, arch.depth), 0, j)
                if key in values:
                    from exgen.notation.display import rounded

                    shown = f"{name} = {rounded(values[key]).text.replace('-', '−')}"
            if last:
                parts.append(_text(x + RADIUS + 6, y + (0 if batched else -2), shown,
                                   anchor="start", cls="output"))
                if not batched:
                    target = f"target y{_sub(j + 1) if sizes[l] > 1 else ''} = " \
                             f"{_number(spec.targets[0][j])}"
                    parts.append(_text(x + RADIUS + 6, y + 11, target, size=10, anchor="start",
                                       cls="target"))
            else:
                parts.append(_text(x, y - RADIUS - 5, shown, size=10, style="italic", cls="unit"))
    parts.append("</svg>")
    return "".join(parts)


def _title(arch) -> str:
    sizes = "-".join(str(n) for n in [arch.input_size] + [layer.size for layer in arch.layers])
    acts = ", ".join(layer.activation for layer in arch.layers)
    return f"A {sizes} network ({acts})"


def network_img(spec, *, values=None) -> str:
    """The diagram as an ``<img>`` with the SVG in a data: URL, for the printed documents.

    Its labels stay real text in the PDF (WeasyPrint draws SVG text as text). As an image the
    SVG is parsed by a C XML parser and not styled by the document's cascade: inline, its ~70
    elements cost ~4 ms of HTML parsing and styling per diagram.
    """
    # one family: WeasyPrint resolves the list again for every letter it draws
    svg = network_svg(spec, values=values, font="DejaVu Sans")
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<img class="network" alt="{escape(_title(spec.architecture))}" '
            f'src="data:image/svg+xml;base64,{data}">')
