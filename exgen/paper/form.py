"""The worksheet's PDF form: field names (design §10), the fields themselves, the QR code.

Field names: an answer box's field is named by its item with the dot written as a colon (a dot
separates the parts of a PDF field name): ``q2.dL/dW1[1,2]`` → ``q2:dL/dW1[1,2]``. The ticket is
the read-only field ``exgen:ticket``.

How the fields are made. WeasyPrint can turn ``<input>`` elements into PDF fields
(``appearance: auto``), but it embeds the field font whole so that any character typed can be
shown (DejaVu Sans: +415 KB per worksheet, and the render took twice as long, measured), writes
no appearance streams (it sets ``NeedAppearances`` only, which Preview on macOS, MuPDF-based
readers and printing from some others ignore: the fields look empty) and has no read-only
fields. So the worksheet lays out an ordinary empty element where each field goes (an element
with an ``id``: WeasyPrint reports its rectangle in ``Page.anchors``), and :class:`FormWriter`,
a WeasyPrint *finisher*, adds the fields to the PDF before it is written:

- text fields in Helvetica (one of the 14 standard fonts every reader has: nothing embedded)
  with ``/DA``, listed in the AcroForm with a ``/DR`` naming that font;
- an appearance stream for every field (empty for an answer; the ticket is hidden, its text is
  printed on the page instead), so every reader shows the same thing, including those that
  ignore ``NeedAppearances``;
- ``NeedAppearances true`` as well: a program that fills in values without drawing them (some
  scripts and LMS annotators do) still shows them in Acrobat, PDFium (Chrome), pdf.js
  (Firefox) and poppler;
- the print flag on every answer field (typed answers print), fields in reading order
  (``/Tabs /R``), a tooltip naming the quantity (screen readers read it).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from markupsafe import Markup

TICKET_FIELD = "exgen:ticket"
#: Anchor ids of the elements that mark where fields go (``<id prefix><n>``).
ANCHOR_PREFIX = "exgen-field-"
FONT_SIZE = 11  # points: a 12-character answer fits a 41.5 mm box
MAX_LENGTH = 40  # characters a reader lets a student type into one answer field

# PDF flags (ISO 32000-1, tables 165 and 221)
_PRINT, _HIDDEN = 4, 2
_READ_ONLY = 1
_DA = f"/Helv {FONT_SIZE} Tf 0 g"


def field_name(item: str) -> str:
    """The PDF field name of an answer-sheet item: ``q2.dL/dW1[1,2]`` → ``q2:dL/dW1[1,2]``."""
    return item.replace(".", ":", 1)


def field_anchor(name: str) -> str:
    """The id of the element a field covers."""
    return ANCHOR_PREFIX + name


def item_of_field(name: str) -> str | None:
    """The item a field name stands for, or None for a field that is not an answer
    (exercise ids hold neither ``.`` nor ``:``, quantity names no ``:``)."""
    if name == TICKET_FIELD or ":" not in name:
        return None
    return name.replace(":", ".", 1)


@dataclass(frozen=True)
class Field:
    anchor: str  # id of the element the field covers
    name: str
    tooltip: str = ""
    value: str = ""
    read_only: bool = False
    hidden: bool = False


class FormWriter:
    """A WeasyPrint finisher (``document.write_pdf(finisher=...)``) adding text fields at the
    rectangles of the elements whose ids the fields name."""

    def __init__(self, fields: list[Field]):
        self.fields = {f.anchor: f for f in fields}

    def __call__(self, document, pdf) -> None:
        import pydyf

        if not self.fields:
            return
        helvetica = pydyf.Dictionary({"Type": "/Font", "Subtype": "/Type1", "BaseFont": "/Helvetica",
                                      "Encoding": "/WinAnsiEncoding"})
        pdf.add_object(helvetica)
        fonts = pydyf.Dictionary({"Helv": helvetica.reference})
        acroform = pydyf.Dictionary({
            "Fields": pydyf.Array(), "NeedAppearances": "true", "DA": pydyf.String(_DA),
            "DR": pydyf.Dictionary({"Font": fonts}),
        })
        pdf.add_object(acroform)
        pdf.catalog["AcroForm"] = acroform.reference
        kids = pdf.pages["Kids"][::3]  # pydyf lists each page as: number 0 R
        for page, number in zip(document.pages, kids):
            pdf_page = pdf.objects[number]
            mediabox = pdf_page["MediaBox"]
            scale = (mediabox[3] - mediabox[1]) / page.height  # CSS px to PDF points
            widgets = []
            for anchor, rectangle in page.anchors.items():
                field = self.fields.get(anchor)
                if field is None:
                    continue
                x1, y1, x2, y2 = rectangle
                rect = [x1 * scale, (page.height - y2) * scale, x2 * scale, (page.height - y1) * scale]
                widgets.append(self._widget(pdf, pdf_page, field, rect, fonts))
            if widgets:
                annots = pdf_page.setdefault("Annots", pydyf.Array())
                for widget in widgets:
                    annots.append(widget.reference)
                    acroform["Fields"].append(widget.reference)
                pdf_page["Tabs"] = "/R"

    @staticmethod
    def _widget(pdf, pdf_page, field: Field, rect: list[float], fonts):
        import pydyf

        width, height = rect[2] - rect[0], rect[3] - rect[1]
        appearance = pydyf.Stream([b"/Tx BMC EMC"], pydyf.Dictionary({
            "Type": "/XObject", "Subtype": "/Form", "BBox": pydyf.Array([0, 0, width, height]),
            "Resources": pydyf.Dictionary({"Font": fonts}),
        }))
        pdf.add_object(appearance)
        widget = pydyf.Dictionary({
            "Type": "/Annot", "Subtype": "/Widget", "FT": "/Tx",
            "T": pydyf.String(field.name), "V": pydyf.String(field.value), "DA": pydyf.String(_DA),
            "Rect": pydyf.Array(rect), "P": pdf_page.reference,
            "F": _HIDDEN if field.hidden else _PRINT,
            "AP": pydyf.Dictionary({"N": appearance.reference}),
        })
        if field.tooltip:
            widget["TU"] = pydyf.String(field.tooltip)
        if field.read_only:
            widget["Ff"] = _READ_ONLY
        else:
            widget["MaxLen"] = MAX_LENGTH
        pdf.add_object(widget)
        return widget


def qr_img(payload: str) -> Markup:
    """A QR code of ``payload`` as an ``<img>`` (a PNG data: URL; the quiet zone included).

    A PNG, not an SVG: WeasyPrint draws an SVG QR code path by path (+9 ms a worksheet,
    measured) and a small PNG at once; 4 pixels per module and ``image-rendering: pixelated``
    keep the modules sharp in print and on screen (poppler blurs a 1-pixel-per-module image
    when it enlarges it, and zbar could then not read it)."""
    import segno

    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=4, border=4)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return Markup(f'<img class="qr" alt="QR code" src="data:image/png;base64,{data}">')
