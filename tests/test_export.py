"""LMS exports: every blank against the engine's exact values and the grader's tolerance,
schema validity of every QTI file, honest hand rounding accepted, hostile text kept as text.

The other ``test_export_*`` files import the fixtures and helpers defined here.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from exgen.engine.arithmetic import ScalarFloatArithmetic
from exgen.variants.assignment import parse_assignment
from exgen.storage.session import dispose_all, session_scope
from exgen.export import canvas, moodle, qti21
from exgen.render.documents import student_document
from exgen.export.decimals import plain, score_text
from exgen.export.quiz import build_quiz
from exgen.grading.judge import Marker
from exgen.engine.graph import build_graph
from exgen.storage.records import assign, load_assignment
from exgen.variants.roster import read_roster
from exgen.engine.solver import solve
from exgen.engine.spec import parse_spec

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = Path(__file__).parent / "schemas" / "qti21"

#: hw3 plus shapes with other item names: a batch (items carry the sample index), softmax.
WIDE = ROOT.joinpath("examples", "hw3.toml").read_text(encoding="utf-8").replace(
    'name = "hw3"', 'name = "wide"') + """
[[exercise]]
id = "q3"
points = 6
preset = "two-layer"
[exercise.family]
activations = ["leaky_relu", "sigmoid"]
loss = "binary_cross_entropy"
batch_size = 2
negative_slope = 0.1

[[exercise]]
id = "q4"
points = 5
[exercise.family]
inputs = 2
layers = [3, 3]
activations = ["tanh", "softmax"]
loss = "cross_entropy"
input = {min = -1, max = 1, step = 0.5, exclude = [0]}
weights = {min = -1, max = 1, step = 0.1}
bias = {min = -0.2, max = 0.2, step = 0.1}
target = [0, 1]
learning_rate = [0.5, 1]
"""

#: A small fixed assignment (independent of the generator): the seed's two examples, one of
#: them asking a single number (Canvas: a numerical question), and hostile names.
FIXED = """
name = "fixed"
title = "Fixed ]]><script>alert(1)</script> {1:SHORTANSWER:=x} [b1] =1+1"
course = "Golden files"
seed = 1

[instructions]
significant_figures = 4
parameter_decimals = 6

[[exercise]]
id = "q1"
points = 4
[exercise.spec]
input = [3, -1]
target = 2
loss = "squared_error"
learning_rate = 0.05
[[exercise.spec.layers]]
weights = [[0.4, -0.6]]
bias = [0.2]
activation = "identity"

[[exercise]]
id = "q2"
points = 6
ask = ["yhat", "loss", "dL/dW2", "W2_new"]
[exercise.spec]
input = [1, 2]
target = [1.0]
loss = "half_squared_error"
learning_rate = 0.01
[[exercise.spec.layers]]
weights = [[0.5, 0.6], [0.2, 0.3]]
bias = [0.1, 0.1]
activation = "relu"
[[exercise.spec.layers]]
weights = [[0.4, 0.7]]
bias = [0.2]
activation = "sigmoid"

[[exercise]]
id = "q3"
points = 1
ask = ["loss"]
[exercise.spec]
input = [1, 2]
target = [1.0]
loss = "half_squared_error"
learning_rate = 0.01
[[exercise.spec.layers]]
weights = [[0.5, 0.6], [0.2, 0.3]]
bias = [0.1, 0.1]
activation = "relu"
[[exercise.spec.layers]]
weights = [[0.4, 0.7]]
bias = [0.2]
activation = "sigmoid"
"""

FIXED_ROSTER = (
    "student_id,name,email,section\n"
    's001,"]]><script>alert(1)</script>",ada@example.edu,A\n'
    's002,"=HYPERLINK(""http://evil.example"",""click"")",@evil.example,-1+1\n'
    "s003,Kurt Gödel,kurt@example.edu,B\n"
)


def roster_of(n: int) -> str:
    return "student_id,name\n" + "".join(f"s{i:03d},Student {i}\n" for i in range(1, n + 1))


def create(url: str, assignment_text: str, roster_text: str) -> str:
    definition = parse_assignment(assignment_text)
    with session_scope(url) as session:
        assign(session, definition, read_roster(roster_text.encode("utf-8"), "roster.csv"))
    return definition.name


def load(url: str, name: str):
    with session_scope(url) as session:
        return load_assignment(session, name)


@pytest.fixture
def sqlite_url(tmp_path):
    yield f"sqlite:///{tmp_path / 'export.db'}"
    dispose_all()


@pytest.fixture(scope="module")
def wide_record(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('wide') / 'wide.db'}"
    record = load(url, create(url, WIDE, roster_of(12)))
    dispose_all()
    return record


@pytest.fixture(scope="module")
def fixed_record(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('fixed') / 'fixed.db'}"
    record = load(url, create(url, FIXED, FIXED_ROSTER))
    dispose_all()
    return record


@pytest.fixture(scope="module")
def schemas():
    return {
        "qti": etree.XMLSchema(etree.parse(str(SCHEMAS / "qtiv2p1" / "imsqti_v2p1.xsd"))),
        "cp": etree.XMLSchema(etree.parse(str(SCHEMAS / "imscp_v1p1.xsd"))),
    }


# -- independent expectations ----------------------------------------------------------------
def expected_blanks(variant, instructions) -> list[tuple[str, str, float, float]]:
    """(item, exact string, value, tolerance) per asked item: the exact string from a fresh
    solve of the stored spec, the tolerance from the grader's own Marker."""
    solution = solve(parse_spec(variant.spec_doc))
    graph = solution.graph
    key_of = {graph.item(cell.key): cell.key for cell in graph.cells}
    marker = Marker.for_variant(variant, instructions)
    out = []
    for item in variant.asked:
        key = key_of[item]
        exact = solution.exact_text(key)
        assert exact == variant.exact[item]
        out.append((item, exact, float(exact), marker.tolerance[key]))
    return out


