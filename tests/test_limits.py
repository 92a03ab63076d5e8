"""Numbers at the edges and size limits (issue 12): every number in every numeric field of a
spec or an assignment file, at any size, NaN or infinite, is read or refused with one line
naming the field — never a traceback, never minutes of work; every size limit of
``exgen.limits`` is enforced before the work it bounds, with a message naming the field, file
or line."""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from exgen import limits
from exgen.cli import cli
from exgen.engine.documents import DocumentError, check_nesting, load
from exgen.engine.numbers import LiteralError, literal, shown
from exgen.engine.solver import SolveError, solve
from exgen.engine.spec import SpecError, load_documents, parse_spec
from exgen.grading.sheet import SheetError, read_sheet
from exgen.variants.assignment import AssignmentError, parse_assignment
from exgen.variants.roster import RosterError, read_roster
from tests.strategies import specs

EXAMPLES = Path(__file__).parents[1] / "examples"
#: Not a performance bound (those live in bench/): a hang detector. Every refusal here takes
#: milliseconds; before this work some took minutes.
HANG = 5.0


# -- numbers as people (and attackers) write them ------------------------------------------------
def digits(n: int) -> str:
    return "9" * n


EDGE_TOKENS = ["1e308", "-1e308", "1e-999999999", "1e999999999", "-1e999999999", "1e-300", "5e-324",
               "nan", "+nan", "-nan", "inf", "+inf", "-inf", digits(5000), "-" + digits(5000), digits(4300),
               digits(20), "0.1234567890123456789", "1000000.5", "1000001", "0.0000009", "1e6", "-1e-6",
               "0", "-0.0", "0e999999999", "1.5" + "0" * 3000, "0." + "0" * 3000 + "1", "12", "0.5", "2"]


@st.composite
def number_tokens(draw):
    """A TOML number token: the edges above, or one built from random parts."""
    if draw(st.booleans()):
        return draw(st.sampled_from(EDGE_TOKENS))
    sign = draw(st.sampled_from(["", "-", "+"]))
    whole = draw(st.text("0123456789", min_size=1, max_size=30).filter(lambda s: s == "0" or s[0] != "0"))
    fraction = draw(st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=30).map(lambda s: "." + s)))
    exponent = draw(st.one_of(st.just(""), st.integers(-10**10, 10**10).map(lambda e: f"e{e}")))
    return sign + whole + fraction + exponent


#: Every numeric field of an assignment file, as a template with one {} for the number.
HEAD = 'name = "hw"\nseed = 7\n'
EX = '[[exercise]]\nid = "q1"\npreset = "two-layer"\n'
SPEC = ('[[exercise]]\nid = "q1"\n[exercise.spec]\ninput = [{x}, 2]\ntarget = [{t}]\nloss = "squared_error"\n'
        'learning_rate = {lr}\n[[exercise.spec.layers]]\nweights = [[{w}, 0.5]]\nbias = [{b}]\n'
        'activation = "leaky_relu"\nnegative_slope = {s}\n')
