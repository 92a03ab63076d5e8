"""LMS exports that teach (issue 13, item 6): every Moodle, QTI 2.1 and Canvas question carries
its variant's worked solution — the answer key's own lines — as general feedback; quantities are
named as on the PDF worksheet; and what students are told about rounding is exactly what is
accepted, in every blank, within the limits on accepted strings."""

from __future__ import annotations

import re

import pytest
from lxml import etree
from lxml import html as lxml_html

from exgen.export import accepted, canvas, moodle, qti21
from exgen.export.quiz import build_quiz
from exgen.render.documents import student_document
from test_export import (fixed_record, variants_by_code, wide_record, worksheet_labels,  # noqa: F401
                         written, zip_members)
from test_export_canvas import NS, _round, assessment, precision_of

QTI = {"q": qti21.QTI}
PRECISION = re.compile(r"\d+ (?:significant figures?|decimals?)")


def key_entries(record, question) -> list[tuple[str, str, bool]]:
    """(label, result, asked) of every line of the answer key of a student with this variant;
    the result with the exact value beside it where the key prints one."""
    variant = variants_by_code(record)[(question.exercise, question.code)]
    student = next(s for s in record.students if s["student_id"] == variant.student_id)
    exercise = next(e for e in student_document(record, student, "key").exercises if e.key == question.exercise)
    return [(e.label, e.result + (f" (exact {e.exact_value})" if e.exact_value else ""), e.asked)
            for stage in exercise.stages for step in stage.steps for e in step.entries]


def check_solution(block, record, question):
    """The feedback block holds the key's lines, in order, the asked ones in bold."""
    lines = block.xpath(".//*[local-name()='li']")
    expected = key_entries(record, question)
    assert len(lines) == len(expected) > 0
    for li, (label, result, asked) in zip(lines, expected):
        text = "".join(li.itertext()).strip()
        assert text.startswith(label + " ") and text.endswith(" " + result), (text, label, result)
        assert bool(li.xpath("./*[local-name()='strong']")) == asked
    text = "".join(block.itertext())
    assert "Worked solution" in text and question.code in text
    # the rules name quantities as the PDF does (𝑊⁽¹⁾, not W1)
    rules = text.split("the answers asked are in bold.", 1)[1]
    assert not re.search(r"(?<![A-Za-z0-9])[zaWb][0-9](?![0-9])", rules), rules


@pytest.mark.parametrize("record_name", ["wide_record", "fixed_record"])
def test_moodle_general_feedback_is_the_worked_solution(request, record_name):
    record = request.getfixturevalue(record_name)
    quiz = build_quiz(record)
    root = etree.fromstring(written(moodle.write, quiz))
    cloze = [q for q in root.iter("question") if q.get("type") == "cloze"]
    assert len(cloze) == len(quiz.questions)
    for element, question in zip(cloze, quiz.questions):
        feedback = lxml_html.fromstring(element.findtext("generalfeedback/text"))
        check_solution(feedback, record, question)
        assert "{" not in element.findtext("generalfeedback/text")  # nothing that reads as cloze code


@pytest.mark.parametrize("record_name", ["wide_record", "fixed_record"])
def test_qti21_modal_feedback_is_the_worked_solution(request, record_name):
    record = request.getfixturevalue(record_name)
    quiz = build_quiz(record)
    files = zip_members(written(qti21.write, quiz))
    for question in quiz.questions:
        item = etree.fromstring(files[qti21.item_path(question)])
        (feedback,) = item.findall("q:modalFeedback", QTI)
        assert (feedback.get("outcomeIdentifier"), feedback.get("identifier"), feedback.get("showHide")) == \
            ("FEEDBACK", qti21.SOLUTION, "show")
        setter = item.find("q:responseProcessing/q:setOutcomeValue[@identifier='FEEDBACK']", QTI)
        assert setter.findtext("q:baseValue", namespaces=QTI) == qti21.SOLUTION  # shown for every response
        check_solution(feedback, record, question)


@pytest.mark.parametrize("record_name", ["wide_record", "fixed_record"])
def test_canvas_general_comments_are_the_worked_solution(request, record_name):
    record = request.getfixturevalue(record_name)
    quiz = build_quiz(record)
    _, root = assessment(written(canvas.write, quiz))
    items = {item.get("ident"): item for item in root.iter(f"{{{canvas.QTI12}}}item")}
    for question in quiz.questions:
        item = items[question.ident]
        first = item.find("t:resprocessing/t:respcondition", NS)
        assert first.get("continue") == "Yes" and first.find("t:conditionvar/t:other", NS) is not None
        assert first.find("t:displayfeedback", NS).get("linkrefid") == canvas.GENERAL_FEEDBACK
        feedback = item.find(f"t:itemfeedback[@ident='{canvas.GENERAL_FEEDBACK}']", NS)
        html = feedback.findtext("t:flow_mat/t:material/t:mattext", namespaces=NS)
        assert "[" not in html and "]" not in html  # nothing Canvas could take for a blank
        check_solution(lxml_html.fromstring(html), record, question)


