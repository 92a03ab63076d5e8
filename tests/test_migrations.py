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


def test_families_stored_with_the_old_slope_default_still_extend_without_force(database_url, tmp_path):
    """A database from before families wrote their slope only where used: migrating it keeps
    `exgen assign` from taking an unchanged file for a changed one."""
    from pathlib import Path

    from sqlalchemy import select

    from cli_runner import run
    from exgen.storage.models import Assignment
    from exgen.storage.session import dispose_all, session_scope
    from exgen.variants.assignment import parse_assignment

    examples = Path(__file__).parents[1] / "examples"
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\ns1,A\ns2,B\n")
    run(database_url, "assign", str(examples / "hw3.toml"), "--roster", str(roster))
    before = run(database_url, "variants", "hw3", "--json").output
    dispose_all()
    config = alembic_config(database_url)
    command.downgrade(config, "0003")  # the stored definitions as the old code wrote them
    engine = create_engine(database_url)  # not session_scope: that would upgrade the database
    with engine.connect() as connection:
        definition, stored_hash = connection.execute(select(Assignment.definition, Assignment.variants_hash)).one()
    engine.dispose()
    assert all(e["family"]["negative_slope"] == 0.1 for e in definition["exercises"])
    assert stored_hash != parse_assignment((examples / "hw3.toml").read_text()).variants_hash()
    command.upgrade(config, "head")
    with session_scope(database_url) as session:
        assert session.scalar(select(Assignment.variants_hash)) == \
            parse_assignment((examples / "hw3.toml").read_text()).variants_hash()
    roster.write_text("student_id,name\ns1,A\ns2,B\ns3,C\n")
    out = run(database_url, "assign", str(examples / "hw3.toml"), "--roster", str(roster)).output
    assert "1 new" in out
    after = run(database_url, "variants", "hw3", "--json").output
    import json

    old_variants = json.loads(before)["variants"]
    assert json.loads(after)["variants"][:len(old_variants)] == old_variants
