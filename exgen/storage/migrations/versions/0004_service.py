"""Teacher tokens for exgen serve

Revision ID: 0004
Revises: 0003a
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teacher_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teacher_tokens")),
        sa.UniqueConstraint("label", name=op.f("uq_teacher_tokens_label")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_teacher_tokens_token_sha256")),
    )


def downgrade() -> None:
    op.drop_table("teacher_tokens")
