"""Engines and sessions; the database is upgraded to the newest schema on first use."""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from importlib.resources import files

import os

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///exgen.db"


class DatabaseError(RuntimeError):
    """The database cannot be reached or used; the message says which and why."""


def migrations_dir() -> str:
    """Where the Alembic scripts are, in a source checkout and in an installed wheel alike."""
    return str(files("exgen.storage") / "migrations")


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", migrations_dir())
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["exgen_url"] = url
    return config


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


#: Connections an engine keeps open to a database server: more than the service uses at once
#: (``EXGEN_THREADS`` requests per process, 4 by default, beside its LTI outbox and job
#: threads). A pool smaller than that closes the extra ("overflow") connections after every
#: request and opens them again for the next, a new PostgreSQL backend each time. Connections
#: are opened only when needed, so a command-line run still opens one.
POOL_SIZE, POOL_OVERFLOW = 16, 8


def make_engine(url: str) -> Engine:
    try:
        server = make_url(url).get_backend_name() != "sqlite"
        engine = create_engine(url, future=True,
                               **({"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW} if server else {}))
    except (ArgumentError, ImportError, ValueError) as e:
        raise DatabaseError(f"cannot use database URL {url!r}: {e}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def upgrade(engine: Engine, url: str) -> None:
    """Bring the schema to the newest revision (a no-op when it already is)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = alembic_config(url)
    head = ScriptDirectory.from_config(config).get_current_head()
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            if current == head:
                return
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
    except OperationalError as e:
        raise DatabaseError(f"cannot open database {engine.url.render_as_string(hide_password=True)}: {e.orig}") from None


@lru_cache(maxsize=8)
def _factory(url: str) -> sessionmaker:
    # one factory per database: building a sessionmaker costs more than a short request's query
    return sessionmaker(bind=engine_for(url), expire_on_commit=False)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine, url)
    _ENGINES.append(engine)
    return engine


def shown_url(url: str) -> str:
    """A database URL as people should see it (no password)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def require_existing(url: str) -> None:
    """Refuse a SQLite file that does not exist yet: a command that only reads, run in the wrong
    folder, must say where it looked instead of creating an empty database there."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return  # make_engine says what is wrong with it
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not parsed.database.startswith("file:") and not os.path.exists(parsed.database):
        raise DatabaseError(
            f"no database at {os.path.abspath(parsed.database)} (looked for {url}); run exgen assign "
            "in the folder that holds exgen.db, or pass --db / set EXGEN_DATABASE_URL")


@contextmanager
def session_scope(url: str, create: bool = True):
    """A session whose work is committed as one transaction, or rolled back entirely.
    ``create=False``: a SQLite file that does not exist is an error, not a new database."""
    if not create:
        require_existing(url)
    session: Session = _factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_all() -> None:
    """Close every pooled connection (tests drop their databases afterwards)."""
    for engine in list(_engines()):
        engine.dispose()
    engine_for.cache_clear()
    _factory.cache_clear()


def _engines():
    # lru_cache keeps no public list of its values; track them here instead.
    return _ENGINES


_ENGINES: list[Engine] = []
