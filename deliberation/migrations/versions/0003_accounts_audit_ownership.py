"""accounts, audit log, territory owners

Adds the audit log (``audit_entry``) and moves the moderation log's rows into it (then drops
``moderation_log``), territory owners (each territory's creator becomes its owner), one-time
set-password links, and the account's session version and disabled flag.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 05:22:51.080100
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MODERATION_ACTIONS = ('accept', 'reject', 'meta', 'unmeta')


def _moderation_log_table() -> sa.Table:
    return sa.table(
        'moderation_log',
        sa.column('id', sa.Integer()),
        sa.column('round_id', sa.Integer()),
        sa.column('statement_id', sa.Integer()),
        sa.column('user_id', sa.Integer()),
        sa.column('action', sa.String()),
        sa.column('reason', sa.String()),
        sa.column('created_at', sqlmodel.sql.sqltypes.UTCDateTime()),
    )


def _audit_entry_table() -> sa.Table:
    return sa.table(
        'audit_entry',
        sa.column('id', sa.Integer()),
        sa.column('actor_kind', sa.String()),
        sa.column('actor_user_id', sa.Integer()),
        sa.column('action', sa.String()),
        sa.column('target_kind', sa.String()),
        sa.column('target_id', sa.Integer()),
        sa.column('round_id', sa.Integer()),
        sa.column('details', sa.JSON()),
        sa.column('created_at', sqlmodel.sql.sqltypes.UTCDateTime()),
    )


def upgrade() -> None:
    op.create_table('account_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('account_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_link_user_id'), ['user_id'], unique=False)

    op.create_table('territory_owner',
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['territory_id'], ['territory.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('territory_id', 'user_id')
    )
    with op.batch_alter_table('territory_owner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_territory_owner_user_id'), ['user_id'], unique=False)
    # A territory's creator owns it; facilitating a round it takes part in no longer counts.
    op.execute(
        'INSERT INTO territory_owner (territory_id, user_id) '
        'SELECT id, created_by_id FROM territory WHERE created_by_id IS NOT NULL'
    )

    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_kind', sa.String(length=12), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_participant_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_kind', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_participant_id'], ['participant.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['actor_user_id'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_round', ['round_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_entry_target', ['target_kind', 'target_id', 'id'], unique=False)

    # The moderation log becomes the moderation part of the audit log, in its order.
    log, audit = _moderation_log_table(), _audit_entry_table()
    rows = op.get_bind().execute(sa.select(log).order_by(log.c.id)).mappings().all()
    if rows:
        op.bulk_insert(audit, [
            {
                'actor_kind': 'account',
                'actor_user_id': row['user_id'],
                'action': f"statement.{row['action']}",
                'target_kind': 'statement',
                'target_id': row['statement_id'],
                'round_id': row['round_id'],
                'details': {'reason': row['reason']} if row['reason'] else {},
                'created_at': row['created_at'],
            }
            for row in rows
        ])
    with op.batch_alter_table('moderation_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_log_round_id'))
    op.drop_table('moderation_log')

    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('disabled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+ drops columns natively): a batch copy of ``account`` would
    # drop the table, and its foreign keys would null every reference to the accounts.
    op.drop_column('account', 'disabled_at')
    op.drop_column('account', 'session_version')

    op.create_table('moderation_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('moderation_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_log_round_id'), ['round_id'], unique=False)

    # Moderation entries go back to the moderation log (those whose round and statement still
    # exist); the rest of the audit log has no place in the older schema.
    log, audit = _moderation_log_table(), _audit_entry_table()
    statement = sa.table('statement', sa.column('id', sa.Integer()), sa.column('round_id', sa.Integer()))
    rows = op.get_bind().execute(
        sa.select(audit)
        .join(statement, statement.c.id == audit.c.target_id)
        .where(
            audit.c.action.in_([f'statement.{action}' for action in MODERATION_ACTIONS]),
            audit.c.round_id == statement.c.round_id,
        )
        .order_by(audit.c.id)
    ).mappings().all()
    if rows:
        op.bulk_insert(log, [
            {
                'round_id': row['round_id'],
                'statement_id': row['target_id'],
                'user_id': row['actor_user_id'],
                'action': row['action'].removeprefix('statement.'),
                'reason': (row['details'] or {}).get('reason'),
                'created_at': row['created_at'],
            }
            for row in rows
        ])

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_target')
        batch_op.drop_index('ix_audit_entry_round')

    op.drop_table('audit_entry')
    with op.batch_alter_table('territory_owner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_territory_owner_user_id'))

    op.drop_table('territory_owner')
    with op.batch_alter_table('account_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_link_user_id'))

    op.drop_table('account_link')
