"""statements routed by how many times seen, counted in powers of two

``statement.seen_tier``: ``vote_count``'s number of binary digits (0 for no vote; 1; 2-3; 4-7;
...), computed by the database. The routing index orders by it (then by id) in place of
``vote_count``, so that a vote's update of the counter changes no indexed column but once
the count doubles: PostgreSQL then updates the row in place (HOT), with no index entry to
write. Stored on PostgreSQL; virtual on SQLite, which cannot add a stored column to a table
(rebuilding ``statement``, a parent table, would cascade deletes).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIERS = 24
SEEN_TIER = (
    'CASE '
    + ' '.join(f'WHEN vote_count < {1 << tier} THEN {tier}' for tier in range(TIERS))
    + f' ELSE {TIERS} END'
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    op.add_column(
        'statement',
        sa.Column(
            'seen_tier',
            sa.Integer(),
            sa.Computed(SEEN_TIER, persisted=postgres),
            nullable=False,
        ),
    )
    op.drop_index('ix_statement_routing', table_name='statement')
    op.create_index(
        'ix_statement_routing',
        'statement',
        ['round_id', 'status', 'is_seed', 'seen_tier', 'id'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_statement_routing', table_name='statement')
    op.create_index(
        'ix_statement_routing',
        'statement',
        ['round_id', 'status', 'is_seed', 'vote_count'],
        unique=False,
    )
    op.drop_column('statement', 'seen_tier')
