"""identity records: the number of an identity or travel document

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Records imported before carry no document number: "" fills them, then the column is like
    # the others (the application writes "" when a source gives none).
    with op.batch_alter_table("identity_records") as batch:
        batch.add_column(sa.Column("document_number", sa.String(length=20), nullable=False,
                                   server_default=""))
    with op.batch_alter_table("identity_records") as batch:
        batch.alter_column("document_number", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("identity_records") as batch:
        batch.drop_column("document_number")
