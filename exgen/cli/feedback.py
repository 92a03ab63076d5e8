"""``exgen feedback NAME --out DIR [--student SID]``: each graded student's work as a PDF to hand
back, ``DIR/<student_id>-feedback.pdf`` (design §10)."""

from __future__ import annotations

import click

from exgen.cli.common import database, stderr_progress
from exgen.cli.errors import InputError


@click.command()
@click.argument("name")
@click.option("--out", "out_dir", required=True, metavar="DIR", type=click.Path(file_okay=False),
              help="Directory for <student_id>-feedback.pdf.")
@click.option("--student", "students", multiple=True, metavar="SID",
              help="Only this student (repeat for several).")
@click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False), default="a4",
              show_default=True, help="Paper size.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Render N students at once in separate processes (default: one per CPU).")
@click.pass_obj
def feedback(obj, name, out_dir, students, paper, jobs):
    """Write a feedback PDF for every student with a graded submission: each answer with its
    verdict, points and feedback, the score, and the worked step of every answer not correct."""
    from exgen.cli.render import check_students
    from exgen.paper.feedback import graded_work
    from exgen.render.writer import render_feedback
    from exgen.storage.records import load_assignment

    with database(obj, create=False) as session:
        record = load_assignment(session, name)
        chosen = check_students(record, students)
        work = graded_work(session, name, chosen)
    if chosen:
        missing = [sid for sid in chosen if sid not in work]
        if missing:
            raise InputError(f"--student {missing[0]!r}: no graded submission yet (exgen grade {name} ...)")
    if not work:
        raise InputError(f"{name}: no graded submission yet: nothing to give feedback on (run exgen grade first)")
    try:
        with stderr_progress(len(work), "students") as bar:
            summary = render_feedback(record, out_dir, work, paper=paper.lower(), progress=bar.update, jobs=jobs)
    except OSError as e:
        raise InputError(f"{out_dir}: cannot write the PDF files ({e.strerror or e})")
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)
    without = len(record.students) - len(work) if not chosen else 0
    note = f"; {without} students without a graded submission get none" if without else ""
    click.echo(f"{record.name}: feedback for {summary.line(out_dir)}{note}")