def variants_by_code(record) -> dict:
    return {(v.exercise, v.code): v for v in record.variants}


def instructions_of(record) -> dict:
    return record.definition["instructions"]


def hand_rounded(spec, figures: int, decimals: int) -> dict:
    """Every cell computed from the previous cells as a student writes them down: rounded to
    ``figures`` significant figures, updated parameters to ``decimals`` decimals."""
    graph = build_graph(spec.architecture)
    values = {key: float(v) for key, v in spec.given_values().items()}
    arithmetic = ScalarFloatArithmetic()
    for step in graph.steps:
        for cell in step.cells:
            v = cell.compute(values, arithmetic)
            values[cell.key] = round(v, decimals) if step.stage == "update" else float(f"{v:.{figures - 1}e}")
    return {graph.item(key): v for key, v in values.items() if key in graph.cell_of}


def worksheet_labels(record, variant) -> dict[str, str]:
    """item -> the label of its answer box on the student's PDF worksheet."""
    student = next(s for s in record.students if s["student_id"] == variant.student_id)
    document = student_document(record, student, "worksheet")
    exercise = next(e for e in document.exercises if e.key == variant.exercise)
    return {box.item.split(".", 1)[1]: box.label for stage in exercise.stages for box in stage.boxes}


def written(write, quiz) -> bytes:
    """What a quiz writer streams, as bytes."""
    out = io.BytesIO()
    write(quiz, out)
    return out.getvalue()


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


CLOZE = re.compile(r"\{1:NUMERICAL:=(-?[0-9.]+):([0-9.]+)\}")
#: Moodle's own test of a NUMERICAL alternative (qtype_multianswer: NUMERICAL_ALTERNATIVE_REGEX).
MOODLE_NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
MOODLE_ALTERNATIVE = re.compile(f"^({MOODLE_NUMBER})(:{MOODLE_NUMBER})?$")


def moodle_questions(data: bytes) -> list[dict]:
    """Per cloze question: its name, its text, and its answer rows (label, blank, round to)."""
    root = etree.fromstring(data)
    out = []
    for question in root.iter("question"):
        if question.get("type") != "cloze":
            continue
        text = question.findtext("questiontext/text")
        page = lxml_html.fromstring(text)
        rows = [[td.text_content() for td in tr.findall("td")]
                for tr in page.xpath('//table[@class="exgen-answers"]//tr')]
        out.append({"name": question.findtext("name/text"), "html": text, "page": page,
                    "rows": [r for r in rows if len(r) == 3], "element": question})
    return out


# -- numbers -----------------------------------------------------------------------------------
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_plain_numbers_read_back_exactly_and_never_carry_a_plus_or_an_exponent(x):
    text = plain(x)
    assert float(text) == x or (x == 0 and text == "0")
    assert "+" not in text and "e" not in text.lower()
    assert re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text)


def test_score_text():
    assert [score_text(x) for x in (12.5, 14.0, 28 / 3, 0.0, 1e-9)] == ["12.5", "14", "9.3333", "0", "0"]


