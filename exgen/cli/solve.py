"""``exgen solve FILE [--json]``: the worked solution of one spec, or of a JSON array of specs."""

from __future__ import annotations

import gc
import sys
from contextlib import contextmanager

import click

from exgen.cli.errors import InputError, read_text
from exgen.engine.solver import SolveError, solve as solve_spec
from exgen.engine.spec import SpecError, load_documents, parse_spec


@click.command()
@click.argument("file", metavar="FILE")
@click.option("--json", "as_json", is_flag=True, help="Print values, exact values and steps as JSON.")
def solve(file, as_json):
    """Solve the exercise spec in FILE (TOML or JSON; - reads stdin) exactly."""
    name = "<stdin>" if file == "-" else file
    text = read_text(file, "spec file")
    fmt = "json" if file.endswith(".json") else "toml" if file.endswith(".toml") else None
    try:
        documents, is_list = load_documents(text, fmt)
    except SpecError as e:
        raise InputError(f"{name}: {e}")
    if as_json:
        from exgen.notation.worked import solution_json_text as write
    else:
        from exgen.notation.worked import worked_text as write
    # Each spec is written as soon as it is solved (only its text is kept), with the cyclic
    # garbage collector paused: a batch makes many small objects and no cycles, and the
    # collector would otherwise walk them again and again (a fifth of the time of 2,000 specs).
    texts = []
    with _collector_paused():
        for number, document in enumerate(documents, 1):
            where = f"{name}: [{number}] " if is_list else f"{name}: "
            try:
                texts.append(write(solve_spec(parse_spec(document))))
            except (SpecError, SolveError) as e:
                raise InputError(f"{where}{e}")
    if as_json:
        sys.stdout.write(("[" + ", ".join(texts) + "]" if is_list else texts[0]) + "\n")
        return
    for number, text in enumerate(texts, 1):
        if is_list:
            click.echo(f"{'' if number == 1 else chr(10)}=== Spec {number} of {len(texts)} ===")
        click.echo(text, nl=False)


@contextmanager
def _collector_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
