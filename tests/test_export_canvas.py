"""Canvas export: a group per exercise drawing ONE whole variant, and blanks whose accepted
strings are exactly the decimals, at the stated precision, that exgen's grader accepts."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from exgen.export import accepted, canvas
from exgen.export.quiz import Blank, build_quiz
from exgen.instructions import Instructions
from exgen.grading.tolerance import tolerance
from test_export import (expected_blanks, fixed_record, hand_rounded, instructions_of, variants_by_code,  # noqa: F401
                         wide_record, worksheet_labels, written, zip_members)

NS = {"t": canvas.QTI12}


def assessment(data: bytes):
    files = zip_members(data)
    manifest = etree.fromstring(files["imsmanifest.xml"])
    resource = manifest.find(f".//{{{canvas.IMSCC}}}resource[@type='imsqti_xmlv1p2']")
    ident = resource.get("identifier")
    assert resource.find(f"{{{canvas.IMSCC}}}file").get("href") == f"{ident}/{ident}.xml"
    assert f"{ident}/assessment_meta.xml" in files
    return files, etree.fromstring(files[f"{ident}/{ident}.xml"])


def field(item, label: str) -> str:
    return item.xpath(f"t:itemmetadata//t:qtimetadatafield[t:fieldlabel='{label}']/t:fieldentry/text()",
                      namespaces=NS)[0]


def precision_of(label: str) -> accepted.Precision:
    digits, kind = re.fullmatch(r"(\d+) (significant figures?|decimals?)", label).groups()
    return accepted.Precision("significant" if kind.startswith("significant") else "decimals", int(digits))


# -- an independent enumeration of the strings a blank should accept -------------------------
def fixed_point(k: int, decimals: int) -> str:
    """k · 10^-decimals written with exactly ``decimals`` decimals, by integer arithmetic."""
    sign, k = ("-" if k < 0 else ""), abs(k)
    if decimals == 0:
        return sign + str(k)
    whole, fraction = divmod(k, 10**decimals)
    return f"{sign}{whole}.{fraction:0{decimals}d}"


def expected_strings(value: float, tol: float, precision: accepted.Precision) -> set[str]:
    if precision.kind == "decimals":
        d = precision.digits
        ks = range(math.floor((value - tol) * 10**d) - 2, math.ceil((value + tol) * 10**d) + 3)
        grid = {fixed_point(k, d) for k in ks}
    elif value - tol <= 0 <= value + tol:  # zero, however many zeros a student writes
        grid = {"0"} | {"0." + "0" * k for k in range(1, precision.digits + 1)}
    else:
        n, grid = precision.digits, set()
        top = math.floor(math.log10(abs(value)))
        for band in range(top - 1, top + 2):  # numbers whose leading digit is 10^band
            decimals = n - 1 - band
            step = 10.0 ** -decimals
            near = range(math.floor((value - tol) / step) - 2, math.ceil((value + tol) / step) + 3)
            for k in near:
                if not 10 ** (n - 1) <= abs(k) < 10**n:  # exactly n significant digits
                    continue
                text = fixed_point(k, decimals) if decimals >= 0 else str(k * 10 ** (-decimals))
                if abs(float(text) - value) <= tol:
                    grid.add(text)
    good = {s for s in grid if abs(float(s) - value) <= tol}
    stripped = {(s.rstrip("0").rstrip(".") if "." in s else s) for s in good}
    return good | {("0" if s in ("-0", "") else s) for s in stripped}


def test_canvas_group_per_exercise_draws_one_whole_variant(wide_record):
    quiz = build_quiz(wide_record)
    _, root = assessment(written(canvas.write, quiz))
    groups = root.findall("t:assessment/t:section/t:section", NS)
    assert [g.get("title") for g in groups] == ["Exercise q1", "Exercise q2", "Exercise q3", "Exercise q4"]
    for group, bank in zip(groups, quiz.exercises):
        assert group.findtext(".//t:selection_number", namespaces=NS) == "1"
        assert float(group.findtext(".//t:points_per_item", namespaces=NS)) == bank.points
        items = group.findall("t:item", NS)
        assert len(items) == 12  # one per variant, each holding all of its blanks
        for item, question in zip(items, bank.questions):
            assert field(item, "question_type") == "fill_in_multiple_blanks_question"
            assert float(field(item, "points_possible")) == bank.points
            blanks = item.findall("t:presentation/t:response_lid", NS)
            assert [b.get("ident") for b in blanks] == [f"response_b{i + 1}" for i in range(len(question.blanks))]
            text = item.findtext("t:presentation/t:material/t:mattext", namespaces=NS)
            # every blank referenced once; no other bracket that Canvas could take for a blank
            assert re.findall(r"\[[^\]]*\]", text) == [f"[b{i + 1}]" for i in range(len(question.blanks))]
            labels = [tr.findall("td")[0].text_content()
                      for tr in lxml_html.fromstring(text).xpath('//table[@class="exgen-answers"]//tr')
                      if len(tr.findall("td")) == 3]
            on_pdf = worksheet_labels(wide_record, variants_by_code(wide_record)[(question.exercise, question.code)])
            assert labels == [on_pdf[b.item] for b in question.blanks]  # named as on the worksheet


def test_canvas_blanks_accept_exactly_the_strings_the_grader_accepts(wide_record):
    variants = {(v.exercise, v.code): v for v in wide_record.variants}
    _, root = assessment(written(canvas.write, build_quiz(wide_record)))
    checked = 0
    for item in root.iter(f"{{{canvas.QTI12}}}item"):
        exercise, _, code = item.get("title").split(" ")
        expected = expected_blanks(variants[(exercise, code)], instructions_of(wide_record))
        text = item.findtext("t:presentation/t:material/t:mattext", namespaces=NS)
        rounds = [tr.findall("td")[2].text_content()
                  for tr in lxml_html.fromstring(text).xpath('//table[@class="exgen-answers"]//tr')
                  if len(tr.findall("td")) == 3]
        lids = item.findall("t:presentation/t:response_lid", NS)
        for lid, label, (_, _, value, tol) in zip(lids, rounds, expected):
            strings = lid.xpath("t:render_choice/t:response_label/t:material/t:mattext/text()", namespaces=NS)
            assert len(strings) == len(set(strings)) <= accepted.MAX_PER_BLANK
            assert set(strings) == expected_strings(value, tol, precision_of(label)), (item.get("title"), label)
            checked += 1
        # Canvas scores each blank by its first answer: the value rounded to the precision
        first = [lid.find("t:render_choice/t:response_label", NS).get("ident") for lid in lids]
        conditions = item.findall("t:resprocessing/t:respcondition", NS)
        # (the first condition only shows the general comments: the worked solution)
        assert [c.findtext(".//t:varequal", namespaces=NS) for c in conditions[1:]] == first
    assert checked > 400


def test_canvas_asks_the_instructed_precision_unless_the_list_would_be_too_long(wide_record):
    quiz = build_quiz(wide_record)
    instructions = quiz.instructions
    for question in quiz.questions:
        for blank, result in zip(question.blanks, accepted.for_question(question.blanks, instructions)):
            asked = accepted.requested(blank, instructions)
            if result.precision != asked:  # coarsened only because the list would be too long
                assert len(accepted.accepted(blank, asked).strings) > accepted.MAX_PER_BLANK
                assert result.precision.kind == asked.kind and result.precision.digits < asked.digits
            else:
                assert asked.kind == ("decimals" if blank.parameter else "significant")


def test_canvas_hand_rounded_answers_typed_at_the_asked_precision_are_accepted(wide_record):
    quiz = build_quiz(wide_record)
    for question in quiz.questions:
        hand = hand_rounded(question.spec, 4, 6)
        lists = accepted.for_question(question.blanks, quiz.instructions)
        for blank, result in zip(question.blanks, lists):
            typed = _round(hand[blank.item], result.precision)
            assert (typed in result.strings) == blank.accepts(float(typed)), (blank.item, typed)
            if result.precision == accepted.requested(blank, quiz.instructions):
                assert typed in result.strings  # the honest student's own string


def _round(x: float, precision: accepted.Precision) -> str:
    if x == 0:
        return "0"
    if precision.kind == "decimals":
        return fixed_point(round(x * 10**precision.digits), precision.digits)
    text = f"{x:.{precision.digits - 1}e}"
    mantissa, exponent = text.split("e")
    decimals = precision.digits - 1 - int(exponent)
    return f"{float(text):.{max(decimals, 0)}f}"


@given(st.floats(min_value=-50, max_value=50, allow_nan=False).filter(lambda v: abs(v) > 1e-6),
       st.one_of(st.none(), st.floats(min_value=-2, max_value=2)),
       st.integers(min_value=2, max_value=5), st.integers(min_value=3, max_value=7))
def test_accepted_strings_match_an_independent_enumeration(value, old, figures, decimals):
    tol = tolerance(value, old, Instructions(figures, decimals))
    blank = Blank("z1[1]", repr(value), value, tol, old)
    result = accepted.for_question([blank], Instructions(figures, decimals))[0]
    assert set(result.strings) == expected_strings(value, tol, result.precision)
    assert len(result.strings) <= accepted.MAX_PER_BLANK or result.precision.coarser() is None
    assert all(blank.accepts(float(s)) for s in result.strings)


def test_a_question_with_too_many_strings_coarsens_its_largest_blanks():
    instructions = Instructions(5, 6)  # 5 figures: up to 2000 strings a blank before the caps
    blanks = [Blank(f"z1[{i}]", "9.5", 9.5, tolerance(9.5, None, Instructions(significant_figures=5)), None) for i in range(1, 61)]
    lists = accepted.for_question(blanks, instructions)
    assert sum(len(a.strings) for a in lists) <= accepted.MAX_PER_QUESTION
    assert all(len(a.strings) <= accepted.MAX_PER_BLANK for a in lists)
    assert {a.precision.label() for a in lists} <= {"4 significant figures", "3 significant figures"}


def test_a_variant_asking_one_number_is_a_numerical_question_with_a_range(fixed_record):
    quiz = build_quiz(fixed_record)
    _, root = assessment(written(canvas.write, quiz))
    group = root.findall("t:assessment/t:section/t:section", NS)[2]  # q3 asks only the loss
    (item,) = group.findall("t:item", NS)
    assert field(item, "question_type") == "numerical_question"
    (_, _, value, tol), = expected_blanks(fixed_record.variants[2], instructions_of(fixed_record))
    assert fixed_record.variants[2].exercise == "q3"
    low = float(item.findtext(".//t:conditionvar/t:vargte", namespaces=NS))
    high = float(item.findtext(".//t:conditionvar/t:varlte", namespaces=NS))
    assert (low, high) == (value - tol, value + tol)
    assert item.find(".//t:render_fib", NS).get("fibtype") == "Decimal"


def test_canvas_hostile_title_stays_text(fixed_record):
    files, root = assessment(written(canvas.write, build_quiz(fixed_record)))
    for item in root.iter(f"{{{canvas.QTI12}}}item"):
        text = item.findtext("t:presentation/t:material/t:mattext", namespaces=NS)
        page = lxml_html.fromstring(text)
        assert not page.xpath("//script")
        assert "]]><script>alert(1)</script>" in page.text_content()
        assert "[b1]" in page.text_content() or field(item, "question_type") == "numerical_question"
        assert "&#91;b1&#93;" in text  # the title's "[b1]" is no blank
    meta = etree.fromstring(next(v for k, v in files.items() if k.endswith("assessment_meta.xml")))
    assert meta.findtext(f"{{{canvas.CCCV}}}title") == fixed_record.title
    assert float(meta.findtext(f"{{{canvas.CCCV}}}points_possible")) == 11


@pytest.mark.parametrize("value,tol,label,expected", [
    (0.8249137, 0.008249137, "4 significant figures", {"0.8249", "0.8167", "0.8331", "0.817", "0.82", "0.83"}),
    (-0.5456, 0.0015, "6 decimals", {"-0.545600", "-0.5456", "-0.547099", "-0.544101", "-0.5441"}),
    (0.0, 1e-12, "4 significant figures", {"0", "0.0", "0.000", "0.0000"}),
])
def test_accepted_strings_examples(value, tol, label, expected):
    blank = Blank("x", repr(value), value, tol, None)
    strings = set(accepted.accepted(blank, precision_of(label)).strings)
    assert expected <= strings
    assert not {"0.8166", "0.8332", "-0.547101", "0.0000000001"} & strings