# -- the quiz model ------------------------------------------------------------------------------
def test_one_question_per_distinct_variant(fixed_record, wide_record):
    quiz = build_quiz(fixed_record)  # fixed specs: every student has the same variant
    assert [len(bank.questions) for bank in quiz.exercises] == [1, 1, 1]
    assert [bank.questions[0].students for bank in quiz.exercises] == [3, 3, 3]
    quiz = build_quiz(wide_record)  # generated: one per student (the generator makes them distinct)
    assert [len(bank.questions) for bank in quiz.exercises] == [12] * 4
    assert len({q.ident for q in quiz.questions}) == 48


def test_a_quiz_keeps_no_solution_of_the_class(sqlite_url):
    """Memory stays flat as the class grows: the quiz holds specs and blanks, and a question's
    worked solution is solved when a writer asks for it — the stored exact values again."""
    record = load(sqlite_url, create(sqlite_url, WIDE, roster_of(3)))
    quiz = build_quiz(record)
    assert all("solution" not in vars(v) for v in record.variants)
    for question in quiz.questions:
        exact = {item: question.solution.exact_text(key) for item, key in question.solution.items()}
        assert [exact[b.item] for b in question.blanks] == [b.exact for b in question.blanks]


def test_blanks_are_the_stored_exact_values_with_the_graders_tolerance(wide_record):
    quiz = build_quiz(wide_record)
    variants = variants_by_code(wide_record)
    for question in quiz.questions:
        variant = variants[(question.exercise, question.code)]
        expected = expected_blanks(variant, instructions_of(wide_record))
        assert [(b.item, b.exact, b.value, b.tolerance) for b in question.blanks] == expected
        for blank in question.blanks:  # updated parameters: judged by the update
            assert blank.parameter == blank.item.split("[")[0].endswith("_new")
            if blank.parameter:
                assert not blank.accepts(blank.old) or blank.value == blank.old


def test_honest_hand_rounding_falls_within_every_blank(wide_record):
    """A student who rounds every intermediate to 4 figures (parameters to 6 decimals) is
    inside every interval the exports write (the generator guarantees 1 %)."""
    quiz = build_quiz(wide_record)
    checked = 0
    for question in quiz.questions:
        hand = hand_rounded(question.spec, 4, 6)
        for blank in question.blanks:
            assert blank.accepts(hand[blank.item]), (question.code, blank.item, hand[blank.item], blank)
            checked += 1
    assert checked > 500


# -- Moodle --------------------------------------------------------------------------------------
def test_moodle_every_blank_matches_the_engine_and_the_grader(wide_record):
    data = written(moodle.write, build_quiz(wide_record))
    root = etree.fromstring(data)
    categories = [q.findtext("category/text") for q in root.iter("question") if q.get("type") == "category"]
    assert categories == [f"$course$/top/wide/{key}" for key in ("q1", "q2", "q3", "q4")]
    variants = variants_by_code(wide_record)
    questions = moodle_questions(data)
    assert len(questions) == len(wide_record.variants)
    for question in questions:
        exercise, _, code = question["name"].split(" ")
        variant = variants[(exercise, code)]
        expected = expected_blanks(variant, instructions_of(wide_record))
        assert len(CLOZE.findall(question["html"])) == len(expected)
        assert len(question["rows"]) == len(expected)
        on_pdf = worksheet_labels(wide_record, variant)
        for (label, blank, _), (item, exact, value, tol) in zip(question["rows"], expected):
            assert label == on_pdf[item]  # the quantity named as on the worksheet
            answer, tolerance = CLOZE.fullmatch(blank).groups()
            assert float(answer) == value and float(tolerance) == tol
            assert MOODLE_ALTERNATIVE.match(f"{answer}:{tolerance}")
        # the diagram is embedded in the question and shown inline
        attached = question["element"].find("questiontext/file")
        assert attached.get("encoding") == "base64" and attached.text
        assert question["page"].xpath("//img/@src") == [f"@@PLUGINFILE@@/{attached.get('name')}"]


def test_moodle_title_cannot_open_a_subquestion_or_end_the_cdata(fixed_record):
    data = written(moodle.write, build_quiz(fixed_record))
    assert data.count(b"<script>") == 0
    for question in moodle_questions(data):
        html = question["html"]
        # only our own NUMERICAL blanks are cloze codes; the title's braces are references
        assert len(re.findall(r"\{[^}]*\}", html)) == len(question["rows"])
        assert "&#123;1:SHORTANSWER:=x&#125;" in html
        assert not question["page"].xpath("//script")
        assert "]]><script>alert(1)</script>" in question["page"].text_content()