ASSIGNMENT_FIELDS = {
    "seed": 'name = "hw"\nseed = {}\n' + EX,
    "exercise[1].points": HEAD + EX + "points = {}\n",
    "instructions.significant_figures": HEAD + "[instructions]\nsignificant_figures = {}\n" + EX,
    "instructions.parameter_decimals": HEAD + "[instructions]\nparameter_decimals = {}\n" + EX,
    "grading.follow_through_credit": HEAD + "[grading]\nfollow_through_credit = {}\n" + EX,
    "exercise[1].family.inputs": HEAD + EX + "[exercise.family]\ninputs = {}\n",
    "exercise[1].family.layers[1]": HEAD + EX + "[exercise.family]\nlayers = [{}, 1]\n",
    "exercise[1].family.batch_size": HEAD + EX + "[exercise.family]\nbatch_size = {}\n",
    "exercise[1].family.dead_units": HEAD + EX + "[exercise.family]\ndead_units = {}\n",
    "exercise[1].family.negative_slope": HEAD + EX + '[exercise.family]\nactivations = ["leaky_relu", "sigmoid"]\n'
                                                     "negative_slope = {}\n",
    "exercise[1].family.learning_rate[1]": HEAD + EX + "[exercise.family]\nlearning_rate = [{}]\n",
    "exercise[1].family.weights[2]": HEAD + EX + "[exercise.family]\nweights = [0.5, {}]\n",
    "exercise[1].family.input.min": HEAD + EX + "[exercise.family]\ninput = {{min = {}, max = 2, step = 0.5}}\n",
    "exercise[1].family.bias.max": HEAD + EX + "[exercise.family]\nbias = {{min = -1, max = {}, step = 0.5}}\n",
    "exercise[1].family.target.step": HEAD + EX + "[exercise.family]\ntarget = {{min = 0, max = 1, step = {}}}\n",
    "exercise[1].family.weights.exclude[1]": HEAD + EX + "[exercise.family]\nweights = {{min = -1, max = 1, "
                                                         "step = 0.5, exclude = [{}]}}\n",
    "exercise[1].spec.input[1]": HEAD + SPEC.format(x="{}", t=1, lr=0.1, w=0.5, b=0, s=0.1),
    "exercise[1].spec.target": HEAD + SPEC.format(x=1, t="{}", lr=0.1, w=0.5, b=0, s=0.1),
    "exercise[1].spec.learning_rate": HEAD + SPEC.format(x=1, t=1, lr="{}", w=0.5, b=0, s=0.1),
    "exercise[1].spec.layers[1].weights[1][1]": HEAD + SPEC.format(x=1, t=1, lr=0.1, w="{}", b=0, s=0.1),
    "exercise[1].spec.layers[1].bias[1]": HEAD + SPEC.format(x=1, t=1, lr=0.1, w=0.5, b="{}", s=0.1),
    "exercise[1].spec.layers[1].negative_slope": HEAD + SPEC.format(x=1, t=1, lr=0.1, w=0.5, b=0, s="{}"),
}


def one_line(message: str) -> bool:
    return "\n" not in message.strip() and "Decimal(" not in message and "mpq(" not in message


@settings(max_examples=300)
@given(field=st.sampled_from(sorted(ASSIGNMENT_FIELDS)), token=number_tokens())
def test_any_number_in_any_field_of_an_assignment_is_read_or_refused_by_name(field, token):
    text = ASSIGNMENT_FIELDS[field].format(token)
    start = time.perf_counter()
    try:
        parse_assignment(text)
    except AssignmentError as e:
        message = str(e)
        assert one_line(message), message
        # named by its field (a grid or a fixed spec may be named as a whole: "max is below min",
        # "cannot compute loss"), or by its line when the TOML reader cannot even hold the number
        named = ".".join(field.split(".")[:2]).split("[")[0] if field.startswith(("instructions", "grading")) \
            else ".".join(field.split(".")[:2])
        assert message.startswith((named, "line ")), message
    assert time.perf_counter() - start < HANG


@settings(max_examples=200)
@given(field=st.sampled_from(["input", "target", "learning_rate", "weights", "bias", "negative_slope"]),
       token=number_tokens(), as_json=st.booleans())
def test_any_number_in_any_field_of_a_spec_gives_exit_0_or_2_with_one_line(tmp_path_factory, field, token,
                                                                           as_json):
    values = {"input": "1", "target": "1", "learning_rate": "0.1", "weights": "0.5", "bias": "0",
              "negative_slope": "0.1"}
    if as_json:  # JSON writes the non-finite numbers its own way
        token = {"nan": "NaN", "+nan": "NaN", "-nan": "NaN", "inf": "Infinity", "+inf": "Infinity",
                 "-inf": "-Infinity"}.get(token, token.lstrip("+"))
    values[field] = token
    v = values
    if as_json:
        text = (f'{{"input": [{v["input"]}, 2], "target": [{v["target"]}], "loss": "squared_error", '
                f'"learning_rate": {v["learning_rate"]}, "layers": [{{"weights": [[{v["weights"]}, 0.5]], '
                f'"bias": [{v["bias"]}], "activation": "leaky_relu", "negative_slope": {v["negative_slope"]}}}]}}')
    else:
        text = SPEC.replace("[[exercise]]\nid = \"q1\"\n[exercise.spec]\n", "").replace("exercise.spec.", "")
        text = text.format(x=v["input"], t=v["target"], lr=v["learning_rate"], w=v["weights"], b=v["bias"],
                           s=v["negative_slope"])
    path = tmp_path_factory.mktemp("spec") / ("spec.json" if as_json else "spec.toml")
    path.write_text(text)
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["solve", str(path), "--json"])
    assert time.perf_counter() - start < HANG
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert isinstance(result.exception, SystemExit)  # a message, not a traceback
        assert len(result.output.strip().splitlines()) == 1 and one_line(result.output), result.output
    else:
        json.loads(result.output, parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))


