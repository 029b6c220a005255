"""translations as long as the longest text

``translation.text`` held 2,000 characters, a statement's limit; proposals (up to 20,000) are
now translated too. PostgreSQL widens the column; SQLite does not enforce a VARCHAR's length,
so nothing changes there (and ``translation`` is a parent table: rebuilding it would cascade
deletes).

Revision ID: 0018
Revises: 0013
Create Date: 2026-12-03 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0018'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column(
            'translation', 'text', type_=sa.String(20000), existing_type=sa.String(2000)
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "DELETE FROM translation WHERE kind IN ('proposal_title', 'proposal_text', "
            "'amendment_text', 'amendment_rationale') OR length(text) > 2000"
        )
        op.alter_column(
            'translation', 'text', type_=sa.String(2000), existing_type=sa.String(20000)
        )
