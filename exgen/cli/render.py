"""``exgen render NAME --out DIR [--combined] [--paper a4|letter] [--jobs N]``."""

from __future__ import annotations

import click

from exgen.cli.common import database, stderr_progress
from exgen.cli.errors import InputError


@click.command()
@click.argument("name")
@click.option("--out", "out_dir", required=True, metavar="DIR", type=click.Path(file_okay=False),
              help="Directory for <student_id>-worksheet.pdf and <student_id>-key.pdf.")
@click.option("--combined", is_flag=True,
              help="Also write all-worksheets.pdf and all-keys.pdf for printing.")
@click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False), default="a4",
              show_default=True, help="Paper size.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Render N students at once in separate processes (default: one per CPU).")
@click.pass_obj
def render(obj, name, out_dir, combined, paper, jobs):
    """Write every student's worksheet and answer key of assignment NAME as PDF."""
    from exgen.storage.records import load_assignment

    with database(obj, create=False) as session:
        record = load_assignment(session, name)
    click.echo(render_record(record, out_dir, paper=paper.lower(), combined=combined, jobs=jobs))


def render_record(record, out_dir, *, paper="a4", combined=False, jobs=None) -> str:
    """Render with a progress bar on stderr; return the one-line summary."""
    from exgen.render.writer import render_assignment

    try:
        with stderr_progress(len(record.students), "students") as bar:
            summary = render_assignment(record, out_dir, paper=paper, combined=combined,
                                        progress=bar.update, jobs=jobs)
    except OSError as e:
        raise InputError(f"{out_dir}: cannot write the PDF files ({e.strerror or e})")
    return f"{record.name}: {summary.line(out_dir)}"
