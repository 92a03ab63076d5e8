"""Follow-through through steps that are not asked (issue 13, item 1).

A mistake costs the same whether or not the teacher asks for the cell it happens in: when a
wrong answer is explained by a named misconception applied to a cell the student did not write,
later answers computed right from that cell earn follow-through, exactly as if the cell had
been asked. The property, for every misconception, every exercise kind and any ``ask`` subset:
the items lost are the items lost with the whole chain asked (restricted to the subset), plus at
most one *carrier* per wrong cell that was not asked — the first answer that shows the mistake,
itself wrong, with the misconception named.

Students are simulated independently of the grader (tests/grading_class.py).
"""

from __future__ import annotations

from functools import lru_cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exgen.grading.judge import Marker
from exgen.grading.tolerance import tolerance
from grading_class import MISCONCEPTION_WAYS, WAYS, Student, answers_and_expectations, worked_values
from test_grading_judge import FAMILIES, marker, variants

INSTRUCTIONS = {"significant_figures": 4, "parameter_decimals": 6}


@lru_cache(maxsize=None)
def pool(family_name: str):
    return tuple(variants(family_name, students=6))


def subset_marker(variant, steps: set[str]) -> Marker:
    full = marker(variant)
    asked = [item for item in variant.asked if item.split("[", 1)[0] in steps]
    return Marker(full.graph, full.givens, full.exact, asked)


def wrong_cells(variant, student) -> set[tuple]:
    """The cells the student computed their wrong way and got off the exact value."""
    solution = variant.solution
    values = worked_values(solution, student)
    givens = solution.spec.given_values()
    off = set()
    for key in student.overrides:
        exact = float(solution.values[key])
        old = float(givens[(key[0][:-4], *key[1:])]) if key[0].endswith("_new") else None
        if abs(values[key] - exact) > tolerance(exact, old):
            off.add(key)
    return off


def honest_drift(variant, figures: int) -> bool:
    """Whether honest hand rounding to ``figures`` moves some cell beyond the tolerance."""
    solution = variant.solution
    values = worked_values(solution, Student(figures))
    givens = solution.spec.given_values()
    for cell in solution.graph.cells:
        key = cell.key
        exact = float(solution.values[key])
        old = float(givens[(key[0][:-4], *key[1:])]) if key[0].endswith("_new") else None
        if abs(values[key] - exact) > tolerance(exact, old):
            return True
    return False


def check_subset(variant, way: str, steps: set[str]):
    graph = variant.solution.graph
    student = WAYS[way](graph)
    if way == "factor_two" and graph.architecture.loss not in ("squared_error", "half_squared_error",
                                                                "mean_squared_error"):
        return None  # no factor 2 to forget in a cross-entropy
    if not student.misconception:
        return None  # this misconception cannot happen in this network (no square layer ...)
    if honest_drift(variant, student.figures):
        # The generator screens hand rounding with every tie rounded the same way; this student
        # rounds ties as the binary double falls, and the drift passes 1 % in a cell: with that
        # cell unwritten, honest rounding itself is marked (a generator matter, not this property).
        return None
    written, _ = answers_and_expectations(variant, student)
    full = {v.item: v for v in marker(variant).judge(written)}
    part_marker = subset_marker(variant, steps)
    if not part_marker.asked:
        return None
    part = {v.item: v for v in part_marker.judge({item: written[item] for item, _ in part_marker.asked})}
    lost_full = {item for item, v in full.items() if item in part and v.status == "incorrect"}
    lost_part = {item for item, v in part.items() if v.status == "incorrect"}
    carriers = lost_part - lost_full
    unasked_wrong = {key for key in wrong_cells(variant, student) if graph.item(key) not in part}

    # Some answers read just as well as a different misconception in the answer itself: an
    # updated parameter that a mistake upstream leaves where it was (a dead unit, a softmax unit
    # whose target is 0 and whose derivative was forgotten: a gradient row of 0) is also an update
    # not applied; a factor 2 in the gradient with η = 0.5 is also η left out. The answers cannot
    # tell these apart; such *twins* may count either way.
    solution = variant.solution
    twins = set()
    for item in carriers:
        key = next(k for i, k in part_marker.asked if i == item)
        if not key[0].endswith("_new"):
            continue
        old = part_marker.old[key]
        gradient = float(solution.values[(f"dL/d{key[0][:-4]}", *key[1:])])
        rate = float(solution.values[("learning_rate",)]) if ("learning_rate",) in solution.values \
            else float(solution.spec.given_values()[("learning_rate",)])
        alternative = {"update_not_applied": old, "learning_rate_omitted": old - gradient,
                       "update_sign": old + rate * gradient}.get(part[item].misconception)
        if alternative is not None and abs(float(written[item]) - alternative) <= \
                tolerance(alternative, old):
            twins.add(item)
    carriers -= twins
    assert lost_full <= lost_part, (way, steps, lost_full - lost_part)
    assert len(carriers) <= len(unasked_wrong), (way, sorted(steps), sorted(carriers), unasked_wrong)
    for item in carriers:
        assert part[item].misconception == student.misconception, (way, sorted(steps), part[item])
        assert "which you did not write down" in part[item].feedback
    # a mistake that shows in an asked answer is never free
    shows = any(full[item].status == "follow_through" for item in part)
    if shows and not lost_full:
        assert carriers or twins, (way, sorted(steps))
    for item, verdict in part.items():
        if item not in lost_part | twins:
            assert verdict.status in ("correct", "follow_through"), (way, sorted(steps), verdict)
    return len(lost_full), len(carriers)


