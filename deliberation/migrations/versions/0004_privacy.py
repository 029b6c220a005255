"""privacy: snapshot revision, participant session keys and notice version, retention

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 05:40:00.000000

Opinion snapshots are derived data: the table is recreated with its new key (the worker
recomputes every live round from a cold start once).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _snapshot_table(*, with_revision: bool) -> None:
    key = ['round_id', 'watermark', 'moderation_mark']
    columns = [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('watermark', sa.Integer(), nullable=False),
        sa.Column('moderation_mark', sa.Integer(), nullable=False),
    ]
    if with_revision:
        columns.append(sa.Column('revision', sa.Integer(), nullable=False))
    op.create_table('opinion_snapshot',
    *columns,
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('state', sa.LargeBinary(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('priorities', sa.JSON(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('computed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint(*key, 'revision', name='uq_opinion_snapshot_key')
    if with_revision else sa.UniqueConstraint(*key)
    )
    with op.batch_alter_table('opinion_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opinion_snapshot_round_id'), ['round_id'], unique=False)


def _drop_snapshot_table() -> None:
    with op.batch_alter_table('opinion_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinion_snapshot_round_id'))
    op.drop_table('opinion_snapshot')


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch table copy: on SQLite, dropping the old ``round`` or
    # ``participant`` table would fire the ON DELETE actions of every table pointing at it.
    op.add_column('round', sa.Column('retention_days', sa.Integer(), nullable=True))
    op.add_column(
        'round', sa.Column('results_revision', sa.Integer(), nullable=False, server_default='0')
    )
    op.add_column('round', sa.Column('reported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column(
        'participant',
        sa.Column('session_key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.add_column(
        'participant',
        sa.Column('notice_version', sa.Integer(), nullable=False, server_default='0'),
    )
    op.add_column(
        'participant', sa.Column('anonymised_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )
    op.create_index(
        'ix_participant_session_key_hash', 'participant', ['session_key_hash'], unique=True
    )
    if op.get_bind().dialect.name != 'sqlite':  # SQLite cannot drop a default in place
        op.alter_column('round', 'results_revision', server_default=None)
        op.alter_column('participant', 'notice_version', server_default=None)
    _drop_snapshot_table()
    _snapshot_table(with_revision=True)


def downgrade() -> None:
    _drop_snapshot_table()
    _snapshot_table(with_revision=False)
    op.drop_index('ix_participant_session_key_hash', table_name='participant')
    for column in ('anonymised_at', 'notice_version', 'session_key_hash'):
        op.drop_column('participant', column)
    for column in ('reported_at', 'results_revision', 'retention_days'):
        op.drop_column('round', column)
