"""``exgen answer-sheet NAME --out FILE.csv``."""

from __future__ import annotations

import io

import click

from exgen.cli.common import database
from exgen.cli.errors import InputError
from exgen.output import write_text


@click.command("answer-sheet")
@click.argument("name")
@click.option("--out", "out", required=True, metavar="FILE.csv", help="Where to write the sheet ('-' for stdout).")
@click.pass_obj
def answer_sheet(obj, name, out):
    """Write the empty answer sheet: student_id and every asked item, one row per student."""
    from exgen.grading.sheet import sheet_items, write_sheet
    from exgen.storage.records import load_assignment

    with database(obj, create=False) as session:
        record = load_assignment(session, name)
    buffer = io.StringIO(newline="")
    students = write_sheet(record, buffer)
    if out == "-":
        click.echo(buffer.getvalue(), nl=False)
        return
    try:
        write_text(out, buffer.getvalue())
    except OSError as e:
        raise InputError(f"{out}: cannot write the answer sheet ({e.strerror})")
    click.echo(f"{name}: answer sheet with {students} students and {len(sheet_items(record))} items written to {out}",
               err=False)
