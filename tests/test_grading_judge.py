"""Judging answers against the step graph: one mechanism for every exercise kind.

Students are simulated by tests/grading_class.py (hand rounding, slips, misconceptions, blanks,
junk); variants come from the generator, so every network shape, loss and batch size the
families allow is judged the same way."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from exgen.variants.families import PRESETS, tune
from exgen.variants.generator import architecture, generate
from exgen.grading.judge import Marker, credit
from exgen.engine.graph import build_graph
from exgen.engine.solver import Solution, solve
from grading_class import WAYS, Student, answers_and_expectations, worked_values

FAMILIES = {
    "single-neuron": ("single-neuron", {}),
    "two-layer": ("two-layer", {}),
    "tanh, softmax, cross-entropy": ("two-layer", {"layers": [3, 3], "activations": ["tanh", "softmax"],
                                                   "loss": "cross_entropy"}),
    "leaky ReLU, sigmoid, binary cross-entropy": ("two-layer", {"activations": ["leaky_relu", "sigmoid"],
                                                                "loss": "binary_cross_entropy"}),
    "a batch of two": ("two-layer", {"batch_size": 2}),
    "two outputs, mean squared error": ("two-layer", {"layers": [2, 2], "activations": ["relu", "identity"],
                                                      "loss": "mean_squared_error", "target": [0, 0.5, 1]}),
    "three layers": ("two-layer", {"layers": [2, 2, 1], "activations": ["relu", "tanh", "sigmoid"]}),
}


@dataclass
class Variant:
    """What answers_and_expectations reads of a stored variant."""

    solution: Solution
    asked: list


def variants(family_name, students=8, ask=None):
    preset, table = FAMILIES[family_name]
    family = tune(PRESETS[preset], table, "family")
    graph = build_graph(architecture(family))
    names = ask or [step.name for step in graph.steps]
    specs = generate(family, 11, "q", [f"s{n}" for n in range(students)], set(names))
    for spec in specs.values():
        solution = solve(spec)
        yield Variant(solution, [item for item, _ in solution.items(set(names))])


def marker(variant: Variant) -> Marker:
    solution = variant.solution
    return Marker(solution.graph, {k: float(v) for k, v in solution.spec.given_values().items()},
                  {c.key: float(solution.values[c.key]) for c in solution.graph.cells}, variant.asked)


@pytest.mark.parametrize("family_name", FAMILIES)
def test_one_mechanism_judges_every_exercise_kind(family_name):
    squared = FAMILIES[family_name][1].get("loss", "squared") in ("squared", "mean_squared_error")
    seen = set()
    for variant in variants(family_name):
        judge = marker(variant)
        for way, make in WAYS.items():
            student = make(variant.solution.graph)
            if way == "factor_two" and not squared:
                student.misconception = ""  # no factor 2 to forget in a cross-entropy
            written, expected = answers_and_expectations(variant, student)
            for verdict in judge.judge(written):
                status, misconception = expected[verdict.item]
                assert (verdict.status, verdict.misconception if misconception else "") == \
                    (status, misconception), (way, verdict)
                seen.add(status)
    assert seen == {"correct", "follow_through", "incorrect", "missing", "invalid"}


def test_blank_or_unreadable_earlier_answers_never_block_later_credit():
    variant = next(variants("two-layer"))
    judge = marker(variant)
    written, _ = answers_and_expectations(variant, Student(4))
    for gap in ("", "no idea"):
        # everything up to the loss left out or unreadable: the rest still earns full credit
        answers = {item: (gap if item.startswith(("z", "a", "yhat")) else text) for item, text in written.items()}
        statuses = {v.item: v.status for v in judge.judge(answers)}
        assert {s for item, s in statuses.items() if not item.startswith(("z", "a", "yhat"))} == {"correct"}
        assert {s for item, s in statuses.items() if item.startswith(("z", "a", "yhat"))} == \
            {"missing" if gap == "" else "invalid"}


def test_follow_through_carries_across_blank_cells():
    """A slip in z2, ŷ left blank, the loss computed from the slipped z2: follow-through."""
    variant = next(variants("two-layer"))
    graph = variant.solution.graph
    z2 = graph.step_of["z2"].cells[0]
    student = Student(4, {z2.key: lambda v, A: z2.compute(v, A) + 0.3})
    written, _ = answers_and_expectations(variant, student)
    written["yhat[1]"] = ""
    verdicts = {v.item: v for v in marker(variant).judge(written)}
    assert verdicts["z2[1]"].status == "incorrect"
    assert verdicts["yhat[1]"].status == "missing"
    assert verdicts["loss"].status == "follow_through"
    assert verdicts["loss"].feedback == "follows correctly from your wrong answer to z2[1]"


def test_a_misconception_is_found_through_quantities_that_were_not_asked():
    """Only ŷ and ∂L/∂W1 asked; the student forgot σ' in (unwritten) ∂L/∂z2."""
    for variant in variants("two-layer", students=4, ask=["yhat", "dL/dW1"]):
        graph = variant.solution.graph
        forgot = WAYS["forgotten_derivative"](graph)
        values = worked_values(variant.solution, Student(6, forgot.overrides))
        written = {item: f"{values[key]:.4g}" for item, key in variant.solution.items({"yhat", "dL/dW1"})}
        verdicts = marker(variant).judge(written)
        # the first ∂L/∂W1 entry shows the mistake; the others follow from the ∂L/∂z2 it implies
        assert [v.status for v in verdicts] == ["correct", "incorrect"] + ["follow_through"] * 3
        assert verdicts[1].misconception == "forgotten_activation_derivative"
        assert verdicts[1].feedback.endswith("(in dL/dz2[1], which you did not write down)")
        assert all("dL/dz2[1] as you worked it out" in v.feedback for v in verdicts[2:])


def test_the_old_weights_are_never_close_enough():
    for family_name in ("single-neuron", "two-layer", "a batch of two"):
        for variant in variants(family_name):
            written, _ = answers_and_expectations(variant, WAYS["skipped_update"](variant.solution.graph))
            for verdict in marker(variant).judge(written):
                if verdict.item.split("[")[0].endswith("_new"):
                    assert verdict.status == "incorrect"
                    assert verdict.misconception == "update_not_applied"


def test_updated_parameters_are_judged_by_their_update():
    variant = next(variants("two-layer"))
    judge = marker(variant)
    item, key = next((item, key) for item, key in judge.asked if key[0] == "W1_new")
    old, new = judge.old[key], judge.exact[key]
    update = new - old
    for factor, status in ((1.0, "correct"), (1.009, "correct"), (0.991, "correct"), (1.03, "incorrect"),
                           (0.0, "incorrect")):
        answer = f"{old + factor * update:.6f}"
        verdict = next(v for v in judge.judge({item: answer}) if v.item == item)
        assert verdict.status == status, (factor, answer, new)


def test_credit_follows_the_grading_settings():
    assert credit("correct", {}) == 1.0
    assert credit("follow_through", {}) == 1.0
    assert credit("follow_through", {"follow_through_credit": 0.25}) == 0.25
    for status in ("incorrect", "missing", "invalid"):
        assert credit(status, {"follow_through_credit": 1.0}) == 0.0


def test_unknown_items_are_refused():
    variant = next(variants("two-layer"))
    with pytest.raises(ValueError, match="z9"):
        Marker(variant.solution.graph, {}, {}, ["z9[1]"])
