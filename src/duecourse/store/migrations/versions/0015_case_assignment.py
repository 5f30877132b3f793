"""cases: the officer who holds each case and the office that holds it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 20:00:00

Filled for the cases already stored from their ``case_opened`` event: the opener holds the case
(no case could be handed over before this revision). The office is what that event records
(``office``, written from this revision on); an older event records none, so an older case's
office is blank ("") until it is handed over — the same as its fold gives, so ``audit verify
--read-models`` finds no difference.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("assigned_officer", sa.String(64), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("office", sa.String(200), nullable=False, server_default=""))
    op.create_index("ix_cases_assigned_officer", "cases", ["assigned_officer"])
    op.create_index("ix_cases_office", "cases", ["office"])
    opened = sa.text(
        "UPDATE cases SET assigned_officer = COALESCE((SELECT e.actor_id FROM events e "
        "WHERE e.case_id = cases.id AND e.kind = 'case_opened'), '')")
    op.execute(opened)
    # The default served only the rows already stored: the handler writes both columns.
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("assigned_officer", server_default=None)
        batch.alter_column("office", server_default=None)


def downgrade() -> None:
    op.drop_index("ix_cases_office", table_name="cases")
    op.drop_index("ix_cases_assigned_officer", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("office")
        batch.drop_column("assigned_officer")