@pytest.mark.parametrize("written,shown_as", [
    ("1e308", "1e308"), ("-1e308", "-1e308"), ("1e-999999999", "1e-999999999"), ("1E+20", "1e20"),
    ("nan", "nan"), ("inf", "inf"), ("-inf", "-inf"), ("0.000001", "0.000001"), ("1.5e-9", "1.5e-9"),
])
def test_messages_show_numbers_as_written(written, shown_as):
    with pytest.raises(AssignmentError) as info:
        parse_assignment(HEAD + EX + f"points = {written}\n")
    assert str(info.value).endswith(f"got {shown_as}") and "Decimal" not in str(info.value)


def test_grid_values_are_shown_as_written_too():
    with pytest.raises(AssignmentError, match=r"weights\[2\]: 1.505 has more than 2 decimals"):
        parse_assignment(HEAD + EX + "[exercise.family]\nweights = [0.5, 1.505]\n")
    assert shown(Decimal("1.50")) == "1.50" and shown(10**5000) == "a whole number of about 5,000 digits"


def test_the_literal_reader_at_its_limits():
    bound, least = 10**limits.MAGNITUDE, Decimal(1).scaleb(-limits.MAGNITUDE)
    assert literal(bound) == bound and literal(-bound) == -bound
    assert literal(least) * bound == 1 and literal(Decimal("0e-999999999")) == 0
    assert literal(Decimal("0.123456789012345")) * 10**15 == 123456789012345
    assert literal(Decimal("1.5" + "0" * 3000)) * 2 == 3  # trailing zeros are not significant
    for value, reason in [(bound + 1, "between -1e6 and 1e6"), (Decimal("9.99e-7"), "at least 1e-6 away from 0"),
                          (Decimal("0.1234567890123456"), "more than 15 significant digits"),
                          (10**5000, "a whole number of about 5,000 digits"), (True, "got true (a boolean)"),
                          (float("nan"), "got nan"), ("1", "the text '1'"), ([1], "a list")]:
        with pytest.raises(LiteralError, match=re.escape(reason)):
            literal(value)


# -- nesting ----------------------------------------------------------------------------------
@settings(max_examples=40)
@given(depth=st.integers(1, 20_000), kind=st.sampled_from(["json-array", "json-object", "toml-array",
                                                          "toml-inline", "toml-dotted"]))
def test_nesting_of_any_depth_is_read_or_refused_without_recursion(depth, kind):
    text = {
        "json-array": "[" * depth + "]" * depth,
        "json-object": '{"a": ' * depth + "1" + "}" * depth,
        "toml-array": "a = " + "[" * depth + "]" * depth,
        "toml-inline": "a = " + "{b = " * depth + "1" + "}" * depth,
        "toml-dotted": "a" + ".a" * depth + " = 1",
    }[kind]
    start = time.perf_counter()
    try:
        load(text, kind.split("-")[0])
        assert depth <= limits.MAX_NESTING
    except DocumentError as e:
        assert depth >= limits.MAX_NESTING - 1 and "line 1, column" in str(e)
    assert time.perf_counter() - start < HANG


