"""councils: owners, clerks, API tokens, responses

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('council',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('oparl_body', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('website', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('wikidata', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['territory.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('council', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_slug'), ['slug'], unique=True)
        batch_op.create_index(batch_op.f('ix_council_territory_id'), ['territory_id'], unique=False)

    op.create_table('council_owner',
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['council.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('council_id', 'user_id')
    )
    with op.batch_alter_table('council_owner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_owner_user_id'), ['user_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['council_id'], ['council.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_council_id'), ['council_id'], unique=False)

    op.create_table('council_clerk',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['council.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )
    with op.batch_alter_table('council_clerk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_clerk_council_id'), ['council_id'], unique=False)

    op.create_table('council_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reference_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('oparl_paper', sa.Boolean(), nullable=False),
    sa.Column('implementation_status', sa.String(length=20), nullable=True),
    sa.Column('progress', sa.Integer(), nullable=True),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['council.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['token_id'], ['api_token.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('council_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_response_council_id'), ['council_id'], unique=False)
        batch_op.create_index('ix_council_response_outcome', ['outcome_id', 'council_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('council_response', schema=None) as batch_op:
        batch_op.drop_index('ix_council_response_outcome')
        batch_op.drop_index(batch_op.f('ix_council_response_council_id'))

    op.drop_table('council_response')
    with op.batch_alter_table('council_clerk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_clerk_council_id'))

    op.drop_table('council_clerk')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_council_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('council_owner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_owner_user_id'))
    op.drop_table('council_owner')
    with op.batch_alter_table('council', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_territory_id'))
        batch_op.drop_index(batch_op.f('ix_council_slug'))
    op.drop_table('council')
