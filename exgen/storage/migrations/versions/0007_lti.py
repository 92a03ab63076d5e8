"""LTI 1.3: platforms and deployments, the tool's keys, used nonces, linked courses, line items
and the grade passback's outbox

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "lti_platforms",
        _id(),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("jwks_url", sa.String(length=1000), nullable=False),
        sa.Column("auth_url", sa.String(length=1000), nullable=False),
        sa.Column("token_url", sa.String(length=1000), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_platforms")),
        sa.UniqueConstraint("issuer", "client_id", name=op.f("uq_lti_platforms_issuer_client_id")),
    )
    op.create_table(
        "lti_deployments",
        _id(),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        _fk("lti_deployments", "platform_id", "lti_platforms"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_deployments")),
        sa.UniqueConstraint("platform_id", "deployment_id", name=op.f("uq_lti_deployments_platform_id_deployment_id")),
    )
    op.create_index(op.f("ix_lti_deployments_platform_id"), "lti_deployments", ["platform_id"])
    op.create_table(
        "lti_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        _when("created_at"),
        _when("retired_at", nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_lti_keys")),
    )
    op.create_table(
        "lti_nonces",
        sa.Column("digest", sa.String(length=64), nullable=False),
        _when("expires_at"),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_lti_nonces")),
    )
    op.create_index(op.f("ix_lti_nonces_expires_at"), "lti_nonces", ["expires_at"])
    op.create_table(
        "lti_contexts",
        _id(),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.String(length=255), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("lineitems_url", sa.String(length=1000), nullable=True),
        sa.Column("memberships_url", sa.String(length=1000), nullable=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        _when("updated_at"),
        _fk("lti_contexts", "assignment_id", "assignments"),
        _fk("lti_contexts", "platform_id", "lti_platforms"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_contexts")),
        sa.UniqueConstraint("platform_id", "context_id", "assignment_id",
                            name=op.f("uq_lti_contexts_platform_id_context_id_assignment_id")),
    )
    op.create_index(op.f("ix_lti_contexts_assignment_id"), "lti_contexts", ["assignment_id"])
    op.create_index(op.f("ix_lti_contexts_platform_id"), "lti_contexts", ["platform_id"])
    op.create_table(
        "lti_line_items",
        _id(),
        sa.Column("context_pk", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("created_by_tool", sa.Boolean(), nullable=False),
        _when("created_at"),
        _fk("lti_line_items", "context_pk", "lti_contexts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_line_items")),
        sa.UniqueConstraint("context_pk", "url", name=op.f("uq_lti_line_items_context_pk_url")),
    )
    op.create_index(op.f("ix_lti_line_items_context_pk"), "lti_line_items", ["context_pk"])
    op.create_table(
        "lti_scores",
        _id(),
        sa.Column("line_item_id", sa.Integer(), nullable=False),
        sa.Column("student_pk", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        _when("lease_until", nullable=True),
        _when("next_try_at", nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("posted_submission_id", sa.Integer(), nullable=True),
        sa.Column("posted_score", sa.Float(), nullable=True),
        _when("posted_at", nullable=True),
        _fk("lti_scores", "line_item_id", "lti_line_items"),
        sa.ForeignKeyConstraint(["student_pk"], ["students.id"], name=op.f("fk_lti_scores_student_pk_students"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_scores")),
        sa.UniqueConstraint("line_item_id", "student_pk", name=op.f("uq_lti_scores_line_item_id_student_pk")),
    )
    op.create_index(op.f("ix_lti_scores_line_item_id"), "lti_scores", ["line_item_id"])
    op.create_index(op.f("ix_lti_scores_pending"), "lti_scores", ["pending"])
    op.create_index(op.f("ix_lti_scores_student_pk"), "lti_scores", ["student_pk"])


def downgrade() -> None:
    for table in ("lti_scores", "lti_line_items", "lti_contexts", "lti_nonces", "lti_keys", "lti_deployments",
                  "lti_platforms"):
        op.drop_table(table)  # their indexes go with them
