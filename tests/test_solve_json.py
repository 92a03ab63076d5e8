"""``exgen solve --json`` written the fast way is the JSON of design §2, byte for byte what
``json.dumps`` writes for the solution's structure; and the solve path stays lean."""

from __future__ import annotations

import json
import subprocess
import sys

from hypothesis import given, settings

from exgen.engine.solver import SolveError, solve
from exgen.engine.spec import parse_spec
from exgen.notation.worked import _json_float, solution_json, solution_json_text
from tests.strategies import specs


@settings(max_examples=150)
@given(specs())
def test_the_fast_json_text_is_json_dumps_of_the_solution(doc):
    try:
        solution = solve(parse_spec(doc))
    except SolveError:
        return
    fast = solution_json_text(solution)
    assert fast == json.dumps(solution_json(solution), ensure_ascii=False)
    # and again for a second solution of the same shape (the layout is cached per shape)
    assert solution_json_text(solve(parse_spec(doc))) == fast


def test_floats_are_written_as_json_dumps_writes_them():
    for x in (0.0, -0.0, 1e-7, 1.5e300, -2.5, float("inf"), float("-inf"), float("nan")):
        assert _json_float(x) == json.dumps(x)


def test_solving_does_not_import_numpy(tmp_path):
    """numpy is for the generator's screening; ``exgen solve`` must not pay for importing it."""
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"input": [1, 2], "target": [1], "loss": "half_squared_error",
                                "learning_rate": 0.1,
                                "layers": [{"weights": [[0.5, 0.6]], "bias": [0.1],
                                            "activation": "sigmoid"}]}))
    code = ("import sys\n"
            "from exgen.cli import cli\n"
            "try:\n"
            f"    cli(['solve', {str(spec)!r}, '--json'], prog_name='exgen')\n"
            "except SystemExit:\n"
            "    pass\n"
            "print('numpy' in sys.modules, file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout)["values"]["loss"] > 0
    assert result.stderr.strip() == "False"
