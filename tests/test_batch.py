"""A large array of specs solved in forked workers gives exactly what one process gives, in
order, and the first bad spec by position is the one reported."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from exgen import batch
from exgen.batch import BatchError, solve_all
from exgen.engine.spec import load_documents
from exgen.notation.worked import solution_json_text
from tests.cli_runner import run

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import two_layer_specs  # noqa: E402

pytestmark = pytest.mark.skipif(not batch._can_fork(), reason="workers are forked (Linux)")


def documents(n: int) -> list:
    return load_documents(json.dumps(two_layer_specs(n, seed=5)), "json")[0]


def test_workers_give_what_one_process_gives(monkeypatch):
    monkeypatch.setattr(batch, "PARALLEL_FROM", 8)
    docs = documents(40)
    assert solve_all(docs, solution_json_text, jobs=2) == solve_all(docs, solution_json_text, jobs=1)


def test_the_first_bad_spec_is_reported_whichever_worker_meets_it(monkeypatch):
    monkeypatch.setattr(batch, "PARALLEL_FROM", 8)
    docs = documents(40)
    docs[33]["learning_rate"] = -1
    docs[7]["layers"][0]["activation"] = "relux"
    for jobs in (1, 2):
        with pytest.raises(BatchError) as e:
            solve_all(docs, solution_json_text, jobs=jobs)
        assert e.value.number == 8 and "relux" in e.value.message


def test_the_command_line_solves_a_large_array_in_workers(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "PARALLEL_FROM", 8)
    specs = two_layer_specs(30, seed=9)
    path = tmp_path / "specs.json"
    path.write_text(json.dumps(specs))
    parallel = run("sqlite://", "solve", str(path), "--json", "--jobs", "2")
    serial = run("sqlite://", "solve", str(path), "--json", "--jobs", "1")
    assert parallel.output == serial.output and len(json.loads(parallel.output)) == 30
    specs[12]["target"] = [1, 2]
    path.write_text(json.dumps(specs))
    bad = run("sqlite://", "solve", str(path), "--json", "--jobs", "2", code=2)
    assert "[13] target" in bad.output
