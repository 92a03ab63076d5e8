"""Canvas: a QTI 1.2 zip (``imsmanifest.xml``, ``<id>/<id>.xml``, ``<id>/assessment_meta.xml``)
in which every student draws one WHOLE variant per exercise.

Canvas draws the questions of a group independently, so a variant cannot be split into one
question per item: each exercise is a question group (``selection_number`` 1) holding one
question per distinct variant, and that question holds every blank of the variant:

- several blanks: ``fill_in_multiple_blanks_question``, each blank accepting every string
  within the grader's tolerance at the precision stated next to it (see ``accepted``) — and
  the question and the quiz's description say to round as stated there, nothing else;
- a single blank: ``numerical_question`` with the range ``vargte``/``varlte``.

Every question's general comments (``general_fb``) hold the variant's worked solution.
"""

from __future__ import annotations

import re
from typing import IO, Iterator
from xml.sax.saxutils import escape

from lxml import etree
from lxml.builder import E as HTML
from lxml.builder import ElementMaker

from exgen.export import accepted
from exgen.export.content import Dialect, Image, diagram, per_blank_rounding_text, question_body, worked_solution
from exgen.export.ids import content_id
from exgen.export.decimals import plain, score_text
from exgen.export.package import Package, Parked
from exgen.export.quiz import Question, Quiz

QTI12 = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CCCV = "http://canvas.instructure.com/xsd/cccv1p0"
IMSCC = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
IMSMD = "http://www.imsglobal.org/xsd/imsmd_v1p2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{{{XSI}}}schemaLocation"
GENERAL_FEEDBACK = "general_fb"  # Canvas's name for a question's general comments
#: Where Canvas puts the package's files; images are referenced through it.
FILEBASE = "%24IMS-CC-FILEBASE%24"

T = ElementMaker(namespace=QTI12, nsmap={None: QTI12, "xsi": XSI})
C = ElementMaker(namespace=CCCV, nsmap={None: CCCV, "xsi": XSI})
M = ElementMaker(namespace=IMSCC, nsmap={None: IMSCC, "imsmd": IMSMD, "xsi": XSI})
MD = ElementMaker(namespace=IMSMD)

_MARKER = re.compile(r'<span data-blank="(\d+)"></span>')


def blank_id(index: int) -> str:
    return f"b{index + 1}"


def write(quiz: Quiz, out: IO[bytes], progress=None) -> None:
    """The package, streamed to ``out``: one question at a time is in memory, the assessment
    XML (hundreds of MB for a large class) and the diagrams wait in a temporary file until
    the manifest, which comes first and lists the diagrams, is written."""
    ident = content_id("A", quiz.ident)
    assessment_path = f"{ident}/{ident}.xml"
    with Parked() as parked, Parked() as images:
        # Not indented: a class's accepted strings run to megabytes, half of it indentation.
        pieces = _assessment_skeleton(quiz, ident)
        parked.write(assessment_path, next(pieces))
        for bank in quiz.exercises:
            for question in bank.questions:
                picture = diagram(question)
                if f"images/{picture.name}" not in images:
                    images.write(f"images/{picture.name}", picture.svg)
                image = Image(f"{FILEBASE}/images/{picture.name}", picture.alt)
                parked.write(assessment_path, _item_xml(*item(quiz, question, bank.points, image)))
                if progress:
                    progress(question.students)
            parked.write(assessment_path, next(pieces))
        names = sorted(images.paths)
        with Package(out) as package:
            package.add("imsmanifest.xml", _xml(manifest(quiz, ident, names)))
            package.add_parked(parked, assessment_path)
            package.add(f"{ident}/assessment_meta.xml", _xml(assessment_meta(quiz, ident)))
            for name in names:
                package.add_parked(images, name)


_ITEMS_GO_HERE = "exgen: this section's items"


def _assessment_skeleton(quiz: Quiz, ident: str) -> Iterator[bytes]:
    """The assessment XML around the items, in pieces: before the first exercise's items,
    between two exercises' items, after the last's."""
    sections = [
        T.section(
            T.selection_ordering(T.selection(
                T.selection_number("1"),
                T.selection_extension(T.points_per_item(score_text(bank.points))),
            )),
            etree.Comment(_ITEMS_GO_HERE),
            ident=content_id("G", quiz.ident, bank.key), title=f"Exercise {bank.key}",
        )
        for bank in quiz.exercises
    ]
    assessment = T.questestinterop(T.assessment(
        T.qtimetadata(_field("cc_maxattempts", "1")),
        T.section(*sections, ident="root_section"),
        ident=ident, title=quiz.title,
    ))
    assessment.set(SCHEMA_LOCATION, f"{QTI12} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd")
    yield from _xml(assessment, pretty=False).split(f"<!--{_ITEMS_GO_HERE}-->".encode())


