"""Moodle XML: a category per exercise holding one cloze question per distinct variant.

Each question shows the given values (a table), the network diagram (an SVG file embedded in
the question, shown inline) and one NUMERICAL blank per asked item,
``{1:NUMERICAL:=value:tolerance}`` — the grader's interval, written as plain decimals (Moodle
refuses a leading '+'). Its general feedback, which Moodle shows once the attempt is over (as
the quiz's review options allow), is the variant's worked solution. Teachers then add "a random question from category" per exercise, so
every student draws a whole variant.
"""

from __future__ import annotations

import base64
import re
from typing import IO

from lxml import etree
from lxml.builder import E as HTML

from exgen.export import accepted
from exgen.export.content import Dialect, Image, diagram, question_body, worked_solution
from exgen.export.decimals import plain
from exgen.export.quiz import Blank, Question, Quiz

_MARKER = re.compile(r'<span data-blank="(\d+)"></span>')
#: for content without blanks (the worked solution)
_HTML_DIALECT = Dialect(E=HTML, blank=lambda index, blank: "", precision=lambda index, blank: "")


def cloze(blank: Blank) -> str:
    """The cloze code of one blank; weight 1, so every item counts the same."""
    return f"{{1:NUMERICAL:={plain(blank.value)}:{plain(blank.tolerance)}}}"


def write(quiz: Quiz, out: IO[bytes], progress=None) -> None:
    """The XML, streamed to ``out`` one question at a time (indented as a whole tree would be)."""
    out.write(b"<?xml version='1.0' encoding='UTF-8'?>\n<quiz>\n")
    for bank in quiz.exercises:
        category = etree.Element("question", type="category")
        _text(etree.SubElement(category, "category"), f"$course$/top/{quiz.name}/{bank.key}")
        _text(etree.SubElement(category, "info", format="html"), etree.CDATA(_safe(
            etree.tostring(HTML.p(f"{quiz.title}: exercise {bank.key}, one question per variant. "
                                  "Add a random question from this category to the quiz."),
                           method="html", encoding="unicode"))))
        out.write(_child(category))
        for question in bank.questions:
            out.write(_child(_question(quiz, question)))
            if progress:
                progress(question.students)
    out.write(b"</quiz>\n")


def _child(element) -> bytes:
    """``element`` serialised as a child of the root, indented one level."""
    etree.indent(element, level=1)
    return b"  " + etree.tostring(element, encoding="UTF-8") + b"\n"


def question_html(quiz: Quiz, question: Question, image_src: str, alt: str) -> str:
    """The question text: HTML in which every brace is escaped except the blanks' own."""
    dialect = Dialect(
        E=HTML,
        blank=lambda index, blank: HTML.span(**{"data-blank": str(index)}),
        precision=lambda index, blank: accepted.requested(blank, quiz.instructions).label(),
    )
    body = question_body(quiz, question, dialect, Image(image_src, alt))
    html = "".join(etree.tostring(part, method="html", encoding="unicode") for part in body)
    # Braces are cloze syntax: text that contains one (a title) must not open a subquestion.
    html = _safe(html).replace("{", "&#123;").replace("}", "&#125;")
    return _MARKER.sub(lambda m: cloze(question.blanks[int(m.group(1))]), html)


def _question(quiz: Quiz, question: Question):
    picture = diagram(question)
    element = etree.Element("question", type="cloze")
    _text(etree.SubElement(element, "name"), f"{question.exercise} variant {question.code}")
    text = etree.SubElement(element, "questiontext", format="html")
    html = question_html(quiz, question, f"@@PLUGINFILE@@/{picture.name}", picture.alt)
    _text(text, etree.CDATA(html))
    attached = etree.SubElement(text, "file", name=picture.name, path="/", encoding="base64")
    attached.text = base64.b64encode(picture.svg).decode("ascii")
    solution = etree.tostring(worked_solution(quiz, question, _HTML_DIALECT), method="html", encoding="unicode")
    # (braces escaped as in the question text: no filter or plugin may read cloze code there)
    solution = _safe(solution).replace("{", "&#123;").replace("}", "&#125;")
    _text(etree.SubElement(element, "generalfeedback", format="html"), etree.CDATA(solution))
    etree.SubElement(element, "penalty").text = "0.3333333"  # Moodle's default
    etree.SubElement(element, "hidden").text = "0"
    etree.SubElement(element, "idnumber").text = question.ident
    return element


def _text(parent, value) -> None:
    etree.SubElement(parent, "text").text = value


def _safe(html: str) -> str:
    """HTML that can sit in a CDATA section: ``]]>`` cannot end it early."""
    return html.replace("]]>", "]]&gt;")
