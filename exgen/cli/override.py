"""``exgen override NAME SID ITEM --status S [--score X] --note TEXT [--by WHO]`` and ``--clear``."""

from __future__ import annotations

import click

from exgen.cli.common import database
from exgen.cli.errors import InputError
from exgen.grading.judge import STATUSES


@click.command()
@click.argument("name")
@click.argument("student_id", metavar="SID")
@click.argument("item", metavar="ITEM")
@click.option("--status", type=click.Choice(STATUSES), help="The status the item counts with.")
@click.option("--score", type=float, help="Points for the item (default: what the status earns).")
@click.option("--note", help="Why (required): shown with the override in results and the report.")
@click.option("--by", "by", help="Who decides (default: the OS user).")
@click.option("--clear", is_flag=True, help="Remove the override: the grader's verdict counts again.")
@click.pass_obj
def override(obj, name, student_id, item, status, score, note, by, clear):
    """Decide one item of one student by hand (ITEM as on the answer sheet, e.g. q2.z1[1]).

    The override is stored with who and when, counts in results, the report and the gradebook
    exports, and stays through exgen regrade.
    """
    from exgen.grading.overrides import OverrideError, clear_override, set_override

    if clear:
        if status or score is not None or note:
            raise InputError("--clear takes no --status, --score or --note")
    elif not status:
        raise InputError("--status is required (or --clear to remove an override)")
    with database(obj) as session:
        try:
            if clear:
                removed = clear_override(session, name, student_id, item)
            else:
                row = set_override(session, name, student_id, item, status, note or "", score, by)
                shown = f"{row.score:g} points" if row.score is not None else "the points of the status"
                line = f"{name}: {student_id} {item} counts as {status} ({shown}), by {row.by}: {row.note}"
        except OverrideError as e:
            raise InputError(f"{name}: {e}") from None
    if clear:
        click.echo(f"{name}: {student_id} {item}: " + ("override removed; the grader's verdict counts again"
                                                         if removed else "had no override; nothing changed"))
    else:
        click.echo(line)
