"""outcomes and report versions

Outcomes that facilitators compose (``outcome``), the councils they are addressed to
(``outcome_council``), and the published, immutable versions of a round's report
(``report_version``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 06:19:13.344817
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
    sa.Column('rationale', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
    sa.Column('statement_ids', sa.JSON(), nullable=False),
    sa.Column('response_due', sa.Date(), nullable=True),
    sa.Column('review_date', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outcome', schema=None) as batch_op:
        batch_op.create_index('ix_outcome_round', ['round_id', 'id'], unique=False)

    op.create_table('report_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'number', name='uq_report_version_number')
    )
    with op.batch_alter_table('report_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_version_round_id'), ['round_id'], unique=False)

    op.create_table('outcome_council',
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['council.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['outcome_id'], ['outcome.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outcome_id', 'council_id')
    )
    with op.batch_alter_table('outcome_council', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_council_council_id'), ['council_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outcome_council', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcome_council_council_id'))

    op.drop_table('outcome_council')
    with op.batch_alter_table('report_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_version_round_id'))

    op.drop_table('report_version')
    with op.batch_alter_table('outcome', schema=None) as batch_op:
        batch_op.drop_index('ix_outcome_round')

    op.drop_table('outcome')
