"""persons: the keys by which the same person's other cases are found (A-number digits; names
folded for case, spacing and Unicode form, with the birth date), filled in for existing rows

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from duecourse.domain.person import a_number_key, name_key

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("a_number_key", sa.String(20), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("name_key", sa.String(420), nullable=False,
                                      server_default=""))
        batch_op.create_index("ix_persons_a_number_key", ["a_number_key"])
        batch_op.create_index("ix_persons_name_key", ["name_key"])
    conn = op.get_bind()
    people = sa.table("persons", sa.column("id", sa.String), sa.column("a_number", sa.String),
                      sa.column("family_name", sa.String), sa.column("given_name", sa.String),
                      sa.column("birth_date", sa.Date), sa.column("a_number_key", sa.String),
                      sa.column("name_key", sa.String))
    rows = conn.execute(sa.select(people.c.id, people.c.a_number, people.c.family_name,
                                  people.c.given_name, people.c.birth_date)).all()
    for r in rows:
        conn.execute(people.update().where(people.c.id == r.id).values(
            a_number_key=a_number_key(r.a_number or ""),
            name_key=name_key(r.family_name or "", r.given_name or "", r.birth_date)))
    with op.batch_alter_table("persons", schema=None) as batch_op:  # the code writes them now
        batch_op.alter_column("a_number_key", server_default=None)
        batch_op.alter_column("name_key", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index("ix_persons_name_key")
        batch_op.drop_index("ix_persons_a_number_key")
        batch_op.drop_column("name_key")
        batch_op.drop_column("a_number_key")
