"""exgen answer-sheet: header student_id + every asked item (design §4), one empty row per student."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path


from exgen.grading.sheet import SheetError, read_sheet
from exgen.engine.solver import solve
from exgen.engine.spec import parse_spec
from tests.cli_runner import run

EXAMPLES = Path(__file__).parents[1] / "examples"


def assign(url, tmp_path, roster_ids, extra=""):
    (tmp_path / "hw3.toml").write_text((EXAMPLES / "hw3.toml").read_text() + extra)
    with (tmp_path / "roster.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([["student_id", "name"], *[[sid, f"Name of {sid}"] for sid in roster_ids]])
    run(url, "assign", str(tmp_path / "hw3.toml"), "--roster", str(tmp_path / "roster.csv"))


def expected_items(url, asked=None):
    """From the variants (exgen variants --json) and the solver: every asked cell in work order."""
    variants = json.loads(run(url, "variants", "hw3", "--json").stdout)["variants"]
    items = []
    for exercise in ("q1", "q2"):
        spec = next(v["spec"] for v in variants if v["exercise"] == exercise)
        names = set(asked[exercise]) if asked and asked.get(exercise) else None
        items += [f"{exercise}.{item}" for item, _ in solve(parse_spec(spec)).items(names)]
    return items


def test_the_sheet_has_every_asked_item_and_a_row_per_student(database_url, tmp_path):
    ids = ["s001", "s002", "s010", "a-7"]
    assign(database_url, tmp_path, ids)
    out = tmp_path / "sheet.csv"
    result = run(database_url, "answer-sheet", "hw3", "--out", str(out))
    assert f"answer sheet with 4 students and 42 items written to {out}" in result.stdout
    header, *rows = list(csv.reader(out.open(newline="", encoding="utf-8")))
    assert header == ["student_id", *expected_items(database_url)]
    assert "q2.dL/dW1[1,2]" in header and "q2.W2_new[1,1]" in header and "q1.loss" in header
    assert [row[0] for row in rows] == ids  # roster order
    assert all(row[1:] == [""] * (len(header) - 1) for row in rows)
    assert out.read_bytes().startswith(b"student_id,")  # no BOM: the header is the contract


def test_only_the_asked_quantities_appear(database_url, tmp_path):
    # ask a subset in q2 (given out of order: the sheet follows the order of the work)
    text = (EXAMPLES / "hw3.toml").read_text().replace(
        'preset = "two-layer"', 'preset = "two-layer"\nask = ["dL/dW1", "yhat", "W2_new"]')
    (tmp_path / "hw3.toml").write_text(text)
    (tmp_path / "roster.csv").write_text("student_id,name\ns1,One\n")
    run(database_url, "assign", str(tmp_path / "hw3.toml"), "--roster", str(tmp_path / "roster.csv"))
    result = run(database_url, "answer-sheet", "hw3", "--out", "-")
    header = next(csv.reader(io.StringIO(result.stdout)))
    q2 = [h for h in header if h.startswith("q2.")]
    assert q2 == [i for i in expected_items(database_url, {"q1": None, "q2": ["yhat", "dL/dW1", "W2_new"]})
                  if i.startswith("q2.")]
    assert q2 == ["q2.yhat[1]", "q2.dL/dW1[1,1]", "q2.dL/dW1[1,2]", "q2.dL/dW1[2,1]", "q2.dL/dW1[2,2]",
                  "q2.W2_new[1,1]", "q2.W2_new[1,2]"]


def test_ids_that_look_like_formulas_are_defused_and_still_graded(database_url, tmp_path):
    ids = ["=HYPERLINK(\"http://x\")", "+1", "-s2", "@s3", "plain"]
    assign(database_url, tmp_path, ids)
    out = tmp_path / "sheet.csv"
    run(database_url, "answer-sheet", "hw3", "--out", str(out))
    header, *rows = list(csv.reader(out.open(newline="")))
    assert [row[0] for row in rows] == ["'" + sid for sid in ids[:4]] + ["plain"]
    # the sheet comes back filled in (one answer each): every row finds its student
    for row in rows:
        row[header.index("q1.loss")] = "0.5"
    with out.open("w", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    result = run(database_url, "grade", "hw3", str(out))
    assert "5 students graded" in result.stdout and "0 rows rejected" in result.stdout
    students = json.loads(run(database_url, "results", "hw3", "--json").stdout)["students"]
    assert all(students[sid]["submitted"] for sid in ids)


def test_unknown_assignment_and_unwritable_file(database_url, tmp_path):
    assign(database_url, tmp_path, ["s1"])
    assert "no assignment named 'nope'" in run(database_url, "answer-sheet", "nope", "--out",
                                                str(tmp_path / "x.csv"), code=2).output
    assert not (tmp_path / "x.csv").exists()
    result = run(database_url, "answer-sheet", "hw3", "--out", str(tmp_path / "missing" / "x.csv"), code=2)
    assert "cannot write the answer sheet" in result.output


ITEMS = ["q1.loss", "q1.dL/dW1[1,2]"]


def test_reading_keeps_every_row_raw():
    text = ('student_id,q1.loss,"q1.dL/dW1[1,2]"\r\n'
            's1,0.5,"1,5"\r\n'
            '\r\n'
            's2,"multi\nline",x\r\n'
            's3,1,2,3\r\n'
            ',1,2\r\n')
    sheet = read_sheet(text.encode(), "f.csv", ITEMS)
    assert sheet.columns == ITEMS and sheet.ignored == []
    assert [(r.line, r.raw) for r in sheet.rows] == [
        (2, 's1,0.5,"1,5"'), (4, 's2,"multi\nline",x'), (6, "s3,1,2,3"), (7, ",1,2")]
    assert sheet.rows[0].cells == {"student_id": "s1", "q1.loss": "0.5", "q1.dL/dW1[1,2]": "1,5"}
    assert sheet.rows[2].problem == "4 cells but the header has 3 columns" and sheet.rows[2].cells is None
    assert sheet.rows[3].problem == "no student id"


def test_reading_refuses_what_it_cannot_trust():
    for text, message in [
        ("name,q1.loss\n", "no student_id column"),
        ("student_id,q1.los\n", "'q1.los' is not an item of this assignment (did you mean 'q1.loss'?)"),
        ("student_id,q1.loss,q1.loss\n", "column 'q1.loss' appears twice"),
        ("student_id,name\n", "no answer columns"),
        ("\n\n", "the file is empty"),
    ]:
        try:
            read_sheet(text.encode(), "f.csv", ITEMS)
        except SheetError as e:
            assert message in str(e) and str(e).startswith("f.csv: ")
        else:
            raise AssertionError(f"accepted {text!r}")


def test_reading_accepts_what_spreadsheets_write():
    # UTF-16 with BOM and tabs (Excel's "Unicode text"), an extra column
    text = "student_id\tname\tq1.loss\r\ns1\tAda\t0,5\r\n"
    sheet = read_sheet(text.encode("utf-16"), "f.txt", ITEMS)
    assert sheet.columns == ["q1.loss"] and sheet.ignored == ["name"]
    assert sheet.rows[0].cells["q1.loss"] == "0,5" and sheet.rows[0].student_ref == "s1"
    # semicolons, with the item's comma unquoted
    sheet = read_sheet("student_id;q1.dL/dW1[1,2]\ns1;0,25\n".encode(), "f.csv", ITEMS)
    assert sheet.rows[0].cells["q1.dL/dW1[1,2]"] == "0,25"
