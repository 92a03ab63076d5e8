"""Assignment files: presets, tuning, fixed specs, asked quantities, and every refusal."""

from __future__ import annotations

import pytest

from exgen.variants.assignment import AssignmentError, parse_assignment

HEAD = 'name = "hw"\nseed = 7\n'


def parse(body: str):
    return parse_assignment(HEAD + body)


def test_presets_tuning_fixed_specs_and_asked_quantities():
    a = parse("""
title = "T"
[instructions]
significant_figures = 3
[[exercise]]
id = "q1"
preset = "two-layer"
points = 5
ask = ["loss", "yhat", "W1_new"]
[exercise.family]
layers = [3, 1]
weights = {min = -0.5, max = 0.5, step = 0.05, exclude = [0]}
learning_rate = [0.25]
[[exercise]]
id = "q2"
[exercise.spec]
input = [1, 2]
target = [1]
loss = "squared_error"
learning_rate = 0.1
[[exercise.spec.layers]]
weights = [[0.5, -0.5]]
bias = [0]
activation = "identity"
""")
    q1, q2 = a.exercises
    assert q1.ask == ("yhat", "loss", "W1_new")  # in the order the work is done
    assert q1.family.layers == (3, 1) and q1.family.activations == ("relu", "sigmoid")
    assert len(q1.family.weights.values) == 20 and 0 not in q1.family.weights.values
    assert a.instructions == {"significant_figures": 3, "parameter_decimals": 6}
    assert q2.spec is not None and q2.family is None and q2.points == 1 and "dL/dW1" in q2.ask


def test_hash_ignores_points_and_titles_but_not_seed_or_exercises():
    base = parse('[[exercise]]\nid = "q1"\npreset = "two-layer"\npoints = 5\n')
    assert base.variants_hash() == parse('title = "New"\n[[exercise]]\nid = "q1"\npreset = "two-layer"\npoints = 9\n').variants_hash()
    assert base.variants_hash() != parse_assignment('name = "hw"\nseed = 8\n[[exercise]]\nid = "q1"\npreset = "two-layer"\n').variants_hash()
    assert base.variants_hash() != parse('[[exercise]]\nid = "q1"\npreset = "two-layer"\n[exercise.family]\nlearning_rate = [0.2]\n').variants_hash()


EX = '[[exercise]]\nid = "q1"\n'


