"""search_terms: the plain terms of case and person searches, out of the ledger (whose entries
carry their keyed hash and this table's row id); read by oversight with a stated purpose

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from duecourse.store.tables import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_terms",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("hmac", sa.String(64), nullable=False),
        sa.Column("record", sa.String(40), nullable=False),
        sa.Column("terms", sa.Text, nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("search_terms")
