"""``exgen export NAME --to FORMAT --out PATH``: quizzes for Moodle, QTI 2.1 players and Canvas,
and gradebook CSVs for Canvas and Moodle."""

from __future__ import annotations

import os

import click

from exgen.cli.common import database, stderr_progress
from exgen.cli.errors import InputError
from exgen.export import FORMATS, export_format
from exgen.output import replacing


@click.command(help="""Export assignment NAME for a learning-management system.

\b
Formats:
""" + "\n".join(f"  {f.name:<14} {f.help}" for f in FORMATS.values()) + """

PATH is the file to write; if it is a directory, NAME-FORMAT.xml/.zip/.csv is written in it.
""")
@click.argument("name")
@click.option("--to", "fmt", required=True, type=click.Choice(list(FORMATS)), metavar="FORMAT",
              help="One of: " + ", ".join(FORMATS) + ".")
@click.option("--out", "out", required=True, metavar="PATH", help="File (or directory) to write.")
@click.pass_obj
def export(obj, name, fmt, out):
    from exgen.export import export_inputs, make_export

    chosen = export_format(fmt)
    target = _target(out, name, chosen)
    with database(obj, create=False) as session:
        record, results = export_inputs(session, name, chosen)
    try:
        with stderr_progress(len(record.variants) if chosen.kind == "quiz" else 0, f"{fmt} export") as bar, \
                replacing(target) as out:
            made = make_export(record, results, chosen, out, progress=bar.update)
            size = out.tell()
    except OSError as e:
        raise InputError(f"{target}: cannot write the export ({e.strerror or e})") from None
    click.echo(f"{name}: {fmt} export, {made.summary} -> {target} ({_size(size)})")


def _target(out: str, name: str, chosen) -> str:
    if os.path.isdir(out):
        return os.path.join(out, f"{name}-{chosen.name}{chosen.suffix}")
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise InputError(f"{out}: cannot write there, the directory {parent} does not exist")
    return out


def _size(n: int) -> str:
    return f"{n} bytes" if n < 10_000 else f"{n / 1024:.0f} KB" if n < 10_000_000 else f"{n / 1048576:.1f} MB"