#: What an item says on its own that it says inside the assessment by being there.
_ITEM_NAMESPACES = f' xmlns="{QTI12}" xmlns:xsi="{XSI}"'.encode()


_ANSWERS_GO_HERE = "exgen: the accepted strings of blank"
_ANSWERS = re.compile(f"<!--{_ANSWERS_GO_HERE} ([0-9]+)-->".encode())


def _item_xml(element, strings: list[accepted.Accepted] | None) -> bytes:
    """An item as the whole assessment's serialisation would write it: without the namespace
    declarations it inherits there, with every blank's accepted strings."""
    text = etree.tostring(element, encoding="UTF-8")
    head = text.index(b">")
    if _ITEM_NAMESPACES not in text[:head]:
        raise AssertionError("an item's namespaces are not the assessment's")
    text = text[:head].replace(_ITEM_NAMESPACES, b"", 1) + text[head:]
    if strings is None:
        return text
    return _ANSWERS.sub(lambda m: _answers_xml(int(m.group(1)), strings[int(m.group(1))].strings), text)


def item(quiz: Quiz, question: Question, points: float, image: Image):
    """The question's item, and its blanks' accepted strings (None for a single blank) that
    :func:`_item_xml` writes in."""
    single = len(question.blanks) == 1
    strings = None if single else accepted.for_question(question.blanks, quiz.instructions)
    dialect = Dialect(
        E=HTML,
        blank=lambda index, blank: ("in the answer box below" if single
                                    else HTML.span(**{"data-blank": str(index)})),
        precision=lambda index, blank: (accepted.requested(blank, quiz.instructions) if single
                                        else strings[index].precision).label(),
        # a list of strings accepts exactly the precision stated next to each blank; a range
        # (one blank) accepts the worksheet's rounding and more
        rounding=None if single else per_blank_rounding_text,
    )
    html = question_html(quiz, question, dialect, image)
    kind = "numerical_question" if single else "fill_in_multiple_blanks_question"
    metadata = T.itemmetadata(T.qtimetadata(
        _field("question_type", kind),
        _field("points_possible", score_text(points)),
        _field("assessment_question_identifierref", content_id("R", question.ident)),
    ))
    material = T.material(T.mattext(html, texttype="text/html"))
    presentation, conditions = (_numerical(material, question.blanks[0]) if single
                                else _fill_in(material, strings))
    # The worked solution as the question's general comments (Canvas's "general_fb"), which
    # students see with their results once the quiz lets them see their responses.
    solution = etree.tostring(worked_solution(quiz, question, Dialect(E=HTML, blank=_no_blank, precision=_no_blank)),
                              method="html", encoding="unicode")
    solution = solution.replace("[", "&#91;").replace("]", "&#93;")  # never blank syntax
    show = T.respcondition(T.conditionvar(T.other()),
                           T.displayfeedback(feedbacktype="Response", linkrefid=GENERAL_FEEDBACK),
                           **{"continue": "Yes"})
    return T.item(
        metadata, presentation,
        T.resprocessing(T.outcomes(T.decvar(maxvalue="100", minvalue="0", varname="SCORE",
                                            vartype="Decimal")), show, *conditions),
        T.itemfeedback(T.flow_mat(T.material(T.mattext(solution, texttype="text/html"))),
                       ident=GENERAL_FEEDBACK),
        ident=question.ident, title=f"{question.exercise} variant {question.code}",
    ), strings


def _no_blank(index, blank) -> str:
    return ""


def _numerical(material, blank):
    """One answer box, right when the number lies in the grader's interval."""
    presentation = T.presentation(material, T.response_str(
        T.render_fib(T.response_label(ident="answer1"), fibtype="Decimal"),
        ident="response1", rcardinality="Single"))
    conditions = [T.respcondition(
        T.conditionvar(T.vargte(plain(blank.low), respident="response1"),
                       T.varlte(plain(blank.high), respident="response1")),
        T.setvar("100", action="Set", varname="SCORE"),
        **{"continue": "No"})]
    return presentation, conditions


def _fill_in(material, strings: list[accepted.Accepted]):
    """A ``response_lid`` per blank listing its accepted strings."""
    presentation = T.presentation(material)
    for i, result in enumerate(strings):
        lid = T.response_lid(T.material(T.mattext(blank_id(i))), ident=f"response_{blank_id(i)}")
        presentation.append(lid)
        _answers(etree.SubElement(lid, f"{{{QTI12}}}render_choice"), i)
    # Like Canvas's own export: one condition per blank, naming its first answer; Canvas takes
    # every answer listed under a blank as correct.
    share = f"{100 / len(strings):.2f}"
    conditions = [
        T.respcondition(T.conditionvar(T.varequal(answer_id(i, 0), respident=f"response_{blank_id(i)}")),
                        T.setvar(share, varname="SCORE", action="Add"))
        for i in range(len(strings))
    ]
    return presentation, conditions