# -- QTI 2.1 -------------------------------------------------------------------------------------
def test_qti21_every_file_is_valid_against_the_ims_schemas(wide_record, fixed_record, schemas):
    for record in (wide_record, fixed_record):
        files = zip_members(written(qti21.write, build_quiz(record)))
        for name, data in files.items():
            if not name.endswith(".xml"):
                continue
            schema = schemas["cp"] if name == "imsmanifest.xml" else schemas["qti"]
            document = etree.fromstring(data)
            assert schema.validate(document), (name, schema.error_log)


def test_qti21_validation_would_catch_a_broken_item(fixed_record, schemas):
    files = zip_members(written(qti21.write, build_quiz(fixed_record)))
    name = next(n for n in files if n.startswith("items/"))
    document = etree.fromstring(files[name])
    equal = document.find(f".//{{{qti21.QTI}}}equal")
    equal.set("toleranceMode", "percent")  # not a mode QTI knows
    assert not schemas["qti"].validate(document)


def test_qti21_responses_are_the_exact_values_with_absolute_tolerance(wide_record):
    files = zip_members(written(qti21.write, build_quiz(wide_record)))
    manifest = etree.fromstring(files["imsmanifest.xml"])
    ns = {"cp": qti21.CP, "q": qti21.QTI}
    listed = {f.get("href") for f in manifest.iterfind(".//cp:file", ns)}
    assert listed == set(files) - {"imsmanifest.xml"}  # every file is declared, nothing else
    items = manifest.findall(".//cp:resource[@type='imsqti_item_xmlv2p1']", ns)
    assert len(items) == len(wide_record.variants)
    variants = {v.code: v for v in wide_record.variants}
    for resource in items:
        item = etree.fromstring(files[resource.get("href")])
        code = item.get("title").rsplit(" ", 1)[1]
        expected = expected_blanks(variants[code], instructions_of(wide_record))
        declarations = item.findall("q:responseDeclaration", ns)
        equals = item.findall(".//q:responseProcessing//q:equal", ns)
        interactions = item.findall(".//q:itemBody//q:textEntryInteraction", ns)
        assert len(declarations) == len(equals) == len(interactions) == len(expected)
        for declaration, equal, interaction, (_, _, value, tol) in zip(declarations, equals, interactions, expected):
            assert declaration.get("baseType") == "float"
            assert float(declaration.findtext("q:correctResponse/q:value", namespaces=ns)) == value
            assert equal.get("toleranceMode") == "absolute" and float(equal.get("tolerance")) == tol
            assert interaction.get("responseIdentifier") == declaration.get("identifier")
            assert equal.find("q:correct", ns).get("identifier") == declaration.get("identifier")
        assert item.findtext("q:outcomeDeclaration[@identifier='MAXSCORE']/q:defaultValue/q:value",
                             namespaces=ns) == str(len(expected))
        image = item.find(".//q:itemBody//q:img", ns).get("src")
        assert image.startswith("../images/") and image[3:] in files


def test_qti21_test_draws_one_variant_per_exercise(wide_record):
    files = zip_members(written(qti21.write, build_quiz(wide_record)))
    ns = {"q": qti21.QTI}
    test = etree.fromstring(files[qti21.TEST_FILE])
    sections = test.findall(".//q:assessmentSection", ns)
    assert [s.get("identifier") for s in sections] == ["S_q1", "S_q2", "S_q3", "S_q4"]
    for section in sections:
        assert section.find("q:selection", ns).get("select") == "1"
        refs = section.findall("q:assessmentItemRef", ns)
        assert len(refs) == 12 and all(ref.get("href") in files for ref in refs)


# -- byte-identical exports ---------------------------------------------------------------------
@pytest.mark.parametrize("writer", [moodle.write, qti21.write, canvas.write], ids=["moodle", "qti21", "canvas"])
def test_the_same_assignment_exports_byte_identical_files(writer, tmp_path):
    """Built twice in two separate databases (other row ids, other timestamps)."""
    outputs = []
    for n in range(2):
        url = f"sqlite:///{tmp_path / f'db{n}.db'}"
        extra = "" if n == 0 else "s999,Someone Else\n"  # a student more changes nobody's variant
        record = load(url, create(url, WIDE, roster_of(3) + extra))
        record.variants = [v for v in record.variants if v.student_id != "s999"]
        outputs.append(written(writer, build_quiz(record)))
        dispose_all()
    assert outputs[0] == outputs[1]


def test_packages_carry_no_dates(fixed_record):
    for writer in (qti21.write, canvas.write):
        with zipfile.ZipFile(io.BytesIO(written(writer, build_quiz(fixed_record)))) as archive:
            assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
