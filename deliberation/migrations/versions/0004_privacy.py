"""privacy: snapshot revision, participant session keys and notice version, retention

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-03 05:40:00.000000

Opinion snapshots are derived data: the table is recreated with its new key (the worker
recomputes every live round from a cold start once).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0002'
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
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('results_revision', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.add_column(sa.Column('reported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.alter_column('results_revision', server_default=None)
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column('notice_version', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.add_column(sa.Column('anonymised_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_participant_session_key_hash'), ['session_key_hash']
        )
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.alter_column('notice_version', server_default=None)
    _drop_snapshot_table()
    _snapshot_table(with_revision=True)


def downgrade() -> None:
    _drop_snapshot_table()
    _snapshot_table(with_revision=False)
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_participant_session_key_hash'), type_='unique')
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('notice_version')
        batch_op.drop_column('session_key_hash')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('reported_at')
        batch_op.drop_column('results_revision')
        batch_op.drop_column('retention_days')
