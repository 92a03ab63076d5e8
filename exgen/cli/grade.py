"""``exgen grade NAME PATH...``: answer-sheet CSVs, filled worksheets (PDF), folders and zips of
them, in one transaction. Exit status 0 every row and file graded, 1 some rejected (each
reported on one line), 2 the command could not run (design §4)."""

from __future__ import annotations

import click

from exgen.cli.common import database, stderr_progress
from exgen.cli.errors import InputError

#: Rejected rows and files listed one by one; beyond this, a count.
MAX_LISTED = 50


@click.command()
@click.argument("name")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.pass_context
def grade(ctx, name, paths):
    """Grade answer sheets (CSV) and filled worksheets (PDF, folders of them, zip files such as an
    LMS's "download all submissions") and store everything, in one transaction.

    A worksheet is graded as the student of its ticket, whatever the file is called. Grading the
    same files again changes nothing; a student's later submission supersedes the earlier one
    (both are kept).
    """
    from exgen.grading.files import grade_paths
    from exgen.grading.sheet import SheetError
    from exgen.paper.collect import CollectError, display_name, plan

    try:
        files = plan(list(paths))
    except CollectError as e:
        raise InputError(str(e))
    with database(ctx.obj, create=False) as session:
        try:
            with stderr_progress(files.total, "grading") as bar:
                summary = grade_paths(session, name, list(paths), progress=bar.update, files=files)
        except (CollectError, SheetError) as e:
            raise InputError(str(e))
    # the transaction is committed: only now report and choose the exit status
    for note in summary.column_notes:
        click.echo(f"note: {display_name(note)}", err=True)
    listed = 0
    for source, line, ref, problem in summary.rejected_rows:
        if listed < MAX_LISTED:
            who = f" ({ref})" if ref and ref not in problem else ""
            click.echo(f"{display_name(source)}: line {line}{who}: rejected: {problem}", err=True)
        listed += 1
    for source, problem in summary.rejected_files:
        if listed < MAX_LISTED:
            click.echo(f"{display_name(source)}: rejected: {problem}", err=True)
        listed += 1
    if listed > MAX_LISTED:
        click.echo(f"... and {listed - MAX_LISTED} more rejected", err=True)
    for note in summary.notes():
        click.echo(f"note: {display_name(note)}", err=True)
    click.echo(summary.line())
    if summary.rejected:
        ctx.exit(1)
