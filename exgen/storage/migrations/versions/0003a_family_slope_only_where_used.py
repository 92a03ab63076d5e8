"""Stored families name a negative slope only when a layer takes one

Families used to store ``negative_slope`` (then 0.1 by default) whatever their activations, and
the variants hash covered it; the default became 0.01 (design §1), which would have made every
stored family look changed to ``exgen assign``. Families now write the slope only when a layer
is a leaky ReLU; this rewrites the stored definitions and hashes the same way, so an
assignment without leaky ReLU layers extends as before (its variants never depended on it).

Revision ID: 0003a
Revises: 0003
Create Date: 2026-11-30 01:30:00
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0003a"
down_revision = "0003"
branch_labels = None
depends_on = None

#: The activations that took a slope when this migration was written (frozen in time).
TAKES_SLOPE = {"leaky_relu"}
OLD_DEFAULT_SLOPE = 0.1

assignments = sa.table("assignments", sa.column("id", sa.Integer), sa.column("seed", sa.Integer),
                       sa.column("definition", sa.JSON), sa.column("variants_hash", sa.String))
exercises = sa.table("exercises", sa.column("id", sa.Integer), sa.column("definition", sa.JSON))


def _variants_hash(definition: dict) -> str:
    """As exgen.variants.assignment.AssignmentDef.variants_hash computes it from the same JSON."""
    material = {"seed": definition["seed"],
                "exercises": [{k: e.get(k) for k in ("id", "family", "spec", "ask")}
                              for e in definition.get("exercises", [])]}
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _rewrite(exercise: dict, upgrade: bool) -> dict:
    family = exercise.get("family")
    if not family or TAKES_SLOPE & set(family.get("activations", [])):
        return exercise
    family = dict(family)
    if upgrade:
        family.pop("negative_slope", None)
    else:
        family.setdefault("negative_slope", OLD_DEFAULT_SLOPE)
    return {**exercise, "family": family}


def _migrate(upgrade: bool) -> None:
    connection = op.get_bind()
    for row in connection.execute(sa.select(assignments.c.id, assignments.c.definition)).all():
        definition = dict(row.definition)
        definition["exercises"] = [_rewrite(e, upgrade) for e in definition.get("exercises", [])]
        connection.execute(assignments.update().where(assignments.c.id == row.id)
                           .values(definition=definition, variants_hash=_variants_hash(definition)))
    for row in connection.execute(sa.select(exercises.c.id, exercises.c.definition)).all():
        connection.execute(exercises.update().where(exercises.c.id == row.id)
                           .values(definition=_rewrite(dict(row.definition), upgrade)))


def upgrade() -> None:
    _migrate(upgrade=True)


def downgrade() -> None:
    _migrate(upgrade=False)
