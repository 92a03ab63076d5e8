"""``exgen demo [--out DIR]``: a sample assignment on the default database, rendered to PDF.

The assignment and roster are part of the package (no file to find), and re-running the demo
reuses the assignment it made before: ``assign`` only adds what is missing.
"""

from __future__ import annotations

import click

from exgen.cli.common import database

DEMO_ASSIGNMENT = """
name = "demo"
title = "Demo — Backpropagation by hand"
course = "Neural Networks (sample course)"
seed = 2026

[instructions]
significant_figures = 4
parameter_decimals = 6

[[exercise]]
id = "q1"
preset = "single-neuron"
points = 4

[[exercise]]
id = "q2"
preset = "two-layer"
points = 10
"""

#: Fictional students.
DEMO_ROSTER = [
    ("d001", "Mira Okafor"),
    ("d002", "Jonas Lindqvist"),
    ("d003", "Aiko Tanaka"),
    ("d004", "Élodie Marchand"),
]


@click.command()
@click.option("--out", "out_dir", default="exgen-demo", show_default=True, metavar="DIR",
              type=click.Path(file_okay=False), help="Directory for the PDF files.")
@click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False), default="a4",
              show_default=True, help="Paper size.")
@click.pass_obj
def demo(obj, out_dir, paper):
    """Create a sample assignment (both presets, a few fictional students) and render it."""
    import os

    from exgen.variants.assignment import parse_assignment
    from exgen.cli.render import render_record, worksheet_identities
    from exgen.storage.records import assign, load_assignment
    from exgen.variants.roster import RosterEntry

    definition = parse_assignment(DEMO_ASSIGNMENT)
    roster = [RosterEntry(sid, name) for sid, name in DEMO_ROSTER]
    with database(obj) as session:
        summary = assign(session, definition, roster)
        record = load_assignment(session, definition.name)
        identities = worksheet_identities(session, record, None)
    click.echo(summary.line())
    click.echo(render_record(record, out_dir, paper=paper.lower(), combined=True, identities=identities))
    first = os.path.join(out_dir, f"{DEMO_ROSTER[0][0]}")
    click.echo(f"Open {first}-worksheet.pdf and {first}-key.pdf, or print "
               f"{os.path.join(out_dir, 'all-worksheets.pdf')} and {os.path.join(out_dir, 'all-keys.pdf')}.")
