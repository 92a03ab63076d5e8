"""Submissions: source (csv, web, pdf), attempt number, late flag

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=10), server_default="csv", nullable=False))
        batch_op.add_column(sa.Column("attempt", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("late", sa.Boolean(), server_default=sa.false(), nullable=False))
    # graded rows stored before: numbered in the order they arrived
    op.execute(
        "UPDATE submissions SET attempt = (SELECT COUNT(*) FROM submissions AS earlier"
        " WHERE earlier.assignment_id = submissions.assignment_id"
        " AND earlier.student_pk = submissions.student_pk"
        " AND earlier.status = 'graded' AND earlier.id <= submissions.id)"
        " WHERE status = 'graded' AND student_pk IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("late")
        batch_op.drop_column("attempt")
        batch_op.drop_column("source")
