"""``exgen links NAME [--json] [--out FILE.csv] [--base-url URL] [--rotate SID]``."""

from __future__ import annotations

import json

import click

from exgen.cli.common import database
from exgen.cli.errors import InputError
from exgen.output import write_text


@click.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help='Print {"links": [{"student_id", "name", "url"}]} instead of a table.')
@click.option("--out", "out", metavar="FILE.csv", help="Write student_id,name,url to a CSV file (for mail merge).")
@click.option("--base-url", envvar="EXGEN_BASE_URL", metavar="URL",
              help="The service's public address (also EXGEN_BASE_URL); default http://127.0.0.1:8000.")
@click.option("--rotate", multiple=True, metavar="SID",
              help="Issue a new link for this student (the old one stops working); repeatable.")
@click.pass_obj
def links(obj, name, as_json, out, base_url, rotate):
    """Each student's private link to their own exercises on exgen serve.

    Links are the same on every run (derived from a key kept in the database); a link that was
    shared by mistake is replaced with --rotate SID.
    """
    from exgen.storage.links import DEFAULT_BASE_URL, class_links

    base_url = check_base_url(base_url or DEFAULT_BASE_URL)
    with database(obj, create=False) as session:
        data = class_links(session, name, base_url, set(rotate))
    if out:
        _write_csv(out, data["links"])
        click.echo(f"{name}: {len(data['links'])} links written to {out}", err=as_json)
    if as_json:
        click.echo(json.dumps(data, indent=1, ensure_ascii=False))
    elif not out:
        from exgen.storage.results import terminal_text

        for link in data["links"]:
            click.echo(f"{link['student_id']}\t{terminal_text(link['name'])}\t{link['url']}")
    if rotate:
        click.echo(f"new links for {', '.join(rotate)}; their old links no longer work", err=True)


def check_base_url(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InputError(f"--base-url: expected an address like https://exgen.example.edu, got {url!r}")
    return url.rstrip("/")


def _write_csv(path: str, rows: list[dict]) -> None:
    from exgen.storage.links import links_csv

    try:
        write_text(path, links_csv(rows), private=True)  # the links are the students' keys
    except OSError as e:
        raise InputError(f"{path}: cannot write the links ({e.strerror})") from None
