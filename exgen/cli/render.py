"""``exgen render NAME --out DIR [--combined] [--paper a4|letter] [--jobs N] [--student SID]
[--base-url URL]``."""

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
@click.option("--student", "students", multiple=True, metavar="SID",
              help="Render only this student (repeat for several).")
@click.option("--base-url", envvar="EXGEN_BASE_URL", default=None, metavar="URL",
              help="Public address of exgen serve (also EXGEN_BASE_URL): the worksheets' QR codes "
                   "then hold each student's private link instead of their ticket.")
@click.pass_obj
def render(obj, name, out_dir, combined, paper, jobs, students, base_url):
    """Write every student's worksheet (a fillable PDF form) and answer key of assignment NAME."""
    from exgen.storage.records import load_assignment

    base_url = check_base_url(base_url)
    with database(obj, create=False) as session:
        record = load_assignment(session, name)
        chosen = check_students(record, students)
        identities = worksheet_identities(session, record, base_url)
    click.echo(render_record(record, out_dir, paper=paper.lower(), combined=combined, jobs=jobs,
                             identities=identities, students=chosen))


def check_base_url(base_url: str | None) -> str | None:
    if not base_url:
        return None
    if not base_url.startswith(("https://", "http://")) or any(c.isspace() for c in base_url):
        raise InputError(f"--base-url {base_url!r}: not an http:// or https:// address")
    return base_url


def check_students(record, students) -> list[str] | None:
    """The student ids asked for (None: everyone); an id not on the roster is an error."""
    if not students:
        return None
    known = {s["student_id"] for s in record.students}
    unknown = [sid for sid in students if sid not in known]
    if unknown:
        raise InputError(f"--student {unknown[0]!r}: not on the roster of {record.name}")
    return list(dict.fromkeys(students))


def worksheet_identities(session, record, base_url):
    from exgen.paper.tickets import worksheet_identities as identities

    return identities(session, record, base_url)


def render_record(record, out_dir, *, paper="a4", combined=False, jobs=None, identities=None,
                  students=None) -> str:
    """Render with a progress bar on stderr; return the one-line summary."""
    from exgen.render.writer import render_assignment

    try:
        with stderr_progress(len(students or record.students), "students") as bar:
            summary = render_assignment(record, out_dir, paper=paper, combined=combined,
                                        progress=bar.update, jobs=jobs, identities=identities,
                                        students=students)
    except OSError as e:
        raise InputError(f"{out_dir}: cannot write the PDF files ({e.strerror or e})")
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)
    return f"{record.name}: {summary.line(out_dir)}"
