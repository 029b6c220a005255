"""facilitators hide proposals, amendments and display names

Post-moderation of what participants write while drafting: a hidden proposal, amendment or
display name keeps its row (and its history) with the time and the facilitator's reason.
Columns are added one by one (never a batch on ``proposal``, a parent table).

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-03 08:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0014'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('proposal', 'amendment', 'display_name')


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table, sa.Column('hidden_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        op.add_column(
            table,
            sa.Column(
                'hidden_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True
            ),
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_column(table, 'hidden_reason')
        op.drop_column(table, 'hidden_at')