def test_brackets_dots_and_quotes_inside_strings_and_comments_are_not_nesting():
    text = ('title = "a[[[[{{{{.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.1.2.3.4.5.6.7.8.9"\n'
            "course = 'x[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['  # ]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]] {{{{{{{\n"
            'note = """\n' + "[" * 100 + '\n"""\n' + "other = '''" + "{" * 100 + "'''\n"
            + "a.b.c = [0.5, 1.5, 2.5, 3.5]\n" + "[t.u]\nv = {w.x = 1}\n")
    check_nesting(text, "toml")
    assert load(text, "toml")["a"]["b"]["c"][1] == Decimal("1.5")
    check_nesting(json.dumps({"s": "[" * 100 + '\\"' + "{" * 100, "t": [[[1]]]}), "json")


def _scanned_depth(text: str) -> int:
    """The deepest nesting outside strings, token by token (the slow scan's reading)."""
    depth = deepest = 0
    for token in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(token.group(), 0)
        deepest = max(deepest, depth)
    return deepest


@settings(max_examples=300)
@given(*[st.lists(st.sampled_from(["[", "]", "{", "}", '"', "\\", "a", "é", ","]), max_size=30)] * 3,
       st.integers(0, 40))
def test_the_fast_json_nesting_check_agrees_with_the_scan(before, inside, after, extra):
    """check_nesting's C-speed path for JSON (brackets outside strings, balanced, shallow)
    refuses exactly what the token scan refuses, escapes and unclosed strings included."""
    text = "".join(before) + "[" * extra + "".join(inside) + "]" * extra + "".join(after)
    too_deep = _scanned_depth(text) > limits.MAX_NESTING
    try:
        check_nesting(text, "json")
        assert not too_deep
    except DocumentError:
        assert too_deep


@pytest.mark.parametrize("command,file,text", [
    ("solve", "spec.json", '{"input": ' + "[" * 5000 + "]" * 5000 + "}"),
    ("solve", "spec.toml", "input = " + "[" * 5000 + "]" * 5000),
    ("assign", "hw.toml", HEAD + "course = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n"),
])
def test_5000_levels_are_a_one_line_error(tmp_path, command, file, text):
    path = tmp_path / file
    path.write_text(text)
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id\ns1\n")
    args = [command, str(path)] + (["--roster", str(roster)] if command == "assign" else [])
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'x.db'}", *args])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert f"nested deeper than {limits.MAX_NESTING} levels" in result.output
    assert len(result.output.strip().splitlines()) == 1


# -- sizes of networks, assignments, rosters and sheets --------------------------------------------
def network(inputs=2, units=2, layers=2, batch=None, outputs=1) -> dict:
    doc, prev = {"layers": []}, inputs
    for l in range(layers):
        size = outputs if l == layers - 1 else units
        doc["layers"].append({"weights": [[0.1] * prev for _ in range(size)], "bias": [0.1] * size,
                              "activation": "identity"})
        prev = size
    x, y = [1] * inputs, [0.5] * outputs
    doc.update(input=x if batch is None else [x] * batch, target=y if batch is None else [y] * batch,
               loss="squared_error", learning_rate=0.1)
    return doc


@pytest.mark.parametrize("over,field", [
    (dict(inputs=limits.MAX_INPUTS + 1), "input: has 17 inputs; at most 16"),
    (dict(units=limits.MAX_UNITS + 1), "layers[1].weights: has 17 rows (units); at most 16"),
    (dict(layers=limits.MAX_LAYERS + 1), "layers: has 9 layers; at most 8"),
    (dict(batch=limits.MAX_BATCH + 1), "input: has 17 samples; at most 16"),
])
def test_spec_sizes_beyond_the_limits_are_refused_by_field(over, field):
    with pytest.raises(SpecError, match=re.escape(field)):
        parse_spec(network(**over))
    at_limit = {k: v - 1 for k, v in over.items()}
    parse_spec(network(**at_limit))


