"""School versions: every edit of a school's tables is kept; plans name the school version they serve.

Existing schools become version 1 of themselves (their scenario copied into ``school_versions``);
existing plan versions were all made for version 1.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "school_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("school_id", sa.Integer(), sa.ForeignKey("schools.id"), nullable=False, index=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("scenario_json", sa.Text(), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.UniqueConstraint("school_id", "version", name="uq_school_versions_school_version"),
    )
    with op.batch_alter_table("schools") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("plan_versions") as batch:
        batch.add_column(sa.Column("school_version", sa.Integer(), nullable=True))
    op.execute(
        "INSERT INTO school_versions (school_id, version, scenario_json, author, created_at, changes) "
        "SELECT id, 1, scenario_json, '', created_at, '[]' FROM schools"
    )
    op.execute("UPDATE plan_versions SET school_version = 1")


def downgrade() -> None:
    with op.batch_alter_table("plan_versions") as batch:
        batch.drop_column("school_version")
    with op.batch_alter_table("schools") as batch:
        batch.drop_column("version")
    op.drop_table("school_versions")
