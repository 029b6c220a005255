"""vote events may be retractions

A participant may undo their last vote. When it was their first on that statement, the undo is
recorded as a retraction: a ``vote_event`` row without a value. The opinion engine, the exports
and the participant's own data read it as "this pair has no vote any more".

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-03 08:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # vote_event is no table's parent: rebuilding it in SQLite cascades nothing.
    with op.batch_alter_table('vote_event', schema=None) as batch_op:
        batch_op.alter_column('value', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute('DELETE FROM vote_event WHERE value IS NULL')
    with op.batch_alter_table('vote_event', schema=None) as batch_op:
        batch_op.alter_column('value', existing_type=sa.Integer(), nullable=False)