@pytest.mark.parametrize(
    "text,message",
    [
        (HEAD + 'titel = "x"\n' + EX + 'preset = "two-layer"\n', "titel: unknown key (did you mean 'title'?)"),
        ('seed = 1\n' + EX + 'preset = "two-layer"\n', "name: missing"),
        ('name = "a b"\nseed = 1\n' + EX + 'preset = "two-layer"\n', "name: must be a short handle"),
        ('name = "hw"\nseed = -1\n' + EX + 'preset = "two-layer"\n', "seed: must be a whole number from 0 to 2147483647"),
        (HEAD, "exercise: missing"),
        (HEAD + EX + 'preset = "two_layer"\n', "exercise[1].preset: unknown preset 'two_layer' (did you mean 'two-layer'?)"),
        (HEAD + EX + 'preset = "two-layer"\npionts = 3\n', "exercise[1].pionts: unknown key (did you mean 'points'?)"),
        (HEAD + EX + 'preset = "two-layer"\n' + EX + 'preset = "two-layer"\n', "exercise[2].id: 'q1' is used by an earlier exercise"),
        (HEAD + '[[exercise]]\nid = "q.1"\npreset = "two-layer"\n', "exercise[1].id: must be a short id"),
        (HEAD + EX, "exercise[1]: needs a preset"),
        (HEAD + EX + 'preset = "two-layer"\n[exercise.family]\nwieghts = [0.1]\n', "exercise[1].family.wieghts: unknown key (did you mean 'weights'?)"),
        (HEAD + EX + 'preset = "two-layer"\n[exercise.family]\nweights = {min = -1, max = 1, step = 0.001}\n', "exercise[1].family.weights.step: 0.001 has more than 2 decimals"),
        (HEAD + EX + 'preset = "two-layer"\n[exercise.family]\nweights = {min = 1, max = -1, step = 0.1}\n', "exercise[1].family.weights: max (-1) is below min (1)"),
        (HEAD + EX + 'preset = "two-layer"\n[exercise.family]\nweights = {min = -1, max = 1}\n', "exercise[1].family.weights.step: missing"),
        (HEAD + EX + 'preset = "two-layer"\n[exercise.family]\nlayers = [2, 2, 1]\n', "exercise[1].family.activations: has 2 entries but there are 3 layers"),
        (HEAD + EX + 'preset = "two-layer"\n[exercise.family]\nactivations = ["softmax", "sigmoid"]\n', "exercise[1].family.activations[1]: softmax is only allowed in the output layer"),
        (HEAD + EX + 'preset = "two-layer"\n[exercise.family]\nloss = "cross_entropy"\nactivations = ["relu", "tanh"]\n', "cross_entropy needs a sigmoid or softmax output layer"),
        (HEAD + EX + 'preset = "two-layer"\n[exercise.family]\ndead_units = 3\n', "exercise[1].family.dead_units: asks for 3 dead units but the family has 2 ReLU units"),
        (HEAD + EX + 'family = {inputs = 2}\n', "exercise[1].family.layers: missing (a family without a preset must give"),
        (HEAD + EX + 'preset = "two-layer"\nask = ["dL/dW3"]\n', "exercise[1].ask[1]: no quantity 'dL/dW3' in this network (did you mean 'dL/dW2'?)"),
        (HEAD + EX + '[exercise.spec]\ninput = [1]\n', "exercise[1].spec.target: missing"),
        (HEAD + EX + 'preset = "two-layer"\n[exercise.spec]\ninput = [1]\n', "exercise[1].spec: a fixed spec cannot be combined with a preset"),
        (HEAD + '[grading]\nfollow_through_credit = 2\n' + EX + 'preset = "two-layer"\n', "grading.follow_through_credit: must be between 0 and 1"),
        (HEAD + '[grading]\ndecimal_comma = "yes"\n' + EX + 'preset = "two-layer"\n',
         'grading.decimal_comma: must be "auto" or true or false, got "yes"'),
        (HEAD + '[grading]\ndecimal_comma = 1\n' + EX + 'preset = "two-layer"\n',
         'grading.decimal_comma: must be "auto" or true or false, got 1'),
        (HEAD + '[grading]\ndecimal_coma = true\n' + EX + 'preset = "two-layer"\n',
         "grading.decimal_coma: unknown key (did you mean 'decimal_comma'?)"),
        (HEAD + '[instructions]\nsignificant_figure = 3\n' + EX + 'preset = "two-layer"\n', "instructions.significant_figure: unknown key (did you mean 'significant_figures'?)"),
        ("name = [\n", "not valid TOML"),
        (HEAD + EX + '[exercise.spec]\ninput = [1]\ntarget = [1]\nloss = "binary_cross_entropy"\nlearning_rate = 0.1\n'
         '[[exercise.spec.layers]]\nweights = [[0.5]]\nbias = [0.5]\nactivation = "identity"\n',
         "exercise[1].spec: cannot compute loss: binary_cross_entropy needs every prediction ŷ strictly between 0 and 1"),
    ],
)
def test_bad_assignment_files_get_one_clear_message(text, message):
    with pytest.raises(AssignmentError) as info:
        parse_assignment(text)
    assert message in str(info.value)


@pytest.mark.parametrize("value, stored", [('"auto"', "auto"), ("true", True), ("false", False), (None, "auto")])
def test_decimal_comma_setting(value, stored):
    grading = f"[grading]\ndecimal_comma = {value}\n" if value else ""
    definition = parse_assignment(HEAD + grading + EX + 'preset = "two-layer"\n')
    assert definition.grading["decimal_comma"] == stored
