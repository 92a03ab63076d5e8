"""QTI 2.1 content package: ``imsmanifest.xml``, one ``assessmentItem`` per distinct variant
and exercise, and an ``assessmentTest`` that draws one variant per exercise.

Each blank is a ``textEntryInteraction`` bound to a float response, scored by
``<equal toleranceMode="absolute">`` against the stored exact value (relative mode means
percent and misbehaves for negative values in some players). The variant's worked solution is
the item's ``modalFeedback``, shown once the responses are processed. Every file is valid against the
IMS schemas (the tests check it with lxml).
"""

from __future__ import annotations

from typing import IO

from lxml import etree
from lxml.builder import ElementMaker

from exgen.export import accepted
from exgen.export.content import Dialect, Image, diagram, intro_text, question_body, worked_solution
from exgen.export.ids import content_id
from exgen.export.decimals import plain
from exgen.export.package import Package, Parked
from exgen.export.quiz import Question, Quiz

QTI = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
QTI_LOCATION = f"{QTI} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_LOCATION = f"{CP} http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
SCHEMA_LOCATION = f"{{{XSI}}}schemaLocation"

Q = ElementMaker(namespace=QTI, nsmap={None: QTI, "xsi": XSI})
M = ElementMaker(namespace=CP, nsmap={None: CP, "xsi": XSI})

TEST_FILE = "assessment.xml"
SOLUTION = "SOLUTION"  # the identifier of the worked solution's modal feedback


def response_id(index: int) -> str:
    return f"RESPONSE_{index + 1}"


def item_path(question: Question) -> str:
    return f"items/{question.ident}.xml"


def write(quiz: Quiz, out: IO[bytes], progress=None) -> None:
    """The package, streamed to ``out``: the items and diagrams wait in a temporary file until
    the manifest and the test, which come first and list them, are written."""
    item_files: dict[str, list[str]] = {}
    with Parked() as items, Parked() as images:
        for question in quiz.questions:
            picture = diagram(question)
            if f"images/{picture.name}" not in images:
                images.write(f"images/{picture.name}", picture.svg)
            image = Image(f"../images/{picture.name}", picture.alt)
            items.write(item_path(question), _xml(assessment_item(quiz, question, image)))
            item_files[question.ident] = [item_path(question), f"images/{picture.name}"]
            if progress:
                progress(question.students)
        with Package(out) as package:
            package.add("imsmanifest.xml", _xml(manifest(quiz, item_files)))
            package.add(TEST_FILE, _xml(assessment_test(quiz)))
            for path in items.paths:
                package.add_parked(items, path)
            for path in sorted(images.paths):
                package.add_parked(images, path)


def assessment_item(quiz: Quiz, question: Question, image: Image):
    dialect = Dialect(
        E=Q,
        blank=lambda index, blank: Q.textEntryInteraction(responseIdentifier=response_id(index),
                                                          expectedLength="12"),
        precision=lambda index, blank: accepted.requested(blank, quiz.instructions).label(),
        styled=False,
    )
    declarations = [
        Q.responseDeclaration(Q.correctResponse(Q.value(plain(blank.value))),
                              identifier=response_id(i), cardinality="single", baseType="float")
        for i, blank in enumerate(question.blanks)
    ]
    outcomes = [
        Q.outcomeDeclaration(Q.defaultValue(Q.value("0")), identifier="SCORE",
                             cardinality="single", baseType="float"),
        Q.outcomeDeclaration(Q.defaultValue(Q.value(str(len(question.blanks)))),
                             identifier="MAXSCORE", cardinality="single", baseType="float"),
        Q.outcomeDeclaration(identifier="FEEDBACK", cardinality="single", baseType="identifier"),
    ]
    # One point per blank whose response lies within the grader's absolute interval; a
    # missing response makes <equal> NULL, which counts as false.
    conditions = [
        Q.responseCondition(Q.responseIf(
            Q.equal(Q.variable(identifier=response_id(i)), Q.correct(identifier=response_id(i)),
                    toleranceMode="absolute", tolerance=plain(blank.tolerance)),
            Q.setOutcomeValue(Q.sum(Q.variable(identifier="SCORE"),
                                    Q.baseValue("1", baseType="float")), identifier="SCORE"),
        ))
        for i, blank in enumerate(question.blanks)
    ]
    # The worked solution: modal feedback shown once the responses are processed.
    conditions.append(Q.setOutcomeValue(Q.baseValue(SOLUTION, baseType="identifier"), identifier="FEEDBACK"))
    item = Q.assessmentItem(
        *declarations, *outcomes,
        Q.itemBody(*question_body(quiz, question, dialect, image)),
        Q.responseProcessing(*conditions),
        Q.modalFeedback(worked_solution(quiz, question, dialect), outcomeIdentifier="FEEDBACK",
                        showHide="show", identifier=SOLUTION, title="Worked solution"),
        identifier=question.ident, title=intro_text(quiz, question),
        adaptive="false", timeDependent="false",
    )
    item.set(SCHEMA_LOCATION, QTI_LOCATION)
    return item


def assessment_test(quiz: Quiz):
    """A test part with one section per exercise that selects ONE of its variants."""
    sections = [
        Q.assessmentSection(
            Q.selection(select="1"),
            *(Q.assessmentItemRef(identifier=q.ident, href=item_path(q)) for q in bank.questions),
            identifier=f"S_{bank.key}", title=f"Exercise {bank.key}", visible="true",
        )
        for bank in quiz.exercises
    ]
    test = Q.assessmentTest(
        Q.testPart(*sections, identifier="P1", navigationMode="nonlinear",
                   submissionMode="simultaneous"),
        identifier=test_id(quiz), title=quiz.title,
    )
    test.set(SCHEMA_LOCATION, QTI_LOCATION)
    return test


def test_id(quiz: Quiz) -> str:
    return content_id("T", quiz.ident)


def manifest(quiz: Quiz, item_files: dict[str, list[str]]):
    test_resource = M.resource(
        M.file(href=TEST_FILE),
        *(M.dependency(identifierref=ident) for ident in item_files),
        identifier=test_id(quiz), type="imsqti_test_xmlv2p1", href=TEST_FILE,
    )
    item_resources = [
        M.resource(*(M.file(href=path) for path in paths),
                   identifier=ident, type="imsqti_item_xmlv2p1", href=paths[0])
        for ident, paths in item_files.items()
    ]
    root = M.manifest(
        M.metadata(M.schema("QTIv2.1 Package"), M.schemaversion("1.0.0")),
        M.organizations(),
        M.resources(test_resource, *item_resources),
        identifier=content_id("M", quiz.ident),
    )
    root.set(SCHEMA_LOCATION, CP_LOCATION)
    return root


def _xml(element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)
