"""``exgen serve [--host 127.0.0.1] [--port 8000] [--workers N] [--base-url URL] [--rate-limit N]``."""

from __future__ import annotations

import os

import click

from exgen.cli.errors import InputError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: a free one, printed).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (one per CPU core is a good start).")
@click.option("--base-url", envvar="EXGEN_BASE_URL", metavar="URL",
              help="Public address used in students' links (also EXGEN_BASE_URL); default http://HOST:PORT.")
@click.option("--rate-limit", default=20, show_default=True, type=click.IntRange(1, 1_000_000), metavar="N",
              help="Submissions per minute per student link.")
@click.option("--address-limit", default=3000, show_default=True, type=click.IntRange(600, 100_000_000), metavar="N",
              help="Requests per minute per client address and worker (a class often shares one address).")
@click.option("--broker-url", envvar="EXGEN_BROKER_URL", default="", metavar="URL",
              help="Send long jobs (render, export, report, regrade) to exgen worker processes through this "
                   "Redis (also EXGEN_BROKER_URL); default: a process pool of this service.")
@click.option("--files", envvar="EXGEN_FILES", default="", metavar="DIR",
              help="Where job results are kept, shared with the workers (also EXGEN_FILES); default "
                   "exgen-files next to a SQLite database.")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="Log each request on stderr (students' link tokens are never logged).")
@click.pass_obj
def serve(obj, host, port, workers, base_url, rate_limit, address_limit, broker_url, files, access_log):
    """Serve students' pages, the teacher API and the dashboard until Ctrl-C.

    Prints "exgen: serving on http://HOST:PORT" once it accepts connections. Students open
    their private links (exgen links NAME); teachers use a token (exgen token create LABEL).
    """
    from exgen.cli.links import check_base_url
    from exgen.service.config import ServiceConfig
    from exgen.service.serve import serve as run
    from exgen.storage.session import DatabaseError

    config = ServiceConfig(database_url=obj["database_url"], base_url=check_base_url(base_url) if base_url else "",
                           rate_limit=rate_limit, address_limit=address_limit, broker_url=broker_url,
                           files=os.path.abspath(files) if files else "")
    try:
        run(config, host=host, port=port, workers=workers, access_log=access_log)
    except DatabaseError as e:
        raise InputError(str(e)) from None
