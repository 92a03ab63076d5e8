"""``exgen variants NAME [--json]``: every student's variant of every exercise."""

from __future__ import annotations

import json

import click

from exgen.cli.common import database


@click.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help='Print {"variants": [{"student_id", "exercise", "spec", "answers"}]}: each variant\'s spec and the values of its asked quantities.')
@click.pass_obj
def variants(obj, name, as_json):
    """List the variants of assignment NAME with their specs and answers."""
    from exgen.storage.records import load_assignment

    with database(obj, create=False) as session:
        record = load_assignment(session, name)
    if as_json:
        out = {"variants": [
            {"student_id": v.student_id, "exercise": v.exercise, "code": v.code,
             "spec": v.spec_doc, "answers": v.answers()}
            for v in record.variants
        ]}
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    click.echo(f"{record.name}: {record.title} — {len(record.students)} students, "
               f"{len(record.exercises)} exercises, {len(record.variants)} variants")
    for v in record.variants:
        layers = v.spec_doc["layers"]
        sizes = "-".join(str(n) for n in [len(layers[0]["weights"][0])] + [len(layer["weights"]) for layer in layers])
        click.echo(f"{v.student_id:>12}  {v.exercise:<6} {v.code}  {sizes} network, "
                   f"{len(v.asked)} items, loss {v.spec_doc['loss']}")
