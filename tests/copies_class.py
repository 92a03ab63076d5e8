"""A class for the copy search, without a database: generated variants, honest students who
work by hand in every way of tests/grading_class.py (slips, misconceptions, blanks, junk), and
copiers who hand in a classmate's sheet. Each answer is marked by the real grader, so what
counts as evidence is what ``exgen results`` would see. Shared by tests/test_copies.py and
bench/copies.py."""

from __future__ import annotations

from exgen.engine.graph import build_graph
from exgen.engine.solver import solve
from exgen.grading.copies import Answer, VariantValues
from exgen.grading.judge import Marker
from exgen.grading.reading import read_number
from exgen.storage.records import variant_code
from exgen.variants.families import PRESETS, tune
from exgen.variants.generator import architecture, generate
from grading_class import WAYS, answers_and_expectations


class _Variant:
    def __init__(self, solution, asked):
        self.solution, self.asked = solution, asked


def build_class(n: int, copiers: dict[str, str] | None = None, preset: str = "two-layer",
                family: dict | None = None, seed: int = 7, exercise: str = "q2", ways=None):
    """(variants, answers): ``n`` students s0000 ...; ``copiers`` maps a copier to the classmate
    whose sheet they hand in as their own."""
    copiers = copiers or {}
    fam = tune(PRESETS[preset], family or {}, "family")
    graph = build_graph(architecture(fam))
    names = {step.name for step in graph.steps}
    ids = [f"s{k:04d}" for k in range(n)]
    specs = generate(fam, seed, exercise, ids, names)
    ways = list(ways or WAYS)
    variants, written, markers = [], {}, {}
    for k, sid in enumerate(ids):
        solution = solve(specs[sid])
        asked = [item for item, _ in solution.items(names)]
        variant = _Variant(solution, asked)
        doc = solution.spec.to_dict()
        exact = {item: str(float(solution.values[key])) for item, key in solution.items(names)}
        variants.append(VariantValues.from_stored(sid, exercise, variant_code("hw", exercise, doc), doc, asked, exact))
        student = WAYS[ways[k % len(ways)]](solution.graph)
        written[sid], _ = answers_and_expectations(variant, student)
        markers[sid] = Marker(solution.graph, {key: float(v) for key, v in solution.spec.given_values().items()},
                              {c.key: float(solution.values[c.key]) for c in solution.graph.cells}, asked)
    for copier, source in copiers.items():
        written[copier] = dict(written[source])
    answers = {}
    for sid in ids:
        answers[sid] = {}
        for verdict in markers[sid].judge(written[sid]):
            if verdict.value is None:
                continue
            evidence = verdict.status == "incorrect" and not verdict.misconception
            answers[sid][f"{exercise}.{verdict.item}"] = Answer(verdict.value, verdict.submitted, evidence)
    return variants, answers


def read(text: str) -> float | None:
    return read_number(text).value
