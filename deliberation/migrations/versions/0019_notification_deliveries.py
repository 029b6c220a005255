"""one delivery record per notice and address

A notice's mails were sent in one go and recorded at the end: a crash or an SMTP error part-way
sent some of them again on the next pass. ``notification_delivery`` records each (notice,
address) mail, taken before it is sent and marked sent right after, with its attempts; it goes
with its address. Notices announced before this migration keep no delivery rows (they are
done).

Revision ID: 0019
Revises: 0025
Create Date: 2026-12-03 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0019'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notification_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['notification_subscription.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('notification_id', 'subscription_id', name='uq_delivery_address')
    )
    op.create_index('ix_notification_delivery_due', 'notification_delivery', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_notification_delivery_subscription_id'), 'notification_delivery', ['subscription_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_notification_delivery_subscription_id'), table_name='notification_delivery')
    op.drop_index('ix_notification_delivery_due', table_name='notification_delivery')
    op.drop_table('notification_delivery')