def test_family_sizes_beyond_the_limits_are_refused_by_field():
    cases = [("inputs = 17", "family.inputs: must be a whole number from 1 to 16, got 17"),
             ("layers = [17, 1]", "family.layers[1]: must be a whole number from 1 to 16, got 17"),
             ("layers = [1, 1, 1, 1, 1, 1, 1, 1, 1]", "family.layers: has 9 layers; at most 8"),
             ("batch_size = 17", "family.batch_size: must be a whole number from 1 to 16, got 17"),
             (f"layers = [{digits(4000)}, 1]", "family.layers[1]: must be a whole number from 1 to 16, got a whole "
                                               "number of about 4,000 digits"),
             ("weights = {min = 0, max = 1000, step = 0.01}", "family.weights: more than 10000 values")]
    for table, message in cases:
        with pytest.raises(AssignmentError, match=re.escape(message)):
            parse_assignment(HEAD + EX + "[exercise.family]\n" + table + "\n")


def test_exercises_and_answer_sheet_columns_are_limited():
    many = "".join(f'[[exercise]]\nid = "q{n}"\npreset = "single-neuron"\n' for n in range(limits.MAX_EXERCISES + 1))
    with pytest.raises(AssignmentError, match="exercise: has 51 exercises; at most 50"):
        parse_assignment(HEAD + many)
    wide = ('[[exercise]]\nid = "q{n}"\npreset = "two-layer"\n[exercise.family]\ninputs = 16\nlayers = [16, 16, 16, 16]\n'
            'activations = ["relu", "relu", "relu", "sigmoid"]\n')
    with pytest.raises(AssignmentError, match=r"exercise\[\d+\]: brings the answer sheet to \d+ items \(columns\); "
                                              r"at most 16383"):
        parse_assignment(HEAD + "".join(wide.format(n=n) for n in range(10)))


def roster_bytes(rows: list[str], header="student_id,name") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def test_a_roster_at_the_student_limit_is_read_and_one_more_refused_by_line():
    rows = [f"s{n},Student {n}" for n in range(limits.MAX_STUDENTS)]
    assert len(read_roster(roster_bytes(rows + [""] * 3), "r.csv")) == limits.MAX_STUDENTS  # blank lines are free
    with pytest.raises(RosterError, match=f"r.csv: line {limits.MAX_STUDENTS + 2}: more than 20000 students"):
        read_roster(roster_bytes(rows + ["one,More"]), "r.csv")


@pytest.mark.parametrize("row,message", [
    ('"s\x001",Ann', "line 2, column 1: contains a control character (U+0000)"),
    ("s1,A\x00nn", "line 2, column 2: contains a control character (U+0000)"),
    ('"s\n1",Ann', "line 2, column 1: contains a control character (U+000A)"),
    ("s1,\x1b[2JAnn", "line 2, column 2: contains a control character (U+001B)"),
    ("s1,Ann\u2028Bob", "line 2, column 2: contains a control character (U+2028)"),
    ("s1,Ann,\x07", "line 2, column 3: contains a control character (U+0007)"),
    ("s1," + "A" * 301, "line 2, column 2 (name): a name of 301 characters; at most 300"),
    ("s1,Ann," + "x" * 1001, "line 2, column 3: a cell of 1001 characters; at most 1000"),
    ("s" * 101 + ",Ann", "student id longer than 100 characters"),
])
def test_roster_cells_that_would_reach_worksheets_and_gradebooks_are_checked(row, message):
    with pytest.raises(RosterError, match=re.escape(message)):
        read_roster(roster_bytes([row], "student_id,name,email"), "r.csv")


def test_roster_columns_and_file_size_are_limited():
    with pytest.raises(RosterError, match="r.csv: line 1: 1001 cells; at most 1000 columns"):
        read_roster(roster_bytes(["s1"], "student_id," + ",".join(f"c{n}" for n in range(1000))), "r.csv")
    with pytest.raises(RosterError, match="larger than 16 MB"):
        read_roster(b"x" * (limits.MAX_ROSTER_FILE + 1), "r.csv")
    # a trailing newline inside a quoted id is trimmed like any surrounding space
    assert read_roster(roster_bytes(['"s1\n",Ann']), "r.csv")[0].student_id == "s1"


ITEMS = ["q1.loss", "q1.yhat[1]"]


