"""``exgen solve FILE [--json]``: the worked solution of one spec, or of a JSON array of specs."""

from __future__ import annotations

import sys

import click

from exgen.batch import BatchError, solve_all
from exgen.cli.errors import InputError, read_text
from exgen.engine.spec import SpecError, load_documents
from exgen.limits import MAX_SPEC_FILE


@click.command()
@click.argument("file", metavar="FILE")
@click.option("--json", "as_json", is_flag=True, help="Print values, exact values and steps as JSON.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes for a large array of specs (default: one per CPU).")
def solve(file, as_json, jobs):
    """Solve the exercise spec in FILE (TOML or JSON; - reads stdin) exactly."""
    name = "<stdin>" if file == "-" else file
    text = read_text(file, "spec file", MAX_SPEC_FILE)
    fmt = "json" if file.endswith(".json") else "toml" if file.endswith(".toml") else None
    try:
        documents, is_list = load_documents(text, fmt)
    except SpecError as e:
        raise InputError(f"{name}: {e}")
    if as_json:
        from exgen.notation.worked import solution_json_text as write
    else:
        from exgen.notation.worked import worked_text as write
    try:
        texts = solve_all(documents, write, jobs)
    except BatchError as e:
        raise InputError(f"{name}: [{e.number}] {e.message}" if is_list else f"{name}: {e.message}")
    if as_json:
        # piece by piece: joining first would copy megabytes of text once more
        out = sys.stdout
        if is_list:
            out.write("[")
            for number, text in enumerate(texts):
                if number:
                    out.write(", ")
                out.write(text)
            out.write("]\n")
        else:
            out.write(texts[0] + "\n")
        return
    for number, text in enumerate(texts, 1):
        if is_list:
            click.echo(f"{'' if number == 1 else chr(10)}=== Spec {number} of {len(texts)} ===")
        click.echo(text, nl=False)
