"""a council's answer says the language of its reason

``council_response.reason_language``: the language the council wrote its reason in (NULL: not
said; the outcome document then gives the first language of the council's names, as before).

Revision ID: 0026
Revises: 0019
Create Date: 2026-12-04 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0026'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'council_response', sa.Column('reason_language', sa.String(length=12), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table('council_response') as batch:
        batch.drop_column('reason_language')
