"""``exgen feedback``: one PDF per graded student, read back as text — their answers (printed
literally), each verdict and the score as stored, and for every item not correct the answer
key's own line for that entry; on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil

import pytest

from cli_runner import run
from exgen.render.documents import key_exercise
from exgen.render.writer import file_stems
from grading_class import results
from paper_class import answers, assign_class, record_of, write_csv
from test_render import flat, pdf_text

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

WAYS = {"s001": "exact", "s004": "slip", "x/1": "junk", "s006": "skipped_update", "s007": "exact"}


@pytest.fixture
def graded(database_url, tmp_path):
    assign_class(database_url, tmp_path, WAYS)
    record = record_of(database_url)
    written, _ = answers(record, {sid: way for sid, way in WAYS.items() if sid != "s007"})
    written["x/1"]["q1:loss"] = "<b>0.5</b> & {{ 1 }}"  # text, never markup
    run(database_url, "grade", "hw3", str(write_csv(tmp_path / "answers.csv", record, written)))
    return database_url, record


def test_a_feedback_pdf_per_graded_student_with_answers_verdicts_score_and_worked_steps(graded, tmp_path):
    url, record = graded
    out = tmp_path / "feedback"
    result = run(url, "feedback", "hw3", "--out", str(out), "--jobs", "2")
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("hw3: feedback for 4 students") and "1 students without a graded submission" in summary
    stems = file_stems([s["student_id"] for s in record.students])
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{stems[sid]}-feedback.pdf" for sid in WAYS if sid != "s007")
    got = results(url)["students"]
    for sid in ("s001", "s004", "x/1", "s006"):
        text = pdf_text(out / f"{stems[sid]}-feedback.pdf")
        words = flat(text)
        student = got[sid]
        assert f"Student {sid}" in words and sid in words and "Feedback" in words
        score = f"{student['score']:.2f}".rstrip("0").rstrip(".")
        assert f"Score {score} of 14" in words
        for exercise in record.exercises:
            variant = record.variant(sid, exercise["key"])
            steps = {e.item: e for stage in key_exercise(variant).stages for step in stage.steps for e in step.entries}
            assert variant.code in words
            for item in variant.asked:
                full = f"{exercise['key']}.{item}"
                verdict = student["items"][full]
                assert full in words
                if verdict["submitted"]:
                    assert " ".join(verdict["submitted"].replace("−", "-").split()) in words
                if verdict["status"] != "correct":
                    # the key's line for this entry, with its rounded result
                    assert steps[full].result.replace("−", "-") in words, (sid, full)
        statuses = {v["status"] for v in student["items"].values()}
        names = {"correct": "correct", "follow_through": "follow-through", "incorrect": "incorrect",
                 "missing": "missing", "invalid": "not a number"}
        for status in statuses:
            assert names[status] in words, (sid, status)
    junk = flat(pdf_text(out / f"{stems['x/1']}-feedback.pdf"))
    assert "<b>0.5</b> & {{ 1 }}" in junk  # printed as typed
    slip = flat(pdf_text(out / f"{stems['s004']}-feedback.pdf"))
    assert "follows correctly from your wrong answer to" in slip
    exact = flat(pdf_text(out / f"{stems['s001']}-feedback.pdf"))
    assert "Score 14 of 14 (100 %)" in exact and "incorrect" not in exact.replace("✗ incorrect or not a number", "")


def test_one_student_and_clear_errors(graded, tmp_path):
    url, record = graded
    out = tmp_path / "one"
    run(url, "feedback", "hw3", "--out", str(out), "--student", "s004")
    assert [p.name for p in out.iterdir()] == ["s004-feedback.pdf"]
    assert "no graded submission yet" in run(url, "feedback", "hw3", "--out", str(out), "--student", "s007",
                                             code=2).output
    assert "not on the roster" in run(url, "feedback", "hw3", "--out", str(out), "--student", "nobody",
                                      code=2).output
    assert "no assignment named" in run(url, "feedback", "hw9", "--out", str(out), code=2).output


def test_no_submission_yet_is_a_clear_error(database_url, tmp_path):
    assign_class(database_url, tmp_path, {"s001": "exact"})
    result = run(database_url, "feedback", "hw3", "--out", str(tmp_path / "fb"), code=2)
    assert "no graded submission yet" in result.output