def test_answer_sheets_are_limited_and_a_nul_byte_refuses_the_file():
    header = "student_id," + ",".join(ITEMS) + "\n"
    with pytest.raises(SheetError, match=r"a.csv: line 2, column 6: a NUL byte; this is not a CSV text file"):
        read_sheet((header + "s1,0.\x005,1\n").encode(), "a.csv", ITEMS)
    rows = "".join(f"s{n},0.5,1\n" for n in range(limits.MAX_SHEET_ROWS))
    assert len(read_sheet((header + rows).encode(), "a.csv", ITEMS).rows) == limits.MAX_SHEET_ROWS
    with pytest.raises(SheetError, match=f"a.csv: line {limits.MAX_SHEET_ROWS + 2}: more than 50000 rows"):
        read_sheet((header + rows + "x,1,1\n").encode(), "a.csv", ITEMS)
    sheet = read_sheet((header + "s1,0.5," + "1" * 1001 + "\n").encode(), "a.csv", ITEMS)
    row = sheet.rows[0]  # kept with its raw text and the reason, never dropped
    assert row.student_ref == "s1" and row.cells is None and row.raw.endswith("1" * 1001)
    assert row.problem == "column 3: a cell of 1001 characters; at most 1000 (exgen.limits)"
    with pytest.raises(SheetError, match="larger than 64 MB"):
        read_sheet(b" " * (limits.MAX_SHEET_FILE + 1), "a.csv", ITEMS)


# -- file sizes, checked by the commands before they read ------------------------------------------
def sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:  # a hole: no disk space, no time
        handle.truncate(size)
    return path


@pytest.mark.parametrize("args,message", [
    (["solve", "{spec}"], "{spec}: the spec file is larger than 16 MB"),
    (["assign", "{assignment}", "--roster", "{roster}"], "{assignment}: the assignment file is larger than 4 MB"),
    (["assign", str(EXAMPLES / "hw3.toml"), "--roster", "{roster}"], "{roster}: the roster is larger than 16 MB"),
    (["grade", "hw3", "{sheet}"], "{sheet}: the answer sheet is larger than 64 MB"),
])
def test_files_beyond_the_limits_are_refused_before_they_are_read(tmp_path, args, message):
    files = {"spec": sparse(tmp_path / "spec.toml", limits.MAX_SPEC_FILE + 1),
             "assignment": sparse(tmp_path / "hw.toml", limits.MAX_ASSIGNMENT_FILE + 1),
             "roster": sparse(tmp_path / "roster.csv", limits.MAX_ROSTER_FILE + 1),
             "sheet": sparse(tmp_path / "sheet.csv", limits.MAX_SHEET_FILE + 1)}
    url = f"sqlite:///{tmp_path / 'x.db'}"
    if args[0] == "grade":
        roster = tmp_path / "r.csv"
        roster.write_text("student_id\ns1\n")
        assert CliRunner().invoke(cli, ["--db", url, "assign", str(EXAMPLES / "hw3.toml"), "--roster",
                                        str(roster)]).exit_code == 0
    args = [a.format(**files) for a in args]
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["--db", url, *args])
    assert time.perf_counter() - start < HANG
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert message.format(**files) + " (exgen.limits)" in result.output


def test_stdin_beyond_the_limit_is_refused():
    result = CliRunner().invoke(cli, ["solve", "-"], input=b" " * (limits.MAX_SPEC_FILE + 1))
    assert result.exit_code == 2 and "<stdin>: the spec file is larger than 16 MB" in result.output


# -- values the network computes ------------------------------------------------------------------
def test_values_beyond_a_double_are_a_solve_error_not_nan_or_infinity():
    doc = network(inputs=16, units=16, layers=8, outputs=16)
    for layer in doc["layers"]:
        layer["weights"] = [[10**6] * len(layer["weights"][0])] * 16
    doc["input"] = [10**6] * 16
    doc["layers"][-1]["activation"] = "softmax"
    doc["loss"], doc["target"] = "cross_entropy", [1] + [0] * 15
    with pytest.raises(SolveError, match=r"cannot compute yhat\[1\]: the values grow beyond what a double holds"):
        solve(parse_spec(doc))


