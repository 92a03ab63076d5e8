"""``exgen report NAME --out FILE.pdf``."""

from __future__ import annotations

import click

from exgen.cli.common import database
from exgen.cli.errors import InputError
from exgen.output import write_bytes


@click.command()
@click.argument("name")
@click.option("--out", "out", required=True, metavar="FILE.pdf", help="Where to write the PDF.")
@click.pass_obj
def report(obj, name, out):
    """Item analysis for the teacher: score histogram, per item the share correct /
    follow-through / incorrect / missing, the most frequent misconceptions and the items that
    discriminate least."""
    from exgen.grading.report import report_pdf

    with database(obj, create=False) as session:
        analysis, pdf = report_pdf(session, name)
    try:
        write_bytes(out, pdf)  # a full disk leaves the previous report whole
    except OSError as e:
        raise InputError(f"{out}: cannot write the report ({e.strerror})")
    mean = f", mean score {analysis.mean:.2f} of {analysis.max_score:g}" if analysis.scores else ""
    click.echo(f"{name}: item analysis of {len(analysis.items)} items for {analysis.submitted} of "
               f"{analysis.students} students{mean} written to {out}")
