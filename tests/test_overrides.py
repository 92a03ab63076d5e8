"""Overrides (issue 13, item 5): ``exgen override`` decides one item by hand, with who, when and
why; results (JSON and table), the report and the gradebook exports show it; a regrade keeps it;
bad requests get one clear message and exit status 2. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import getpass
import io
import subprocess

import pytest

from grading_class import fill_sheet, results, run, setup_class


@pytest.fixture
def graded(database_url, tmp_path):
    who, definition = setup_class(database_url, tmp_path, per_way=1)
    sheet, _ = fill_sheet(database_url, tmp_path, who)
    run(database_url, "grade", "hw3", str(sheet))
    return who, definition


def _gradebook(url, tmp_path, fmt):
    out = tmp_path / f"{fmt}.csv"
    run(url, "export", "hw3", "--to", fmt, "--out", str(out))
    return list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))


def test_an_override_counts_everywhere_and_survives_regrade(database_url, tmp_path, graded):
    who, definition = graded
    before = results(database_url)["students"]
    sid = "s003"  # the slip student: z1[1] of q2 is wrong
    assert who[sid] == "slip" and before[sid]["items"]["q2.z1[1]"]["status"] == "incorrect"
    out = run(database_url, "override", "hw3", sid, "q2.z1[1]", "--status", "correct",
              "--note", "legible on paper: 1.3", "--by", "T. Eacher").output
    assert out.strip() == (f"hw3: {sid} q2.z1[1] counts as correct (the points of the status), "
                           "by T. Eacher: legible on paper: 1.3")
    after = results(database_url)["students"]
    item = after[sid]["items"]["q2.z1[1]"]
    assert item["status"] == "correct" and item["score"] == pytest.approx(item["max_score"])
    assert item["override"]["by"] == "T. Eacher" and item["override"]["note"] == "legible on paper: 1.3"
    assert item["override"]["grader"] == {"status": "incorrect", "score": 0.0}
    assert item["override"]["at"][:4].isdigit()
    assert after[sid]["score"] == pytest.approx(before[sid]["score"] + item["max_score"])
    assert after[sid]["overrides"] == 1
    assert {s: v["score"] for s, v in after.items() if s != sid} == {s: v["score"] for s, v in before.items() if s != sid}

    # a given score, partial credit on another item, by the OS user
    run(database_url, "override", "hw3", sid, "q1.loss", "--status", "incorrect", "--score", "0.1",
        "--note", "method right, arithmetic wrong")
    partial = results(database_url)["students"][sid]["items"]["q1.loss"]
    assert partial["score"] == pytest.approx(0.1) and partial["override"]["by"] == getpass.getuser()

    # the table, the report and the gradebooks
    table = run(database_url, "results", "hw3").output
    line = next(line for line in table.splitlines() if line.startswith(sid))
    assert f"{results(database_url)['students'][sid]['score']:.2f}/14" in line and line.rstrip().endswith(" 2")
    assert "1 student with items overridden by hand" in table
    report = tmp_path / "report.pdf"
    run(database_url, "report", "hw3", "--out", str(report))
    text = subprocess.run(["pdftotext", "-layout", str(report), "-"], capture_output=True, text=True).stdout
    assert "Items overridden by hand" in text and "legible on paper: 1.3" in text and "T. Eacher" in text
    score = results(database_url)["students"][sid]["score"]
    canvas = _gradebook(database_url, tmp_path, "canvas-grades")
    assert float(next(row for row in canvas if row[2] == sid)[5]) == pytest.approx(score, abs=0.01)
    moodle = _gradebook(database_url, tmp_path, "moodle-grades")
    assert float(next(row for row in moodle if row[0] == sid)[-1]) == pytest.approx(score, abs=0.01)

    # a regrade — also after the grading settings change — keeps every override
    overridden = results(database_url)["students"][sid]["items"]
    run(database_url, "regrade", "hw3")
    assert results(database_url)["students"][sid]["items"] == overridden
    definition.write_text(definition.read_text() + "\n[grading]\nfollow_through_credit = 0.5\n")
    run(database_url, "assign", str(definition), "--roster", str(tmp_path / "roster.csv"))
    run(database_url, "regrade", "hw3")
    regraded = results(database_url)["students"][sid]["items"]
    assert regraded["q2.z1[1]"]["status"] == "correct" and regraded["q1.loss"]["score"] == pytest.approx(0.1)
    assert regraded["q2.z1[1]"]["override"]["note"] == "legible on paper: 1.3"

    # --clear: the grader's verdict counts again
    out = run(database_url, "override", "hw3", sid, "q2.z1[1]", "--clear").output
    assert "override removed; the grader's verdict counts again" in out
    cleared = results(database_url)["students"][sid]["items"]["q2.z1[1]"]
    assert cleared["status"] == "incorrect" and "override" not in cleared
    assert "had no override; nothing changed" in run(database_url, "override", "hw3", sid, "q2.z1[1]", "--clear").output


def test_an_override_for_a_student_without_a_submission(database_url, tmp_path):
    who, _ = setup_class(database_url, tmp_path, per_way=1)
    run(database_url, "override", "hw3", "s004", "q1.loss", "--status", "correct", "--note", "answered on paper")
    student = results(database_url)["students"]["s004"]
    assert not student["submitted"] and student["overrides"] == 1
    assert list(student["items"]) == ["q1.loss"] and student["score"] == pytest.approx(4 / 11)
    assert student["items"]["q1.loss"]["override"]["grader"]["status"] == "missing"
    assert isinstance(student["items"]["q1.loss"]["expected"], float)
    canvas = _gradebook(database_url, tmp_path, "canvas-grades")
    assert float(next(row for row in canvas if row[2] == "s004")[5]) == pytest.approx(4 / 11, abs=0.01)
    assert next(row for row in canvas if row[2] == "s005")[5] == ""  # still "not graded"


@pytest.mark.parametrize("args, message", [
    (["s999", "q2.z1[1]", "--status", "correct", "--note", "x"], "hw3: no student 's999' on the roster of hw3"),
    (["s0003", "q2.z1[1]", "--status", "correct", "--note", "x"], "(did you mean 's003'?)"),
    (["s003", "q2.z1[9]", "--status", "correct", "--note", "x"],
     "'q2.z1[9]' is not an item of s003's variant of hw3 (did you mean 'q2.z1[2]'?)"),
    (["s003", "q3.loss", "--status", "correct", "--note", "x"], "'q3.loss' is not an item of s003's variant"),
    (["s003", "q2.z1[1]", "--status", "correct", "--score", "2", "--note", "x"],
     "--score 2 is outside 0 .. 0.322581 (the points of q2.z1[1])"),
    (["s003", "q2.z1[1]", "--status", "correct", "--score", "-1", "--note", "x"], "--score -1 is outside"),
    (["s003", "q2.z1[1]", "--status", "correct"], "a note is required"),
    (["s003", "q2.z1[1]", "--status", "correct", "--note", "   "], "a note is required"),
    (["s003", "q2.z1[1]", "--status", "correct", "--note", "x" * 2001], "the note has 2001 characters; at most 2000"),
    (["s003", "q2.z1[1]", "--status", "correct", "--note", "x", "--by", ""], "--by must name someone"),
    (["s003", "q2.z1[1]", "--note", "x"], "--status is required (or --clear to remove an override)"),
    (["s003", "q2.z1[1]", "--clear", "--status", "correct"], "--clear takes no --status, --score or --note"),
    (["s003", "q2.z1[1]", "--status", "right", "--note", "x"], "'right' is not one of 'correct', 'follow_through'"),
])
def test_bad_overrides_get_one_clear_message_and_exit_2(database_url, tmp_path, graded, args, message):
    before = results(database_url)
    result = run(database_url, "override", "hw3", *args, code=2)
    assert message in result.output
    assert results(database_url) == before


def test_an_unknown_assignment_is_exit_2(database_url, tmp_path, graded):
    result = run(database_url, "override", "hw4", "s003", "q2.z1[1]", "--status", "correct", "--note", "x", code=2)
    assert "no assignment named 'hw4'" in result.output
