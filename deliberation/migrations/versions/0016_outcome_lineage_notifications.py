"""outcomes derive from proposals and decisions; email notices

An outcome's lineage (OUTCOME.md ``derived_from``) names the proposals and decisions it comes
from beside its statements: two JSON lists of ids, empty for the outcomes written before.
Participants may leave an address to be told of a round's next steps
(``notification_subscription``, linked to no participant), and ``notification`` records the
events already announced.

Revision ID: 0016
Revises: 0011
Create Date: 2026-12-03 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0016'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notification_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'email', name='uq_subscription_email')
    )
    op.create_index(op.f('ix_notification_subscription_round_id'), 'notification_subscription', ['round_id'], unique=False)
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=12), nullable=False),
    sa.Column('ref', sa.Integer(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'event', 'ref', name='uq_notification_event')
    )
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
    op.drop_table('notification')
    op.drop_index(op.f('ix_notification_subscription_round_id'), table_name='notification_subscription')
    op.drop_table('notification_subscription')
