"""``exgen grade NAME FILE.csv``: exit status 0 every row graded, 1 some rows rejected, 2 the
command could not run (design §4)."""

from __future__ import annotations

import click

from exgen.cli.common import database, stderr_progress
from exgen.cli.errors import InputError, read_bytes
from exgen.limits import MAX_SHEET_FILE

#: Rejected rows listed one by one; beyond this, a count.
MAX_LISTED = 50


@click.command()
@click.argument("name")
@click.argument("sheet_file", metavar="FILE.csv")
@click.pass_context
def grade(ctx, name, sheet_file):
    """Grade a filled answer sheet and store every row (one transaction for the whole file).

    Grading the same file again changes nothing; a student's later submission supersedes the
    earlier one (both are kept).
    """
    from exgen.grading.sheet import SheetError, read_sheet, sheet_items
    from exgen.grading.store import grade_sheet
    from exgen.storage.records import load_assignment

    data = read_bytes(sheet_file, "answer sheet", MAX_SHEET_FILE)

    with database(ctx.obj, create=False) as session:
        items = sheet_items(load_assignment(session, name))
        try:
            sheet = read_sheet(data, sheet_file, items)
        except SheetError as e:
            raise InputError(str(e))
        with stderr_progress(len(sheet.rows), "grading") as bar:
            summary = grade_sheet(session, name, sheet, progress=bar.update)
    # the transaction is committed: only now report and choose the exit status
    if summary.ignored_columns:
        click.echo(f"note: columns ignored (not items of {name}): {', '.join(summary.ignored_columns)}", err=True)
    if summary.missing_columns:
        shown = ", ".join(summary.missing_columns[:8]) + (" ..." if len(summary.missing_columns) > 8 else "")
        click.echo(f"note: {len(summary.missing_columns)} items have no column and count as missing: {shown}",
                   err=True)
    for line, ref, problem in summary.rejected[:MAX_LISTED]:
        who = f" ({ref})" if ref and ref not in problem else ""
        click.echo(f"{sheet_file}: line {line}{who}: rejected: {problem}", err=True)
    if len(summary.rejected) > MAX_LISTED:
        click.echo(f"... and {len(summary.rejected) - MAX_LISTED} more rejected rows", err=True)
    click.echo(summary.line())
    if summary.rejected:
        ctx.exit(1)
