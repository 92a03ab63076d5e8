"""A simulated class graded end to end (answer-sheet → grade → results), on SQLite and
PostgreSQL: exact answers, hand-rounded to 3 and 4 significant figures, a slip early in the
chain, each misconception, a skipped update, blanks and junk cells — with the expected status of
every item worked out independently (tests/grading_class.py). Also: regrade after the grading
settings change, idempotence, later submissions, rejected rows, a crash in the middle of a file,
and two graders at once."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select

from exgen.cli import cli
from exgen.storage.models import ItemResult, Submission
from exgen.storage.session import session_scope
from grading_class import fill_sheet, results, run, setup_class

ROOT = Path(__file__).parents[1]


def counts(url):
    with session_scope(url) as session:
        return (session.scalar(select(func.count(Submission.id))),
                session.scalar(select(func.count(ItemResult.id))),
                session.scalar(select(func.count(Submission.id)).where(Submission.current.is_(True))))


def test_simulated_class_gets_the_expected_status_on_every_item(database_url, tmp_path):
    who, _ = setup_class(database_url, tmp_path)
    sheet, expected = fill_sheet(database_url, tmp_path, who)
    out = run(database_url, "grade", "hw3", str(sheet))
    assert f"hw3: {len(who)} students graded ({len(expected)} answers)" in out.stdout
    assert "0 rows rejected" in out.stdout

    got = results(database_url)["students"]
    mismatches = []
    statuses = set()
    for (sid, item), (status, misconception) in expected.items():
        verdict = got[sid]["items"][item]
        statuses.add(status)
        seen = (verdict["status"], verdict["misconception"] if misconception else "")
        if seen != (status, misconception):
            mismatches.append((sid, who[sid], item, (status, misconception), seen, verdict["submitted"]))
    assert mismatches == []
    assert statuses == {"correct", "follow_through", "incorrect", "missing", "invalid"}

    for sid, way in who.items():
        student = got[sid]
        # the score is the sum of the items' shares: full credit for correct and follow-through
        total = sum(v["max_score"] for v in student["items"].values()
                    if v["status"] in ("correct", "follow_through"))
        assert student["score"] == pytest.approx(total)
        if way in ("exact", "rounds_4", "rounds_3"):  # honest hand work loses nothing
            assert student["score"] == pytest.approx(student["max_score"])
        for verdict in student["items"].values():
            if verdict["status"] == "invalid":
                assert verdict["feedback"]  # the reason, in words
            if verdict["status"] == "follow_through":
                assert verdict["feedback"].startswith("follows correctly from your wrong answer to")


def test_assign_marks_again_when_the_grading_settings_change(database_url, tmp_path):
    who, definition = setup_class(database_url, tmp_path, per_way=1)
    sheet, expected = fill_sheet(database_url, tmp_path, who)
    run(database_url, "grade", "hw3", str(sheet))
    before = results(database_url)["students"]
    stored = counts(database_url)

    definition.write_text(definition.read_text() + "\n[grading]\nfollow_through_credit = 0.5\n")
    out = run(database_url, "assign", str(definition), "--roster", str(tmp_path / "roster.csv")).stdout
    after = results(database_url)["students"]  # in force without a separate regrade
    changed = 0
    for sid in who:
        for item, verdict in after[sid]["items"].items():
            old = before[sid]["items"][item]
            assert verdict["status"] == old["status"]
            share = 0.5 if verdict["status"] == "follow_through" else 1.0 if verdict["status"] == "correct" else 0.0
            assert verdict["score"] == pytest.approx(share * verdict["max_score"])
        changed += after[sid]["score"] != pytest.approx(before[sid]["score"])
    assert changed and f"{changed} scores changed" in out
    assert counts(database_url) == stored  # re-marked in place: nothing added, nothing lost

    assert "0 scores changed" in run(database_url, "regrade", "hw3").stdout  # again: the same marks
    assert results(database_url)["students"] == after


def test_grading_the_same_file_twice_changes_nothing(database_url, tmp_path):
    who, _ = setup_class(database_url, tmp_path, per_way=1)
    sheet, _ = fill_sheet(database_url, tmp_path, who)
    run(database_url, "grade", "hw3", str(sheet))
    first, stored = results(database_url), counts(database_url)
    out = run(database_url, "grade", "hw3", str(sheet)).stdout
    assert "was graded before; nothing changed" in out
    assert results(database_url) == first and counts(database_url) == stored


def test_a_later_submission_supersedes_the_earlier_one_and_both_are_kept(database_url, tmp_path):
    who, _ = setup_class(database_url, tmp_path, per_way=1)
    first, _ = fill_sheet(database_url, tmp_path, who, "first.csv")
    run(database_url, "grade", "hw3", str(first))
    before = results(database_url)["students"]

    # s001 (hand-rounded, full marks) hands in again, this time with the slip
    assert who["s001"] == "rounds_4"
    second, expected = fill_sheet(database_url, tmp_path, {**who, "s001": "slip"}, "second.csv", students={"s001"})
    out = run(database_url, "grade", "hw3", str(second)).stdout
    assert "1 earlier submissions superseded" in out
    after = results(database_url)["students"]
    assert after["s001"]["score"] < before["s001"]["score"]
    assert {item: v["status"] for item, v in after["s001"]["items"].items()} == {
        item: status for (sid, item), (status, _) in expected.items() if sid == "s001"}
    assert {sid: s for sid, s in after.items() if sid != "s001"} == \
        {sid: s for sid, s in before.items() if sid != "s001"}
    with session_scope(database_url) as session:
        flags = session.scalars(select(Submission.current).where(Submission.student_ref == "s001")).all()
        assert sorted(flags) == [False, True]  # both kept, the later one counts
    run(database_url, "regrade", "hw3")  # regrading keeps the order of arrival
    assert results(database_url)["students"] == after


def test_under_keep_best_a_worse_later_submission_does_not_count(database_url, tmp_path):
    who, _ = setup_class(database_url, tmp_path, per_way=1)
    first, _ = fill_sheet(database_url, tmp_path, who, "first.csv")
    run(database_url, "grade", "hw3", str(first))
    before = results(database_url)["students"]
    from exgen.storage.models import Assignment

    with session_scope(database_url) as session:  # the policy as the assignment file will set it
        assignment = session.scalar(select(Assignment))
        assignment.definition = {**assignment.definition, "service": {"keep": "best"}}
    assert who["s001"] == "rounds_4"
    second, _ = fill_sheet(database_url, tmp_path, {**who, "s001": "slip"}, "second.csv", students={"s001"})
    out = run(database_url, "grade", "hw3", str(second)).stdout
    assert "superseded" not in out
    assert results(database_url)["students"] == before  # the better first submission still counts
    with session_scope(database_url) as session:
        rows = session.execute(select(Submission.attempt, Submission.current, Submission.source)
                               .where(Submission.student_ref == "s001").order_by(Submission.id)).all()
    assert [tuple(r) for r in rows] == [(1, True, "csv"), (2, False, "csv")]
    run(database_url, "regrade", "hw3")  # regrading follows the same policy
    assert results(database_url)["students"] == before


def test_within_one_file_the_later_row_counts(database_url, tmp_path):
    who, _ = setup_class(database_url, tmp_path, per_way=1)
    good, _ = fill_sheet(database_url, tmp_path, who, "good.csv", students={"s001"})
    slipped, expected = fill_sheet(database_url, tmp_path, {**who, "s001": "slip"}, "slip.csv", students={"s001"})
    header, good_row = list(csv.reader(good.open(newline="")))
    _, slip_row = list(csv.reader(slipped.open(newline="")))
    both = tmp_path / "both.csv"
    with both.open("w", newline="") as handle:
        csv.writer(handle).writerows([header, good_row, slip_row])
    run(database_url, "grade", "hw3", str(both))
    got = results(database_url)["students"]["s001"]["items"]
    assert {item: v["status"] for item, v in got.items()} == {
        item: status for (sid, item), (status, _) in expected.items() if sid == "s001"}
    run(database_url, "regrade", "hw3")
    assert results(database_url)["students"]["s001"]["items"] == got


def test_rejected_rows_are_stored_raw_and_reported_by_line(database_url, tmp_path):
    who, _ = setup_class(database_url, tmp_path, per_way=1)
    sheet, _ = fill_sheet(database_url, tmp_path, who)
    lines = sheet.read_text().splitlines()
    header_cells = next(csv.reader([lines[0]]))
    extra = [
        "s999," + ",".join(["0.5"] * (len(header_cells) - 1)),  # not on the roster
        ",0.5",  # no student id
        "s002," + ",".join(["1"] * (len(header_cells) + 2)),  # too many cells
        '"s003,0.5',  # broken quoting swallows the rest of the file
    ]
    sheet.write_text("\n".join(lines + extra) + "\n")
    result = run(database_url, "grade", "hw3", str(sheet), code=1)
    first_extra = len(lines) + 1
    assert f"line {first_extra}: rejected: unknown student 's999'" in result.stderr
    assert f"line {first_extra + 1}: rejected: no student id" in result.stderr
    assert f"line {first_extra + 2} (s002): rejected: {len(header_cells) + 3} cells but the header has" in result.stderr
    assert f"line {first_extra + 3}: rejected: not valid CSV" in result.stderr
    assert "4 rows rejected" in result.stdout
    with session_scope(database_url) as session:
        stored = {s.line: s for s in session.scalars(select(Submission).where(Submission.status == "rejected"))}
        assert sorted(stored) == [first_extra, first_extra + 1, first_extra + 2, first_extra + 3]
        for n, text in enumerate(extra):
            assert stored[first_extra + n].raw == text  # kept exactly as written
        assert stored[first_extra].student_ref == "s999" and stored[first_extra].student_pk is None
    # the other students were graded as usual
    assert all(results(database_url)["students"][sid]["submitted"] for sid in who)


def test_a_crash_in_the_middle_of_a_file_leaves_the_database_as_before(database_url, tmp_path, monkeypatch):
    who, _ = setup_class(database_url, tmp_path, per_way=1)
    first, _ = fill_sheet(database_url, tmp_path, who, "first.csv")
    run(database_url, "grade", "hw3", str(first))
    before, stored = results(database_url), counts(database_url)
    second, _ = fill_sheet(database_url, tmp_path, {sid: "slip" for sid in who}, "second.csv")

    from exgen.grading import store

    monkeypatch.setattr(store, "CHUNK", 3)  # several chunks are written before the crash
    calls = {"n": 0}
    judge = store.Grader.judge

    def crashing(self, *args):
        calls["n"] += 1
        if calls["n"] == 8:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the file
        return judge(self, *args)

    monkeypatch.setattr(store.Grader, "judge", crashing)
    result = CliRunner().invoke(cli, ["--db", database_url, "grade", "hw3", str(second)])
    assert result.exit_code != 0 and calls["n"] == 8
    assert counts(database_url) == stored
    assert results(database_url) == before

    monkeypatch.setattr(store.Grader, "judge", judge)
    run(database_url, "grade", "hw3", str(second))  # and the same file grades fine afterwards
    assert counts(database_url)[0] == stored[0] + len(who)


def _grade_process(url, sheet):
    env = {**os.environ, "EXGEN_DATABASE_URL": url, "EXGEN_PROGRESS": "1"}  # the label says it started
    return subprocess.Popen([sys.executable, "-m", "exgen", "grade", "hw3", str(sheet)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15])
def test_a_killed_grader_leaves_all_or_nothing(database_url, tmp_path, delay):
    who, _ = setup_class(database_url, tmp_path, per_way=8)
    sheet, _ = fill_sheet(database_url, tmp_path, who)
    stored = counts(database_url)
    process = _grade_process(database_url, sheet)
    assert process.stderr.readline().strip() == "grading"  # the progress bar: rows are being graded
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    from exgen.storage.session import dispose_all

    dispose_all()
    after = counts(database_url)
    assert after in (stored, (len(who), len(who) * 42, len(who)))


def test_two_graders_at_once_lose_nothing_and_double_count_nothing(database_url, tmp_path):
    who, _ = setup_class(database_url, tmp_path, per_way=4)
    ids = sorted(who)
    half = set(ids[: len(ids) // 2 + 3])  # the files overlap in three students
    a, _ = fill_sheet(database_url, tmp_path, who, "a.csv", students=half)
    b, _ = fill_sheet(database_url, tmp_path, {sid: "slip" for sid in who}, "b.csv",
                      students=set(ids) - half | set(ids[len(ids) // 2: len(ids) // 2 + 3]))
    processes = [_grade_process(database_url, sheet) for sheet in (a, b, a, b)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], outputs
    rows_a = len(a.read_text().splitlines()) - 1
    rows_b = len(b.read_text().splitlines()) - 1
    with session_scope(database_url) as session:
        submissions = session.scalars(select(Submission)).all()
        assert len(submissions) == rows_a + rows_b  # file a twice at once: stored once
        current = [s.student_ref for s in submissions if s.current]
        assert sorted(current) == ids  # exactly one current submission per student
        per_submission = dict(session.execute(
            select(ItemResult.submission_id, func.count(ItemResult.id)).group_by(ItemResult.submission_id)).all())
        assert set(per_submission.values()) == {42} and len(per_submission) == len(submissions)
    assert sum(1 for out, _ in outputs if "was graded before" in out) == 2


def test_bad_files_stop_with_exit_status_2_and_store_nothing(database_url, tmp_path):
    who, _ = setup_class(database_url, tmp_path, per_way=1)
    sheet, _ = fill_sheet(database_url, tmp_path, who)
    text = sheet.read_text()
    cases = {
        "typo.csv": (text.replace("q2.yhat[1]", "q2.yhat[2]", 1), "'q2.yhat[2]' is not an item of this assignment"),
        "twice.csv": (text.replace("q2.yhat[1]", "q2.z2[1]", 1), "appears twice"),
        "noid.csv": (text.replace("student_id", "matrikel", 1), "no student_id column"),
        "empty.csv": ("", "the file is empty"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_text(content)
        result = run(database_url, "grade", "hw3", str(path), code=2)
        assert message in result.output, name
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(text.replace("s001", "s00é", 1).encode("latin-1"))
    assert "line 3, column 4: not UTF-8 text" in run(database_url, "grade", "hw3", str(latin1), code=2).output
    assert "nope.csv: no such answer sheet" in run(database_url, "grade", "hw3", str(tmp_path / "nope.csv"), code=2).output
    assert "no assignment named 'hw4'" in run(database_url, "grade", "hw4", str(sheet), code=2).output
    assert counts(database_url) == (0, 0, 0)


def _comma(cell: str) -> str:
    """The cell as a spreadsheet in a decimal-comma locale writes it: "1.234" -> "1,234"."""
    return cell.replace(".", ",")


def _european(tmp_path, sheet, name="european.csv"):
    """European Excel: ';' separators, decimal commas, a BOM, CRLF, an extra name column."""
    rows = list(csv.reader(sheet.open(newline="")))
    rows = [[rows[0][0], "name", *rows[0][1:]]] + [[r[0], "Someone", *map(_comma, r[1:])] for r in rows[1:]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path


def test_a_spreadsheet_round_trip_still_grades(database_url, tmp_path):
    """"1,234" in a ';'-separated sheet is 1.234 (decimal_comma = "auto", the default)."""
    who, _ = setup_class(database_url, tmp_path, per_way=1)
    sheet, expected = fill_sheet(database_url, tmp_path, who)
    european = _european(tmp_path, sheet)
    assert any(re.search(r";-?[1-9][0-9]{0,2},[0-9]{3};", line) for line in european.read_text("utf-8-sig").splitlines())
    result = run(database_url, "grade", "hw3", str(european))
    assert "columns ignored (not items of hw3): name" in result.stderr
    got = results(database_url)["students"]
    # the junk cell "1,500" (ambiguous in a ','-sheet) is one and a half here
    thousands = {key for key in expected if got[key[0]]["items"][key[1]]["submitted"] == "1,500"}
    assert thousands and all(got[sid]["items"][item]["status"] == "incorrect" for sid, item in thousands)
    assert {key: got[key[0]]["items"][key[1]]["status"] for key in expected if key not in thousands} == \
        {key: status for key, (status, _) in expected.items() if key not in thousands}


def test_the_decimal_comma_setting_decides_and_regrading_remembers_the_source(database_url, tmp_path):
    who, definition = setup_class(database_url, tmp_path, per_way=1)
    sheet, expected = fill_sheet(database_url, tmp_path, who)
    wanted = {key: status for key, (status, _) in expected.items()}
    # the same answers in a ','-separated sheet with decimal commas (quoted cells)
    rows = list(csv.reader(sheet.open(newline="")))
    commas = tmp_path / "commas.csv"
    with commas.open("w", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL).writerows([rows[0]] + [[r[0], *map(_comma, r[1:])] for r in rows[1:]])
    run(database_url, "grade", "hw3", str(_european(tmp_path, sheet)))
    run(database_url, "grade", "hw3", str(commas))  # later: this one counts

    def statuses():
        got = results(database_url)["students"]
        return {key: got[key[0]]["items"][key[1]] for key in expected}

    def ambiguous(verdicts):
        return {key for key, v in verdicts.items() if v["status"] == "invalid" and "ambiguous" in v["feedback"]}

    # auto: in a ','-sheet "1,234" stays ambiguous, every other decimal comma is read
    auto = statuses()
    assert ambiguous(auto)
    roster = tmp_path / "roster.csv"
    for setting, check in (("true", lambda got: not ambiguous(got)), ("false", ambiguous)):
        definition.write_text(definition.read_text().split("[grading]")[0] + f"[grading]\ndecimal_comma = {setting}\n")
        run(database_url, "assign", str(definition), "--roster", str(roster))
        run(database_url, "regrade", "hw3")
        got = statuses()
        assert check(got), setting
        if setting == "true":  # (the junk cell "1,500" is one and a half too)
            assert {key: v["status"] for key, v in got.items() if v["submitted"] != "1,500"} == \
                {key: status for key, status in wanted.items() if got[key]["submitted"] != "1,500"}
    # the ';' sheet (stored, not current) was read with decimal commas under auto: make it current
    definition.write_text(definition.read_text().split("[grading]")[0] + '[grading]\ndecimal_comma = "auto"\n')
    run(database_url, "assign", str(definition), "--roster", str(roster))
    with session_scope(database_url) as session:
        flags = dict(session.execute(select(Submission.source_name, Submission.decimal_comma)).all())
        assert flags == {str(tmp_path / "european.csv"): True, str(commas): False}
        session.execute(delete(Submission).where(Submission.source_name == str(commas)))
    run(database_url, "regrade", "hw3")
    got = statuses()
    assert {key: v["status"] for key, v in got.items() if v["submitted"] != "1,500"} == \
        {key: status for key, status in wanted.items() if got[key]["submitted"] != "1,500"}


def test_blank_rows_never_replace_a_real_submission(database_url, tmp_path):
    who, _ = setup_class(database_url, tmp_path, per_way=1)
    sheet, _ = fill_sheet(database_url, tmp_path, who)
    run(database_url, "grade", "hw3", str(sheet))
    before, stored = results(database_url), counts(database_url)
    run(database_url, "answer-sheet", "hw3", "--out", str(tmp_path / "template.csv"))
    out = run(database_url, "grade", "hw3", str(tmp_path / "template.csv")).stdout  # the empty template
    assert f"0 students graded (0 answers), 0 rows rejected, {len(who)} blank rows skipped" in out
    assert results(database_url) == before
    assert counts(database_url) == (stored[0] + len(who), stored[1], stored[2])  # kept, not current


def test_regrade_grades_rows_of_students_added_to_the_roster_since(database_url, tmp_path):
    who, definition = setup_class(database_url, tmp_path, per_way=1)
    sheet, _ = fill_sheet(database_url, tmp_path, who)
    header, first, *rest = list(csv.reader(sheet.open(newline="")))
    late = ["late01", *first[1:]]  # a student not (yet) on the roster hands in s000's answers
    with sheet.open("a", newline="") as handle:
        csv.writer(handle).writerow(late)
    assert "unknown student 'late01'" in run(database_url, "grade", "hw3", str(sheet), code=1).stderr

    roster = tmp_path / "roster.csv"
    roster.write_text(roster.read_text() + "late01,Late Student\n")
    run(database_url, "assign", str(definition), "--roster", str(roster))
    out = run(database_url, "regrade", "hw3").stdout
    assert "0 rejected" in out
    got = results(database_url)["students"]
    assert got["late01"]["submitted"]
    assert {i: v["submitted"] for i, v in got["late01"]["items"].items()} == \
        {i: v["submitted"] for i, v in got["s000"]["items"].items()}
