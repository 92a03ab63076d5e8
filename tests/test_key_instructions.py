"""The answer key follows the assignment's own [instructions], which reach it through the
assignment record, and says so; a result whose asked digits differ from the exact solution's
carries the exact value beside it, in the PDF as text."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from exgen.instructions import Instructions
from exgen.notation.worked import worked_lines
from exgen.render.documents import student_document
from exgen.render.engine import document_html
from exgen.render.math import INLINE
from exgen.render.writer import render_assignment
from tests.test_render import make_record

ASSIGNMENT = """
name = "rounding"
title = "Rounding as instructed"
seed = 7

[instructions]
significant_figures = 3
parameter_decimals = 5

[[exercise]]
id = "q1"
preset = "two-layer"
points = 10
[exercise.family]
learning_rate = [1]
"""
ROSTER = [("r1", "Rhea"), ("r2", "Ravi"), ("r3", "Rosa")]


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    return make_record(tmp_path_factory.mktemp("rounding"), ASSIGNMENT, ROSTER)


def test_the_key_rounds_as_the_assignment_instructs(record):
    rules = Instructions(3, 5)
    brackets = 0
    for sid, _ in ROSTER:
        document = student_document(record, {"student_id": sid}, "key")
        assert document.instructions == rules
        (exercise,) = document.exercises
        shown = {e.item: (e.result, e.exact, e.exact_value)
                 for stage in exercise.stages for step in stage.steps for e in step.entries}
        variant = record.variant(sid, "q1")
        expected = {f"q1.{e.item}": (e.result, e.exact, e.exact_value)
                    for lines in worked_lines(variant.solution, INLINE, rules) for e in lines.entries}
        assert shown == expected
        default = {f"q1.{e.item}": e.result for lines in worked_lines(variant.solution, INLINE)
                   for e in lines.entries}
        assert shown.keys() == default.keys() and any(shown[i][0] != default[i] for i in shown)
        for item, (result, _, exact_value) in shown.items():
            digits = result.lstrip("−").replace(".", "").lstrip("0")
            if "_new" not in item:
                assert len(digits) <= 3, (item, result)  # 3 significant figures
            else:
                assert len(result.partition(".")[2]) <= 5, (item, result)  # 5 decimals
            brackets += exact_value is not None
        html = " ".join(document_html(record, {"student_id": sid, "name": ""}, "key").split())
        assert "3 significant figures" in html and "parameters 5 decimals" in html
    assert brackets  # learning rate 1: rounded gradients show in the updates


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_exact_value_is_text_in_the_pdf(record, tmp_path):
    render_assignment(record, tmp_path, jobs=1)
    found = 0
    for sid, _ in ROSTER:
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / f"{sid}-key.pdf"), "-"],
                              check=True, capture_output=True, text=True).stdout
        text = " ".join(text.split())
        document = student_document(record, {"student_id": sid}, "key")
        for stage in document.exercises[0].stages:
            for step in stage.steps:
                for e in step.entries:
                    if e.exact_value is not None:
                        assert f"{e.result} (exact {e.exact_value})" in text, e.item
                        found += 1
    assert found
