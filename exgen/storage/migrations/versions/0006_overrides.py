"""Teachers' overrides of single items; where a submission's decimal commas come from

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("student_pk", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"],
                                name=op.f("fk_overrides_assignment_id_assignments"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["student_pk"], ["students.id"],
                                name=op.f("fk_overrides_student_pk_students"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overrides")),
        sa.UniqueConstraint("student_pk", "item", name=op.f("uq_overrides_student_pk_item")),
    )
    op.create_index(op.f("ix_overrides_assignment_id"), "overrides", ["assignment_id"], unique=False)
    op.create_index(op.f("ix_overrides_student_pk"), "overrides", ["student_pk"], unique=False)
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("decimal_comma", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("decimal_comma")
    op.drop_index(op.f("ix_overrides_student_pk"), table_name="overrides")
    op.drop_index(op.f("ix_overrides_assignment_id"), table_name="overrides")
    op.drop_table("overrides")
