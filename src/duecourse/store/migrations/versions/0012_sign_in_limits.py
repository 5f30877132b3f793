"""sign_in_limits: password sign-ins counted per account and per client address in fixed
windows, each by one atomic upsert (issue 16)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 17:00:00

The limits were counted from ``login_attempts`` (count, then check, then record: two tries at
once on PostgreSQL both saw the old count). ``login_attempts`` stays the record of every try
whose password was checked; nothing in it is moved.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from duecourse.store.tables import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_limits",
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("window_start", UTCDateTime(timezone=True), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "subject"),
    )
    op.create_index("ix_sign_in_limits_window_start", "sign_in_limits", ["window_start"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_limits_window_start", table_name="sign_in_limits")
    op.drop_table("sign_in_limits")
