"""``exgen results NAME [--json]``."""

from __future__ import annotations

import json

import click

from exgen.cli.common import database


@click.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of the table: {\"students\": {ID: {\"score\", \"max_score\", \"items\": {ITEM: {\"status\", \"score\", \"submitted\", \"expected\", \"feedback\"}}}}}.")
@click.pass_obj
def results(obj, name, as_json):
    """The class's results from the current submissions: a table, or JSON."""
    from exgen.storage.results import class_results, results_table

    with database(obj, create=False) as session:
        data = class_results(session, name)
    if as_json:
        click.echo(json.dumps(data, indent=1, ensure_ascii=False))
    else:
        click.echo(results_table(data))
