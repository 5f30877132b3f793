"""ledger: leaves queued by writers and integrated by one sequencer; signed notes (issue 14)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 04:00:00

Entries already in the ledger keep their leaves (``leaf_format`` 1: the position is part of the
leaf); entries integrated from the queue are leaves without a position (``leaf_format`` 2). The
head gains the ledger's origin, its latest signed note and the key that signs the next one; the
operator signs the head once, after `duecourse audit verify`, with `duecourse audit checkpoint --adopt`
(until then nothing is signed: a head without a signed note is treated as tampered with).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _big() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("ledger", sa.Column("leaf_format", sa.SmallInteger(), nullable=False,
                                      server_default="1"))
    op.create_table(
        "ledger_queue",
        sa.Column("id", _big(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
    )
    op.add_column("ledger_head", sa.Column("origin", sa.String(200)))
    op.add_column("ledger_head", sa.Column("checkpoint", sa.Text()))
    op.add_column("ledger_head", sa.Column("key_id", sa.String(16)))
    op.add_column("checkpoints", sa.Column("note", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("checkpoints") as b:
        b.drop_column("note")
    with op.batch_alter_table("ledger_head") as b:
        b.drop_column("key_id")
        b.drop_column("checkpoint")
        b.drop_column("origin")
    op.drop_table("ledger_queue")
    with op.batch_alter_table("ledger") as b:
        b.drop_column("leaf_format")
