"""outcomes derive from proposals and decisions

An outcome's lineage (OUTCOME.md ``derived_from``) names the proposals and decisions it comes
from beside its statements: two JSON lists of ids, empty for the outcomes written before.

Revision ID: 0016
Revises: 0011
Create Date: 2026-12-03 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0016'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # add_column, not batch_alter_table: ``outcome`` is a parent table (SQLite would cascade).
    op.add_column(
        'outcome', sa.Column('proposal_ids', sa.JSON(), nullable=False, server_default='[]')
    )
    op.add_column(
        'outcome', sa.Column('decision_ids', sa.JSON(), nullable=False, server_default='[]')
    )


def downgrade() -> None:
    op.drop_column('outcome', 'decision_ids')
    op.drop_column('outcome', 'proposal_ids')