def test_canvas_tells_students_exactly_the_precision_it_accepts(wide_record):
    """Every blank: the precision stated next to it is accepted (the value, and honest hand
    work, typed at it); the question and the quiz's description state no other precision; no
    blank lists more than MAX_PER_BLANK strings, no question more than MAX_PER_QUESTION."""
    quiz = build_quiz(wide_record)
    files, root = assessment(written(canvas.write, quiz))
    meta = next(data for name, data in files.items() if name.endswith("assessment_meta.xml"))
    description = "".join(lxml_html.fromstring(etree.fromstring(meta).findtext(
        f"{{{canvas.CCCV}}}description")).itertext())
    assert PRECISION.findall(description) == [] and "as stated next to its blank" in description
    questions = {q.ident: q for q in quiz.questions}
    blanks = coarser = 0
    for item in root.iter(f"{{{canvas.QTI12}}}item"):
        question = questions[item.get("ident")]
        page = lxml_html.fromstring(item.findtext("t:presentation/t:material/t:mattext", namespaces=NS))
        table = page.xpath('//table[@class="exgen-answers"]')[0]
        table.getparent().remove(table)
        told = PRECISION.findall("".join(page.itertext()))
        lids = item.findall("t:presentation/t:response_lid", NS)
        if not lids:
            continue
        assert told == []  # only the "Round to" column says how to round
        labels = [tr.findall("td")[2].text_content() for tr in table.xpath(".//tr") if len(tr.findall("td")) == 3]
        total = 0
        for blank, label, lid in zip(question.blanks, labels, lids):
            strings = lid.xpath("t:render_choice/t:response_label/t:material/t:mattext/text()", namespaces=NS)
            precision = precision_of(label)
            typed = _round(blank.value, precision)
            assert typed in strings or typed.rstrip("0").rstrip(".") in strings, (blank.item, label, typed)
            assert len(strings) <= accepted.MAX_PER_BLANK
            total += len(strings)
            blanks += 1
            coarser += precision != accepted.requested(blank, quiz.instructions)
        assert total <= accepted.MAX_PER_QUESTION
    assert blanks > 400 and coarser > 0  # the check covers blanks asked coarser than the worksheet


@pytest.mark.parametrize("fmt", ["moodle", "qti21"])
def test_moodle_and_qti_accept_the_precision_they_state(wide_record, fmt):
    """An interval accepts any precision within the grader's tolerance: the worksheet's rounding
    (stated once above the answers, and next to every blank) is accepted in every blank."""
    quiz = build_quiz(wide_record)
    i = quiz.instructions
    sentence = (f"Give each result to {i.significant_figures} significant figures and each updated weight and "
                f"bias to {i.parameter_decimals} decimals")
    variants = variants_by_code(wide_record)
    if fmt == "moodle":
        root = etree.fromstring(written(moodle.write, quiz))
        pages = [lxml_html.fromstring(q.findtext("questiontext/text")) for q in root.iter("question")
                 if q.get("type") == "cloze"]
    else:
        files = zip_members(written(qti21.write, quiz))
        pages = [etree.fromstring(files[qti21.item_path(q)]).find("q:itemBody", QTI) for q in quiz.questions]
    for page, question in zip(pages, quiz.questions):
        assert sentence in "".join(page.itertext())
        rows = [[("".join(td.itertext())) for td in tr.xpath("./*[local-name()='td']")]
                for tr in page.xpath(".//*[local-name()='table'][@class='exgen-answers']//*[local-name()='tr']")]
        rows = [r for r in rows if len(r) == 3]
        on_pdf = worksheet_labels(wide_record, variants[(question.exercise, question.code)])
        assert [r[0] for r in rows] == [on_pdf[b.item] for b in question.blanks]
        for (label, _, stated), blank in zip(rows, question.blanks):
            assert precision_of(stated) == accepted.requested(blank, quiz.instructions)
            assert blank.accepts(float(_round(blank.value, precision_of(stated)))), (blank.item, stated)


def test_the_given_values_are_named_as_on_the_worksheet(fixed_record):
    quiz = build_quiz(fixed_record)
    page = lxml_html.fromstring(moodle.question_html(quiz, quiz.questions[1], "x.svg", "diagram"))
    heads = [th.text_content() for th in page.xpath('//table[@class="exgen-given"]//th')]
    assert heads[:2] == ["Input 𝑥", "Target 𝑦"]
    assert "Weights 𝑊⁽¹⁾ (row j: weights into unit j)" in heads and "Bias 𝑏⁽²⁾" in heads
    assert heads[-1] == "Learning rate η"
