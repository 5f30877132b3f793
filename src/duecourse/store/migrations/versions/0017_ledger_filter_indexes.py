"""ledger: indexes for the ledger page's filters (by actor, by kind, by time)

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-07 20:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ledger_actor_seq", "ledger", ["actor_id", "seq"])
    op.create_index("ix_ledger_kind_seq", "ledger", ["kind", "seq"])
    op.create_index("ix_ledger_at", "ledger", ["at"])


def downgrade() -> None:
    op.drop_index("ix_ledger_at", "ledger")
    op.drop_index("ix_ledger_kind_seq", "ledger")
    op.drop_index("ix_ledger_actor_seq", "ledger")
