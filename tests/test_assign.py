"""exgen assign / exgen variants end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path


from exgen.engine.solver import solve
from exgen.engine.spec import parse_spec
from tests.cli_runner import run as run_cli

EXAMPLES = Path(__file__).parents[1] / "examples"


def run(url, *args, code=0):
    return run_cli(url, *args, code=code).output


def roster(tmp_path, n, name="roster.csv", start=0):
    path = tmp_path / name
    rows = ["student_id,name"] + [f"s{i:03d},Student {i}" for i in range(start, n)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def assignment(tmp_path, seed=2026, extra="", name="hw3.toml"):
    text = (EXAMPLES / "hw3.toml").read_text().replace("seed = 2026", f"seed = {seed}") + extra
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def variants(url):
    return json.loads(run(url, "variants", "hw3", "--json"))["variants"]


def test_assign_then_extend_the_roster_changes_no_existing_variant(database_url, tmp_path):
    out = run(database_url, "assign", str(assignment(tmp_path)), "--roster", str(roster(tmp_path, 20)))
    assert out.strip().splitlines()[-1].startswith("hw3: created, 20 students (20 new), 2 exercises, 40 new variants")
    before = variants(database_url)
    assert len(before) == 40
    assert {tuple(sorted(v)) for v in before} == {("answers", "code", "exercise", "spec", "student_id")}

    out = run(database_url, "assign", str(assignment(tmp_path)), "--roster", str(roster(tmp_path, 30)))
    assert "30 students (10 new)" in out and "20 new variants" in out
    after = variants(database_url)
    assert len(after) == 60
    assert after[:40] == before  # same students, same order, same variants

    # a roster in another order, and without some students, changes nothing either
    shuffled = tmp_path / "shuffled.csv"
    lines = (tmp_path / "roster.csv").read_text().splitlines()
    shuffled.write_text("\n".join([lines[0]] + lines[1:][::-1][:5]) + "\n")
    out = run(database_url, "assign", str(assignment(tmp_path)), "--roster", str(shuffled))
    assert "0 new variants" in out and "25 students not on this roster kept" in out
    assert variants(database_url) == after


def test_stored_answers_equal_a_fresh_exact_solve(database_url, tmp_path):
    run(database_url, "assign", str(assignment(tmp_path)), "--roster", str(roster(tmp_path, 8)))
    for variant in variants(database_url):
        fresh = solve(parse_spec(variant["spec"])).to_json()["values"]
        assert variant["answers"]
        for name, value in variant["answers"].items():
            assert value == fresh[name], (variant["student_id"], name)


def test_changed_seed_is_refused_without_force_and_replaces_with_it(database_url, tmp_path):
    run(database_url, "assign", str(assignment(tmp_path)), "--roster", str(roster(tmp_path, 5)))
    before = variants(database_url)
    out = run(database_url, "assign", str(assignment(tmp_path, seed=1)), "--roster", str(roster(tmp_path, 6)), code=2)
    assert "already has 10 variants, and this file changes the seed (2026 → 1)" in out
    assert "Nothing was changed" in out and "--force" in out
    assert variants(database_url) == before  # and the sixth student was not added either

    out = run(database_url, "assign", str(assignment(tmp_path, seed=1)), "--roster", str(roster(tmp_path, 6)), "--force")
    assert "12 new variants (all variants replaced)" in out
    replaced = variants(database_url)
    assert len(replaced) == 12 and replaced[0]["spec"] != before[0]["spec"]


def test_changed_exercise_list_is_refused_but_points_and_titles_may_change(database_url, tmp_path):
    run(database_url, "assign", str(assignment(tmp_path)), "--roster", str(roster(tmp_path, 3)))
    before = variants(database_url)
    more = assignment(tmp_path, extra='\n[[exercise]]\nid = "q3"\npreset = "single-neuron"\n', name="more.toml")
    out = run(database_url, "assign", str(more), "--roster", str(roster(tmp_path, 3)), code=2)
    assert "changes the exercise list (q1, q2 → q1, q2, q3)" in out
    text = (EXAMPLES / "hw3.toml").read_text().replace("points = 10", "points = 12").replace("Homework 3", "HW 3")
    (tmp_path / "points.toml").write_text(text)
    out = run(database_url, "assign", str(tmp_path / "points.toml"), "--roster", str(roster(tmp_path, 3)))
    assert "hw3: updated" in out and "0 new variants" in out
    assert variants(database_url) == before


def test_bad_roster_or_impossible_exercise_writes_nothing(database_url, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("student_id,name\ns1,A\ns1,B\n")
    out = run(database_url, "assign", str(assignment(tmp_path)), "--roster", str(bad), code=2)
    assert f"{bad}: line 3, column 1 (student_id): student id 's1' is already on line 2" in out
    # the second exercise cannot be generated: the first must not be stored either
    impossible = assignment(tmp_path, extra='\n[[exercise]]\nid = "q3"\npreset = "two-layer"\n'
                            '[exercise.family]\nweights = [0.01]\nbias = [0]\n', name="impossible.toml")
    out = run(database_url, "assign", str(impossible), "--roster", str(roster(tmp_path, 3)), code=2)
    assert "exercise q3: no well-posed variant for any student after" in out
    out = run(database_url, "variants", "hw3", code=2)
    assert "no assignment named 'hw3'" in out


def test_unknown_assignment_and_unreadable_files(database_url, tmp_path):
    run(database_url, "assign", str(assignment(tmp_path)), "--roster", str(roster(tmp_path, 2)))
    out = run(database_url, "variants", "hw4", "--json", code=2)
    assert "no assignment named 'hw4' in " in out and "(known: hw3)" in out
    out = run(database_url, "assign", str(tmp_path / "missing.toml"), "--roster", str(roster(tmp_path, 2)), code=2)
    assert "missing.toml: no such assignment file" in out
    out = run(database_url, "assign", str(assignment(tmp_path)), "--roster", str(tmp_path / "none.csv"), code=2)
    assert "none.csv: no such roster" in out


def test_unreachable_database_is_a_message_not_a_traceback(tmp_path):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    out = run(url, "variants", "hw3", code=2)
    assert "cannot open database" in out
    out = run("nonsense://x", "variants", "hw3", code=2)
    assert "cannot use database URL" in out


def test_a_read_command_in_the_wrong_folder_names_the_database_and_creates_none(tmp_path):
    url = f"sqlite:///{tmp_path / 'elsewhere' / 'exgen.db'}"
    (tmp_path / "elsewhere").mkdir()
    for command in (["variants", "hw3", "--json"], ["results", "hw3"], ["render", "hw3", "--out", str(tmp_path / "o")],
                    ["answer-sheet", "hw3", "--out", str(tmp_path / "a.csv")], ["regrade", "hw3"],
                    ["export", "hw3", "--to", "moodle", "--out", str(tmp_path / "m.xml")],
                    ["report", "hw3", "--out", str(tmp_path / "r.pdf")]):
        out = run(url, *command, code=2)
        assert f"no database at {tmp_path / 'elsewhere' / 'exgen.db'}" in out, command
    assert list((tmp_path / "elsewhere").iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere"]
    run(url, "assign", str(assignment(tmp_path)), "--roster", str(roster(tmp_path, 2)))  # assign creates it
    assert (tmp_path / "elsewhere" / "exgen.db").is_file()
    out = run(url, "results", "hw4", code=2)
    assert f"no assignment named 'hw4' in sqlite:///{tmp_path / 'elsewhere' / 'exgen.db'} (known: hw3)" in out
