"""``exgen worker [--broker-url URL] [--files DIR] [--threads N]``."""

from __future__ import annotations

import click

from exgen.cli.errors import InputError


@click.command()
@click.option("--broker-url", envvar="EXGEN_BROKER_URL", required=True, metavar="URL",
              help="The queue's Redis, e.g. redis://127.0.0.1:6379/0 (also EXGEN_BROKER_URL).")
@click.option("--files", "files", envvar="EXGEN_FILES", default=None, metavar="DIR",
              type=click.Path(file_okay=False),
              help="The file store results go to, shared with the service (also EXGEN_FILES); "
                   "default exgen-files next to a SQLite database.")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Parts run at once; rendering is CPU-bound: start one worker process per core instead.")
@click.pass_obj
def worker(obj, broker_url, files, threads):
    """Run the service's long jobs (render, export, report, regrade) from the queue until
    SIGTERM or Ctrl-C. Any number of workers, on any machines sharing the database and the file
    store; a worker that dies mid-job has its part run again by another.

    Prints "exgen: worker ready" once it takes parts from the queue.
    """
    from exgen.jobs.files import store_for
    from exgen.jobs.queue import BrokerError, work
    from exgen.storage.session import DatabaseError, engine_for, shown_url

    database_url = obj["database_url"]
    store = store_for(database_url, files)
    try:
        engine_for(database_url)  # the schema is current before the first part
        work(database_url, broker_url, store, threads=threads,
             ready=lambda: click.echo(f"exgen: worker ready (database {shown_url(database_url)}, "
                                      f"files in {store.root})"))
    except (BrokerError, DatabaseError) as e:
        raise InputError(str(e)) from None