EXTREMES = st.sampled_from([Decimal(10**limits.MAGNITUDE), Decimal(-10**limits.MAGNITUDE),
                            Decimal(1).scaleb(-limits.MAGNITUDE), Decimal("-0.123456789012345"),
                            Decimal("999999.999999999"), Decimal("0.000001000000001"), Decimal(0)])


@settings(max_examples=80)
@given(spec=specs(max_depth=3, max_width=3), data=st.data())
def test_extreme_valid_literals_solve_to_finite_values_or_a_solve_error(spec, data):
    """Literals at the edges of the limits anywhere in a spec: the exact solution holds only
    finite doubles (strict JSON), or the solver says why it cannot."""
    def extreme(value):
        return data.draw(EXTREMES) if data.draw(st.integers(0, 3)) == 0 else value

    def walk(x):
        return [walk(v) for v in x] if isinstance(x, list) else extreme(x)

    for layer in spec["layers"]:
        layer["weights"], layer["bias"] = walk(layer["weights"]), walk(layer["bias"])
    spec["input"] = walk(spec["input"])
    spec["learning_rate"] = data.draw(st.sampled_from([spec["learning_rate"], Decimal(10**6), Decimal("1e-6")]))
    try:
        solution = solve(parse_spec(spec))
    except (SpecError, SolveError) as e:
        assert one_line(str(e))
        return
    json.dumps(solution.to_json(), allow_nan=False)  # raises on NaN or an infinity


def test_documents_number_tokens_too_long_to_hold_are_named():
    data, _ = load_documents('{"input": [1, ' + digits(5000) + "]}", "json")
    with pytest.raises(SpecError, match=r"input\[2\]: must be written with at most 100 characters, got a "
                                        r"number written with 5000 characters"):
        parse_spec({**network(), "input": data[0]["input"]})


# -- any value of any type in any field -----------------------------------------------------------
TOML_VALUES = st.recursive(
    st.one_of(number_tokens(), st.sampled_from(['"text"', '""', '"q1"', '"two-layer"', '"relu"', "true", "false",
                                                "1979-05-27", "07:32:00", "1979-05-27T07:32:00Z", '"\\u0000"',
                                                '"a\\nb"', '"' + "x" * 500 + '"'])),
    lambda inner: st.one_of(st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
                            st.dictionaries(st.sampled_from(["a", "min", "max", "step", "exclude", "b"]), inner,
                                            max_size=3).map(
                                lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items()) + "}")),
    max_leaves=6)
ANY_FIELD = {
    "name": 'name = {}\nseed = 1\n' + EX, "title": HEAD + "title = {}\n" + EX, "course": HEAD + "course = {}\n" + EX,
    "exercise": HEAD + "exercise = {}\n", "instructions": HEAD + "instructions = {}\n" + EX,
    "exercise[1].id": HEAD + '[[exercise]]\nid = {}\npreset = "two-layer"\n',
    "exercise[1].preset": HEAD + '[[exercise]]\nid = "q1"\npreset = {}\n',
    "exercise[1].ask": HEAD + EX + "ask = {}\n", "exercise[1].family": HEAD + EX + "family = {}\n",
    **{f"exercise[1].family.{key}": HEAD + EX + f"[exercise.family]\n{key} = {{}}\n"
       for key in ("inputs", "layers", "activations", "loss", "input", "weights", "bias", "target", "learning_rate",
                   "negative_slope", "batch_size", "dead_units")},
    **{f"exercise[1].spec.{key}": HEAD + SPEC.format(x=1, t=1, lr=0.1, w=0.5, b=0, s=0.1).replace(
        f"\n{key} = ", f"\n{key} = {{}}\n#") for key in ("input", "target", "loss", "learning_rate", "weights",
                                                         "bias", "activation")},
}


@settings(max_examples=300)
@given(field=st.sampled_from(sorted(ANY_FIELD)), value=TOML_VALUES)
def test_any_value_of_any_type_in_any_field_is_read_or_refused(field, value):
    text = ANY_FIELD[field].replace("{}", value, 1)
    start = time.perf_counter()
    try:
        parse_assignment(text)
    except AssignmentError as e:
        assert one_line(str(e)), str(e)
    assert time.perf_counter() - start < HANG
