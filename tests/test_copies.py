"""Copies (issue 13, item 4): answers that fit another student's variant better than one's own
are flagged — in results (JSON and table) and the report — and never change a score; honest
students are never flagged; the search scales linearly with the class."""

from __future__ import annotations

import csv
import json
import subprocess

import pytest

from copies_class import build_class
from exgen.grading.copies import Answer, VariantValues, find_copies
from grading_class import fill_sheet, results, run, setup_class


# -- without a database ----------------------------------------------------------------------------
def test_a_copier_is_flagged_and_nobody_else():
    variants, answers = build_class(120, copiers={"s0031": "s0004", "s0077": "s0062"})
    flags, _ = find_copies(variants, answers)
    assert {(f.student_id, f.other) for f in flags} >= {("s0031", "s0004"), ("s0077", "s0062")}
    # the sources may point back at their copier (the same answers), nobody else is flagged
    assert {f.student_id for f in flags} <= {"s0031", "s0004", "s0077", "s0062"}
    flag = next(f for f in flags if f.student_id == "s0031")
    assert flag.identical == len(flag.items) >= 8 and flag.asked == 31


@pytest.mark.parametrize("preset, family", [
    ("two-layer", {}),
    ("single-neuron", {}),
    ("two-layer", {"layers": [3, 3], "activations": ["tanh", "softmax"], "loss": "cross_entropy"}),
    ("two-layer", {"batch_size": 2}),
    # a small grid: many students share values (and some whole variants)
    ("single-neuron", {"weights": [-0.5, 0.5, 1], "bias": [0, 0.5], "input": [1, 2], "learning_rate": [0.1]}),
])
def test_honest_students_are_never_flagged(preset, family):
    """Every way of working of the simulated class — hand rounding, slips, each misconception,
    blanks, junk, skipped updates (the old weights: trivial) — in a class of 400."""
    variants, answers = build_class(400, preset=preset, family=family)
    flags, _ = find_copies(variants, answers)
    assert flags == []


def test_identical_variants_and_fixed_specs_are_never_evidence():
    variants, answers = build_class(40)
    twin = variants[1]
    variants[1] = VariantValues(twin.student_id, twin.exercise, variants[0].code, dict(variants[0].exact),
                                dict(variants[0].old), variants[0].givens)
    # s0001 has s0000's variant and hands in a sheet whose answers are all wrong for it but
    # equal s0000's (identical work): not evidence of anything
    answers["s0001"] = {item: Answer(a.value, a.text, True) for item, a in answers["s0000"].items()}
    flags, _ = find_copies(variants, answers)
    assert not [f for f in flags if {f.student_id, f.other} == {"s0000", "s0001"}]
    # a fixed spec: every variant the same; everyone writes the same wrong numbers
    same = [VariantValues(v.student_id, v.exercise, "FIXED", dict(variants[0].exact), dict(variants[0].old),
                          variants[0].givens) for v in variants]
    wrong = {sid: {item: Answer(2 * a.value + 0.37, "x", True) for item, a in answers["s0000"].items()}
             for sid in answers}
    assert find_copies(same, wrong)[0] == []


def test_blank_and_trivial_answers_are_never_evidence():
    variants, answers = build_class(60)
    for sid in list(answers)[:30]:  # zeros, ones and the old weights everywhere
        mine = next(v for v in variants if v.student_id == sid)
        answers[sid] = {f"q2.{item}": Answer(float(mine.old.get(item, (0.0, 1.0, -1.0)[n % 3])), "0", True)
                        for n, item in enumerate(mine.exact)}
    for sid in list(answers)[30:40]:
        answers[sid] = {}
    assert find_copies(variants, answers)[0] == []


def test_the_search_is_linear_in_the_class_size():
    """Intervals tested for 150 and for 600 students: about 4 times as many, not 16."""
    small = find_copies(*build_class(150, copiers={"s0003": "s0001"}))[1]
    large = find_copies(*build_class(600, copiers={"s0003": "s0001"}))[1]
    assert large / small < 6, (small, large)
    assert large < 600 * 31 * 8  # a few intervals per answer looked up


# -- end to end: grade, results, table, report --------------------------------------------------
def test_results_table_and_report_flag_a_copy_and_scores_stay(database_url, tmp_path):
    who, _ = setup_class(database_url, tmp_path, per_way=3)
    sheet, _ = fill_sheet(database_url, tmp_path, who)
    rows = list(csv.reader(sheet.open(newline="")))
    by_id = {row[0]: row for row in rows[1:]}
    source, copier = "s002", "s010"  # an honest student; a slip student hands in their sheet
    by_id[copier] = [copier, *by_id[source][1:]]
    with sheet.open("w", newline="") as handle:
        csv.writer(handle).writerows([rows[0], *by_id.values()])
    run(database_url, "grade", "hw3", str(sheet))

    got = results(database_url)["students"]
    flagged = {sid: s["flags"] for sid, s in got.items() if s["flags"]}
    assert set(flagged) == {copier}
    assert {f["other"] for f in flagged[copier]} == {source}
    assert {f["exercise"] for f in flagged[copier]} == {"q1", "q2"}
    flag = next(f for f in flagged[copier] if f["exercise"] == "q2")
    assert flag["count"] == flag["identical"] and flag["count"] >= 8 and flag["of"] == 31
    assert flag["message"].startswith(f"{flag['count']} of 31 answers to q2 are wrong for this student's variant "
                                      f"but fit {source}'s")
    # a flag never changes a score: the score is the sum of the grader's item scores
    assert got[copier]["score"] == pytest.approx(sum(v["score"] for v in got[copier]["items"].values()))
    from exgen.storage.results import class_results
    from exgen.storage.session import session_scope

    with session_scope(database_url) as session:
        plain = class_results(session, "hw3", flags=False)["students"]
    assert {sid: (s["score"], s["items"]) for sid, s in plain.items()} == \
        {sid: (s["score"], s["items"]) for sid, s in got.items()}

    table = run(database_url, "results", "hw3").output
    line = next(line for line in table.splitlines() if line.startswith(copier))
    assert line.rstrip().endswith(f"≈{source} q1 {flagged[copier][0]['count']}/11, q2 {flag['count']}/31")
    assert "1 student flagged: answers that fit a classmate's variant" in table
    assert sum(1 for line in table.splitlines() if "≈s" in line) == 1

    report = tmp_path / "report.pdf"
    run(database_url, "report", "hw3", "--out", str(report))
    text = subprocess.run(["pdftotext", "-layout", str(report), "-"], capture_output=True, text=True).stdout
    assert "Answers that fit a classmate's variant" in text
    assert f"{copier}" in text and "Scores are unchanged" in text
    assert json.loads(run(database_url, "results", "hw3", "--json").output)["students"][copier]["flags"]
