"""exgen results: the teacher's table and the design §4 JSON."""

from __future__ import annotations

import json

import pytest

from grading_class import fill_sheet, run, setup_class


def test_the_table_and_the_json_agree(database_url, tmp_path):
    who, _ = setup_class(database_url, tmp_path, per_way=1)
    roster = tmp_path / "roster.csv"
    plain = roster.read_text()
    roster.write_text(plain + "s999,\x1b[31mRed\x1b[0m Mallory\n")  # never hands in
    refused = run(database_url, "assign", str(tmp_path / "hw3.toml"), "--roster", str(roster), code=2).output
    assert "column 2: contains a control character (U+001B)" in refused
    roster.write_text(plain + "s999,Red Mallory\n")
    run(database_url, "assign", str(tmp_path / "hw3.toml"), "--roster", str(roster))
    # a name stored before rosters refused control characters is still shown, never run
    from sqlalchemy import update

    from exgen.storage.models import Student
    from exgen.storage.session import session_scope

    with session_scope(database_url) as session:
        session.execute(update(Student).where(Student.student_id == "s999")
                        .values(name="\x1b[31mRed\x1b[0m Mallory"))
    sheet, _ = fill_sheet(database_url, tmp_path, who, students=set(who))
    run(database_url, "grade", "hw3", str(sheet))
    data = json.loads(run(database_url, "results", "hw3", "--json").stdout)
    table = run(database_url, "results", "hw3").stdout
    lines = {line.split()[0]: line for line in table.splitlines()[2:] if line.strip()}
    for sid, student in data["students"].items():
        if not student["submitted"]:
            assert "not submitted" in lines[sid]
            continue
        assert student["max_score"] == 14
        assert student["score"] == pytest.approx(sum(v["score"] for v in student["items"].values()))
        cells = lines[sid].split()
        assert f"{student['score']:.2f}/14" in cells
        statuses = [v["status"] for v in student["items"].values()]
        assert cells[-5:] == [str(statuses.count(s)) for s in
                              ("correct", "follow_through", "incorrect", "missing", "invalid")]
        for item, verdict in student["items"].items():  # design §4 keys
            assert {"status", "score", "submitted", "expected", "feedback"} <= set(verdict)
            assert isinstance(verdict["expected"], float)
    assert "\x1b" not in table and "�[31mRed�[0m Mallory" in table  # shown, never run
    scores = [s["score"] for s in data["students"].values() if s["submitted"]]
    assert table.splitlines()[-1].startswith(f"{len(scores)} of {len(data['students'])} students submitted; "
                                             f"mean {sum(scores) / len(scores):.2f}")
    assert "no assignment named 'x'" in run(database_url, "results", "x", code=2).output
