"""identity: sources declared to hold one record per person; the weight pairs gain from it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batches imported before declared nothing; pairs scored before gained nothing.
    with op.batch_alter_table("identity_batches") as batch:
        batch.add_column(sa.Column("one_record_per_person", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("identity_pairs") as batch:
        batch.add_column(sa.Column("competition_weight", sa.Float(), nullable=False,
                                   server_default="0"))
    with op.batch_alter_table("identity_batches") as batch:
        batch.alter_column("one_record_per_person", server_default=None)
    with op.batch_alter_table("identity_pairs") as batch:
        batch.alter_column("competition_weight", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("identity_pairs") as batch:
        batch.drop_column("competition_weight")
    with op.batch_alter_table("identity_batches") as batch:
        batch.drop_column("one_record_per_person")
