"""``exgen solve FILE [--json]``: the worked solution of one spec, or of a JSON array of specs."""

from __future__ import annotations

import json
import sys

import click

from exgen.cli.errors import InputError, read_text
from exgen.engine.solver import SolveError, solve as solve_spec
from exgen.engine.spec import SpecError, load_documents, parse_spec
from exgen.limits import MAX_SPEC_FILE


@click.command()
@click.argument("file", metavar="FILE")
@click.option("--json", "as_json", is_flag=True, help="Print values, exact values and steps as JSON.")
def solve(file, as_json):
    """Solve the exercise spec in FILE (TOML or JSON; - reads stdin) exactly."""
    name = "<stdin>" if file == "-" else file
    text = read_text(file, "spec file", MAX_SPEC_FILE)
    fmt = "json" if file.endswith(".json") else "toml" if file.endswith(".toml") else None
    try:
        documents, is_list = load_documents(text, fmt)
    except SpecError as e:
        raise InputError(f"{name}: {e}")
    solutions = []
    for number, document in enumerate(documents, 1):
        where = f"{name}: [{number}] " if is_list else f"{name}: "
        try:
            solutions.append(solve_spec(parse_spec(document)))
        except (SpecError, SolveError) as e:
            raise InputError(f"{where}{e}")
    if as_json:
        from exgen.notation.worked import solution_json

        results = [solution_json(s) for s in solutions]
        # json.dumps, not json.dump: only dumps uses the C encoder (10x faster on big arrays)
        sys.stdout.write(json.dumps(results if is_list else results[0], ensure_ascii=False) + "\n")
        return
    from exgen.notation.worked import worked_text

    for number, solution in enumerate(solutions, 1):
        if is_list:
            click.echo(f"{'' if number == 1 else chr(10)}=== Spec {number} of {len(solutions)} ===")
        click.echo(worked_text(solution), nl=False)
