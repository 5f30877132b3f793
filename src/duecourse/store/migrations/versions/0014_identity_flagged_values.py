"""identity records: the values a source gave that were not valid, kept as given with the reason

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Records imported before were refused unless every value was valid: none is flagged (NULL).
    with op.batch_alter_table("identity_records") as batch:
        batch.add_column(sa.Column("flagged", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identity_records") as batch:
        batch.drop_column("flagged")