@pytest.mark.parametrize("family_name", FAMILIES)
@pytest.mark.parametrize("way", MISCONCEPTION_WAYS)
@given(data=st.data())
def test_an_unasked_step_costs_what_the_whole_chain_costs(family_name, way, data):
    variant = data.draw(st.sampled_from(pool(family_name)), label="variant")
    names = [step.name for step in variant.solution.graph.steps]
    steps = data.draw(st.sets(st.sampled_from(names), min_size=1), label="ask")
    check_subset(variant, way, steps)


def test_the_issues_example_forgotten_sigma_prime():
    """ask = ŷ, L, ∂L/∂W2, ∂L/∂W1, W1_new and σ' forgotten in the (unasked) ∂L/∂z2: one item
    lost — the first answer to show it — and follow-through after it, as with every step asked."""
    steps = {"yhat", "loss", "dL/dW2", "dL/dW1", "W1_new"}
    for variant in pool("two-layer"):
        student = WAYS["forgotten_derivative"](variant.solution.graph)
        written, _ = answers_and_expectations(variant, student)
        part = subset_marker(variant, steps).judge(written)
        statuses = [v.status for v in part]
        assert statuses == ["correct", "correct", "incorrect"] + ["follow_through"] * 9, statuses
        assert part[2].item == "dL/dW2[1,1]"
        assert part[2].misconception == "forgotten_activation_derivative"
        assert part[2].feedback.endswith("(in dL/dz2[1], which you did not write down)")
        assert part[3].feedback == ("follows correctly from dL/dz2[1] as you worked it out (activation "
                                    "derivative left out, as your answer to dL/dW2[1,1] shows)")
        full = marker(variant).judge(written)
        assert [v.item for v in full if v.status == "incorrect"] == ["dL/dz2[1]"]


def test_every_misconception_and_kind_is_exercised():
    """The property above is not vacuous: for each misconception in a cell that later cells read
    (updated parameters are read by none), some subset has a carrier."""
    for way in ("forgotten_derivative", "factor_two", "seed_mistake", "transposed", "z_for_a"):
        found = False
        for family_name in FAMILIES:
            for variant in pool(family_name)[:2]:
                names = [step.name for step in variant.solution.graph.steps]
                for n in range(len(names)):
                    counts = check_subset(variant, way, set(names[n + 1:]) or {names[-1]})
                    found = found or bool(counts and counts[1])
        assert found, way