def _answers(render_choice, blank: int) -> None:
    """A placeholder for the blank's accepted strings, which :func:`_item_xml` writes as text:
    thousands per question, and as elements they were most of the export's time."""
    render_choice.append(etree.Comment(f"{_ANSWERS_GO_HERE} {blank}"))


def _answers_xml(blank: int, strings) -> bytes:
    """``<response_label ident=..><material><mattext>0.8249</mattext></material></response_label>``
    per accepted string (text/plain, the default)."""
    return "".join(f'<response_label ident="{answer_id(blank, n)}"><material><mattext>{escape(text)}'
                   "</mattext></material></response_label>" for n, text in enumerate(strings)).encode()


def answer_id(blank: int, n: int) -> str:
    """Numeric, like Canvas's own answer ids (its importer keeps numeric ids and draws random
    ones for the rest); unique within the question."""
    return str(10_000 * (blank + 1) + n)


def question_html(quiz: Quiz, question: Question, dialect: Dialect, image: Image) -> str:
    """The question text. ``[name]`` is Canvas's blank syntax, so every bracket of the text (the
    items' own, ``W1[1,2]``, or a title's) is written as a character reference; only the
    blanks are real ``[b1]`` references."""
    body = question_body(quiz, question, dialect, image)
    html = "".join(etree.tostring(part, method="html", encoding="unicode") for part in body)
    html = html.replace("[", "&#91;").replace("]", "&#93;")
    return _MARKER.sub(lambda m: f"[{blank_id(int(m.group(1)))}]", html)


def assessment_meta(quiz: Quiz, ident: str):
    description = etree.tostring(HTML.div(
        HTML.p(f"{quiz.title}: every student gets one variant of each exercise."),
        HTML.p(per_blank_rounding_text(quiz)),
        HTML.p("After the quiz, each question's comments show its worked solution."),
    ), method="html", encoding="unicode")
    points = score_text(quiz.points)
    meta = C.quiz(
        C.title(quiz.title),
        C.description(description),
        C.shuffle_answers("false"),
        C.scoring_policy("keep_highest"),
        C.quiz_type("assignment"),
        C.points_possible(points),
        C.show_correct_answers("false"),
        C.anonymous_submissions("false"),
        C.allowed_attempts("1"),
        C.one_question_at_a_time("false"),
        C.cant_go_back("false"),
        C.available("false"),
        C.assignment(
            C.title(quiz.title),
            C.workflow_state("unpublished"),
            C.quiz_identifierref(ident),
            C.points_possible(points),
            C.grading_type("points"),
            C.submission_types("online_quiz"),
            identifier=content_id("N", ident),
        ),
        C.assignment_group_identifierref(content_id("P", ident)),
        identifier=ident,
    )
    meta.set(SCHEMA_LOCATION, f"{CCCV} https://canvas.instructure.com/xsd/cccv1p0.xsd")
    return meta


def manifest(quiz: Quiz, ident: str, images: list[str]):
    meta_ident = content_id("D", ident)
    root = M.manifest(
        M.metadata(
            M.schema("IMS Content"), M.schemaversion("1.1.3"),
            MD.lom(MD.general(MD.title(MD.string(quiz.title)))),
        ),
        M.organizations(),
        M.resources(
            M.resource(M.file(href=f"{ident}/{ident}.xml"), M.dependency(identifierref=meta_ident),
                       identifier=ident, type="imsqti_xmlv1p2"),
            M.resource(M.file(href=f"{ident}/assessment_meta.xml"), identifier=meta_ident,
                       type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
                       href=f"{ident}/assessment_meta.xml"),
            *(M.resource(M.file(href=path), identifier=content_id("F", path),
                         type="webcontent", href=path) for path in images),
        ),
        identifier=content_id("M", ident),
    )
    root.set(SCHEMA_LOCATION, f"{IMSCC} http://www.imsglobal.org/xsd/imscp_v1p1.xsd "
                              f"{IMSMD} http://www.imsglobal.org/xsd/imsmd_v1p2p2.xsd")
    return root


def _field(label: str, entry: str):
    return T.qtimetadatafield(T.fieldlabel(label), T.fieldentry(entry))


def _xml(element, pretty: bool = True) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=pretty)
