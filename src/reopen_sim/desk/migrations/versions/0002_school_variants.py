"""Schools made from another one (a what-if, or an edit of its tables): parent school and the change.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schools") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("what_if", sa.JSON(), nullable=True))
        batch.create_foreign_key("fk_schools_parent_id", "schools", ["parent_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("schools") as batch:
        batch.drop_constraint("fk_schools_parent_id", type_="foreignkey")
        batch.drop_column("what_if")
        batch.drop_column("parent_id")
