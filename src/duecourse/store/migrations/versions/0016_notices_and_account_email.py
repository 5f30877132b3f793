"""notices: reminders of a clock's 50/75/100 % to the case's officer and supervisors, in the app
and by mail; accounts.email, where they are mailed (issue 17)

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from duecourse.store.tables import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:  # accounts before had no address: NULL
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
    op.create_table(
        "notices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False,
                  autoincrement=True),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("clock_id", sa.String(20), nullable=False),
        sa.Column("clock_started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("mail_status", sa.String(12), nullable=False),
        sa.Column("mail_attempts", sa.Integer(), nullable=False),
        sa.Column("mail_claimed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("mail_error", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recipient", "case_id", "clock_id", "percent", "clock_started_at",
                            name="uq_notices_once"),
    )
    op.create_index("ix_notices_recipient_created", "notices", ["recipient", "created_at"])
    op.create_index("ix_notices_mail_status", "notices", ["mail_status"])


def downgrade() -> None:
    op.drop_index("ix_notices_mail_status", table_name="notices")
    op.drop_index("ix_notices_recipient_created", table_name="notices")
    op.drop_table("notices")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("email")
