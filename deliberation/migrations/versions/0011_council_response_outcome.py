"""council responses reference their outcome

``council_response`` is created with the councils (0009), before the ``outcome`` table exists
(0010, which needs ``council``): its foreign key to ``outcome`` is added here, once both exist.
A deleted outcome takes its responses with it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 06:40:00
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('council_response', schema=None) as batch_op:
        batch_op.create_foreign_key(
            'fk_council_response_outcome_id_outcome',
            'outcome',
            ['outcome_id'],
            ['id'],
            ondelete='CASCADE',
        )


def downgrade() -> None:
    with op.batch_alter_table('council_response', schema=None) as batch_op:
        batch_op.drop_constraint('fk_council_response_outcome_id_outcome', type_='foreignkey')
