"""persons: an index on the A-number, by which a removal looks for the person's other cases

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 02:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_persons_a_number", "persons", ["a_number"])


def downgrade() -> None:
    op.drop_index("ix_persons_a_number", table_name="persons")
