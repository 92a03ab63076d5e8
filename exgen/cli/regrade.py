"""``exgen regrade NAME``."""

from __future__ import annotations

import click

from exgen.cli.common import database, stderr_progress


@click.command()
@click.argument("name")
@click.pass_obj
def regrade(obj, name):
    """Re-mark every stored submission, e.g. after the assignment's [grading] settings changed
    (run exgen assign with the edited file first)."""
    from sqlalchemy import func, select

    from exgen.storage.models import Submission
    from exgen.grading.store import regrade as regrade_all
    from exgen.storage.records import find_assignment

    with database(obj, create=False) as session:
        assignment = find_assignment(session, name)
        total = session.scalar(select(func.count(Submission.id)).where(Submission.assignment_id == assignment.id))
        with stderr_progress(total, "regrading") as bar:
            summary = regrade_all(session, name, progress=bar.update)
    click.echo(summary.line())
