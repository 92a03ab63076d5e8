"""Every message the grader writes for an item, one test each (issue 13, item 3): each names
what was expected — the rule, never the number — and what the answer looks like, so that a
student knows what to fix."""

from __future__ import annotations

import re

import pytest

from exgen.engine.graph import build_graph
from exgen.grading.feedback import LABELS, typed_precision
from exgen.grading.judge import Marker
from exgen.grading.misconceptions import BY_NAME
from exgen.grading.reading import read_number
from grading_class import WAYS, answers_and_expectations
from test_grading_judge import marker as variant_marker, variants
from test_grading_numbers import REJECTED
from test_grading_seed import marker

SEED = marker("seed-two-layer")  # z1 = [1.8, 0.9], z2 = 1.55, L = 0.015328, W2_new[1,1] = 0.4004552 ...


def judge_one(item: str, text: str, judge: Marker = SEED):
    return next(v for v in judge.judge({item: text}) if v.item == item)


@pytest.mark.parametrize("text, precision", [("0.285", (-3, 3)), ("-0.0450", (-4, 3)), ("1.20e-3", (-5, 3)),
                                             ("12", (0, 2)), ("1,5", (-1, 2)), ("0", None), ("1/2", None),
                                             ("1.2×10^-3", (-4, 2)), ("abc", None)])
def test_typed_precision(text, precision):
    assert typed_precision(text) == precision


def test_the_issues_example_right_but_rounded_to_3_decimals_when_6_are_asked():
    """0.285 for 0.28458 (an updated weight, 6 decimals asked)."""
    arch = SEED.graph.architecture
    graph = build_graph(arch)
    givens = dict(SEED.givens)
    exact = dict(SEED.exact)
    key = ("W1_new", 0, 0)
    givens[("W1", 0, 0)] = 0.3
    exact[key] = 0.28458
    judge = Marker(graph, givens, exact, ["W1_new[1,1]"])
    verdict = judge.judge({"W1_new[1,1]": "0.285"})[0]
    assert verdict.status == "incorrect" and verdict.misconception == "coarse_rounding"
    assert verdict.feedback.startswith("right, but rounded to 3 decimals: 6 decimals are asked")
    cut = judge.judge({"W1_new[1,1]": "0.284"})[0]
    assert cut.status == "incorrect" and cut.misconception == "cut_off"
    assert cut.feedback.startswith("right, but cut off at 3 decimals instead of rounded, and 6 decimals are asked")
    assert judge.judge({"W1_new[1,1]": "0.284580"})[0].status == "correct"


def test_right_but_too_few_significant_figures():
    verdict = judge_one("loss", "0.015")  # L = 0.0153276: 2 figures are 2 % off
    assert (verdict.status, verdict.misconception) == ("incorrect", "coarse_rounding")
    assert verdict.feedback.startswith("right, but rounded to 2 significant figures: 4 significant figures are asked")


def test_right_but_cut_off():
    verdict = judge_one("dL/dW2[1,1]", "-0.045")  # −0.0455182 cut after two figures
    assert (verdict.status, verdict.misconception) == ("incorrect", "cut_off")
    assert verdict.feedback.startswith("right, but cut off at 2 significant figures instead of rounded, "
                                       "and 4 significant figures are asked")


def test_a_rounded_answer_of_one_figure_is_not_called_rounded():
    """'2' for 1.55 could be anything: too few digits to call it a rounding."""
    verdict = judge_one("z2[1]", "2")
    assert verdict.status == "incorrect" and verdict.misconception == ""


@pytest.mark.parametrize("text, looks", [
    ("-1.55", "has the wrong sign (its size is right)"),
    ("-1.2", "has the wrong sign"),
    ("15.5", "is 10 times too large (a misplaced decimal point?)"),
    ("0.0155", "is 100 times too small (a misplaced decimal point?)"),
    ("1.9", "is too large"),
    ("1.2", "is too small"),
    ("0", "is 0"),
])
def test_a_wrong_answer_is_told_the_rule_and_what_it_looks_like(text, looks):
    verdict = judge_one("z2[1]", text)
    assert verdict.status == "incorrect" and verdict.misconception == ""
    assert verdict.feedback == ("expected z2 = W2 · a1 + b2, computed from the given values or from your own "
                                f"earlier answers; your answer {looks}")
    assert "1.55" not in verdict.feedback  # the rule, never the number


def test_missing_names_the_rule_and_the_precision():
    assert judge_one("z2[1]", "").feedback == "no answer: expected z2 = W2 · a1 + b2, to 4 significant figures"
    assert judge_one("W2_new[1,1]", " ").feedback == \
        "no answer: expected W2_new = W2 − η · ∂L/∂W2, to 6 decimals"


@pytest.mark.parametrize("text", REJECTED)
def test_every_unreadable_cell_says_what_it_looks_like_and_what_to_write(text):
    verdict = judge_one("z2[1]", text)
    assert verdict.status == "invalid"
    looks, sep, fix = verdict.feedback.partition(": ")
    assert sep and looks and "write" in fix, verdict.feedback
    assert verdict.feedback == read_number(text).problem


def test_rounding_drift_is_right_and_says_why():
    answers = {"z1[1]": "1.8", "z1[2]": "0.9", "a1[1]": "1.8", "a1[2]": "0.9", "z2[1]": "1.55",
               "yhat[1]": "0.824", "dL/dyhat[1]": "-0.176", "dL/dz2[1]": "-0.0255", "dL/dW2[1,1]": "-0.0460"}
    verdict = next(v for v in SEED.judge(answers) if v.item == "dL/dW2[1,1]")
    assert verdict.status == "correct"
    assert verdict.feedback == "right: within rounding of what your own earlier answers give"


def test_follow_through_names_the_wrong_answer_it_follows_from():
    answers = {"z2[1]": "1.65", "yhat[1]": "0.8389"}  # σ(1.65) = 0.83889
    verdict = next(v for v in SEED.judge(answers) if v.item == "yhat[1]")
    assert verdict.status == "follow_through"
    assert verdict.feedback == "follows correctly from your wrong answer to z2[1]"


def test_every_misconception_names_the_rule():
    """The simulated students of every misconception, on every kind of exercise: each message
    names the rule broken (a formula) and what the answer looks like (the mistake)."""
    said = {}
    for family in ("two-layer", "three layers", "tanh, softmax, cross-entropy", "single-neuron"):
        for variant in variants(family, students=3):
            judge = variant_marker(variant)
            for way in WAYS:
                written, _ = answers_and_expectations(variant, WAYS[way](variant.solution.graph))
                for verdict in judge.judge(written):
                    if verdict.misconception in BY_NAME:
                        said.setdefault(verdict.misconception, set()).add(verdict.feedback)
    assert set(said) == set(BY_NAME)
    for name, messages in said.items():
        for message in messages:
            what, _, rule = message.partition(": ")
            assert what and "=" in rule, (name, message)


def test_the_report_has_a_label_for_every_name_the_grader_gives():
    assert set(LABELS) == {"coarse_rounding", "cut_off"}
    assert all(re.match(r"^[a-z]", label) for label in LABELS.values())
