"""identity resolution: imported records, linkage runs, persons and the review queue

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from duecourse.store.tables import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _seq() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "identity_batches",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("ledger_seq", _seq(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "identity_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("nationality", sa.String(length=2), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=200), nullable=False),
        sa.Column("a_number", sa.String(length=20), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("batch", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "record_id", name="uq_identity_records_source_record"),
    )
    op.create_index("ix_identity_records_batch", "identity_records", ["batch"])
    op.create_table(
        "identity_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("auto_links", sa.Integer(), nullable=False),
        sa.Column("review_pairs", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("ledger_seq", _seq(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "identity_persons",
        sa.Column("record", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.String(length=200), nullable=False),
        sa.Column("run", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("record"),
    )
    op.create_index("ix_identity_persons_person_id", "identity_persons", ["person_id"])
    op.create_table(
        "identity_pairs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("left_record", sa.Integer(), nullable=False),
        sa.Column("right_record", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("vetoes", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("run", sa.Integer(), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("proposed_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("left_record", "right_record", name="uq_identity_pairs_records"),
    )
    op.create_index("ix_identity_pairs_status", "identity_pairs", ["status", "probability"])


def downgrade() -> None:
    op.drop_index("ix_identity_pairs_status", table_name="identity_pairs")
    op.drop_table("identity_pairs")
    op.drop_index("ix_identity_persons_person_id", table_name="identity_persons")
    op.drop_table("identity_persons")
    op.drop_table("identity_runs")
    op.drop_index("ix_identity_records_batch", table_name="identity_records")
    op.drop_table("identity_records")
    op.drop_table("identity_batches")
