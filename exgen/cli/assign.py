"""``exgen assign ASSIGNMENT.toml --roster R.csv [--force]``."""

from __future__ import annotations

import click

from exgen.cli.common import database, stderr_progress
from exgen.cli.errors import InputError, read_bytes, read_text
from exgen.cli.lti import send_marked
from exgen.limits import MAX_ASSIGNMENT_FILE, MAX_ROSTER_FILE


@click.command()
@click.argument("assignment_file", metavar="ASSIGNMENT.toml")
@click.option("--roster", "roster_file", required=True, metavar="R.csv",
              help="CSV with a student_id column (and name; more columns are kept).")
@click.option("--force", is_flag=True,
              help="Replace every variant when the seed or the exercises changed.")
@click.pass_obj
def assign(obj, assignment_file, roster_file, force):
    """Create or extend an assignment: one variant per student and exercise.

    Re-running with a longer roster adds the new students and changes no existing variant.
    """
    from exgen.variants.assignment import AssignmentError, parse_assignment
    from exgen.variants.generator import GenerationError
    from exgen.storage.records import assign as assign_records
    from exgen.variants.roster import RosterError, read_roster

    text = read_text(assignment_file, "assignment file", MAX_ASSIGNMENT_FILE)
    try:
        definition = parse_assignment(text)
    except AssignmentError as e:
        raise InputError(f"{assignment_file}: {e}")
    data = read_bytes(roster_file, "roster", MAX_ROSTER_FILE)
    try:
        roster = read_roster(data, roster_file)
    except RosterError as e:
        raise InputError(str(e))

    total = len(roster) * len(definition.exercises)
    with database(obj) as session, stderr_progress(total, "variants") as bar:
        try:
            summary = assign_records(session, definition, roster, force, progress=bar.update)
        except GenerationError as e:
            raise InputError(f"{assignment_file}: {e}")
        bar.update(total)
    click.echo(summary.line())
    if summary.regraded is not None:
        send_marked(obj)  # re-marked scores to the LMS's gradebook, if the assignment is linked (LTI)
