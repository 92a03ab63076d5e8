"""Migrations: an empty database upgraded to head matches the models (no drift), and every
revision walks up and down — on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from exgen.storage.models import Base
from exgen.storage.session import alembic_config


def _upgrade(url, target="head"):
    command.upgrade(alembic_config(url), target)


def test_head_has_no_drift(database_url):
    _upgrade(database_url)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_every_revision_walks_up_and_down(database_url):
    config = alembic_config(database_url)
    revisions = list(ScriptDirectory.from_config(config).walk_revisions("base", "heads"))[::-1]
    assert revisions, "no migrations found"
    engine = create_engine(database_url)
    for revision in revisions:
        command.upgrade(config, revision.revision)
        command.downgrade(config, revision.down_revision or "base")
        command.upgrade(config, revision.revision)
    command.downgrade(config, "base")
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert tables == set()


def test_alembic_cli_works_from_the_project_root(tmp_path):
    """`alembic upgrade head` and `alembic check` from the root, URL from EXGEN_DATABASE_URL."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parents[1]
    env = {**os.environ, "EXGEN_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    alembic = [sys.executable, "-m", "alembic"]
    up = subprocess.run(alembic + ["upgrade", "head"], cwd=root, env=env, capture_output=True, text=True)
    assert up.returncode == 0, up.stderr
    check = subprocess.run(alembic + ["check"], cwd=root, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
