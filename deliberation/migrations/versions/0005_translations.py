"""translations: one table for every kind of text, reading languages, shown languages of votes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 05:18:45.120012
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text_id', sa.Integer(), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('origin', sa.String(length=12), nullable=False),
    sa.Column('reviewed', sa.Boolean(), nullable=False),
    sa.Column('declined', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('rejection_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('author_participant_id', sa.Integer(), nullable=True),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('reviewed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.CheckConstraint("origin IN ('human', 'participant', 'machine')", name='ck_translation_origin'),
    sa.ForeignKeyConstraint(['author_participant_id'], ['participant.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_user_id'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_translation_author_participant_id'), ['author_participant_id'], unique=False)
        batch_op.create_index('ix_translation_round', ['round_id', 'status'], unique=False)
        batch_op.create_index('ix_translation_text', ['kind', 'text_id', 'language'], unique=False)

    op.create_table('translation_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('translation_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=10), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['translation_id'], ['translation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('translation_id', 'participant_id', name='uq_translation_review')
    )
    with op.batch_alter_table('translation_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_translation_review_participant_id'), ['participant_id'], unique=False)

    # Plain ADD COLUMN, never a batch table copy: on SQLite, dropping the old ``participant``
    # table would fire the ON DELETE actions of every table pointing at it (see 0004).
    op.add_column('participant', sa.Column('reads', sa.JSON(), nullable=False, server_default='[]'))
    op.add_column('participant', sa.Column('translates', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('participant', sa.Column('next_task_at', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('vote', sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))
    op.add_column('vote_event', sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))



def downgrade() -> None:
    op.drop_column('vote_event', 'language')
    op.drop_column('vote', 'language')
    for column in ('next_task_at', 'translates', 'reads'):
        op.drop_column('participant', column)

    with op.batch_alter_table('translation_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_translation_review_participant_id'))

    op.drop_table('translation_review')
    with op.batch_alter_table('translation', schema=None) as batch_op:
        batch_op.drop_index('ix_translation_text')
        batch_op.drop_index('ix_translation_round')
        batch_op.drop_index(batch_op.f('ix_translation_author_participant_id'))

    op.drop_table('translation')
