"""Scores follow the current points: after the points (or the grading settings) change and
``exgen assign`` runs again, results, the report and both gradebooks agree with the new points —
a perfect student has full marks, whatever the points were when the sheet was graded. End to
end with the commands, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

from grading_class import EXAMPLES, fill_sheet, run


def _hw3(path, q1: int, q2: int, extra: str = "") -> None:
    text = (EXAMPLES / "hw3.toml").read_text()
    text = text.replace("points = 4", f"points = {q1}").replace("points = 10", f"points = {q2}")
    path.write_text(text + extra)


def _gradebook(url, tmp_path, fmt: str) -> list[list[str]]:
    out = tmp_path / f"{fmt}.csv"
    run(url, "export", "hw3", "--to", fmt, "--out", str(out))
    return list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))


def _results(url) -> dict:
    return json.loads(run(url, "results", "hw3", "--json").stdout)["students"]


def test_scores_follow_the_points_after_assign(database_url, tmp_path):
    definition, roster = tmp_path / "hw3.toml", tmp_path / "roster.csv"
    roster.write_text("student_id,name\ns000,Perfect Student\ns001,Slipping Student\ns002,Absent Student\n")
    _hw3(definition, 4, 10)
    run(database_url, "assign", str(definition), "--roster", str(roster))
    sheet, _ = fill_sheet(database_url, tmp_path, {"s000": "exact", "s001": "slip"}, students={"s000", "s001"})
    run(database_url, "grade", "hw3", str(sheet))
    before = _results(database_url)
    assert before["s000"]["score"] == 14 and before["s000"]["max_score"] == 14
    slipped = before["s001"]["score"]
    assert 0 < slipped < 14

    for q1, q2 in ((8, 20), (4, 24), (4, 10)):  # doubled, then one exercise only, then back
        _hw3(definition, q1, q2)
        out = run(database_url, "assign", str(definition), "--roster", str(roster)).stdout
        assert "re-marked" in out  # says that the stored submissions were marked again
        total = q1 + q2
        now = _results(database_url)
        assert now["s000"]["score"] == total and now["s000"]["max_score"] == total
        for student in ("s000", "s001"):  # every item's score within its current points
            items = now[student]["items"]
            assert abs(sum(i["max_score"] for i in items.values()) - total) < 1e-9
            assert all(0 <= i["score"] <= i["max_score"] + 1e-12 for i in items.values())
            by_exercise = {e: sum(i["score"] for k, i in items.items() if k.startswith(e + "."))
                           for e in ("q1", "q2")}
            old = {e: sum(i["score"] for k, i in before[student]["items"].items() if k.startswith(e + "."))
                   for e in ("q1", "q2")}
            # each exercise's share of its points is what it was
            assert abs(by_exercise["q1"] / q1 - old["q1"] / 4) < 1e-9
            assert abs(by_exercise["q2"] / q2 - old["q2"] / 10) < 1e-9
        table = run(database_url, "results", "hw3").stdout
        assert f"{total:.2f}/{total:g}" in table

        canvas = _gradebook(database_url, tmp_path, "canvas-grades")
        assert canvas[1][-1] == f"{total:g}"  # Points Possible
        scores = {row[2]: row[-1] for row in canvas[2:]}
        assert float(scores["s000"]) == total and abs(float(scores["s001"]) - now["s001"]["score"]) < 1e-4
        assert scores["s002"] == ""  # no submission: not graded
        moodle = {row[0]: row[-1] for row in _gradebook(database_url, tmp_path, "moodle-grades")[1:]}
        assert float(moodle["s000"]) == total

        report = tmp_path / "report.pdf"
        run(database_url, "report", "hw3", "--out", str(report))
        assert f"of {total:g}" in run(database_url, "report", "hw3", "--out", str(report)).stdout


def test_a_grading_setting_changed_by_assign_is_in_force_at_once(database_url, tmp_path):
    """Follow-through credit halved in the assignment file: no separate regrade needed."""
    definition, roster = tmp_path / "hw3.toml", tmp_path / "roster.csv"
    roster.write_text("student_id,name\ns000,Slipping Student\n")
    _hw3(definition, 4, 10)
    run(database_url, "assign", str(definition), "--roster", str(roster))
    sheet, _ = fill_sheet(database_url, tmp_path, {"s000": "slip"}, students={"s000"})
    run(database_url, "grade", "hw3", str(sheet))
    before = _results(database_url)["s000"]
    follow = [i for i in before["items"].values() if i["status"] == "follow_through"]
    assert follow, "a slip early on is followed through"

    _hw3(definition, 4, 10, "\n[grading]\nfollow_through_credit = 0.5\n")
    run(database_url, "assign", str(definition), "--roster", str(roster))
    after = _results(database_url)["s000"]
    for key, item in after["items"].items():
        if item["status"] == "follow_through":
            assert abs(item["score"] - 0.5 * item["max_score"]) < 1e-9, key
    assert after["score"] < before["score"]
    again = run(database_url, "assign", str(definition), "--roster", str(roster)).stdout
    assert "re-marked" not in again  # nothing changed: nothing marked again
