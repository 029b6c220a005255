"""a twinning link needs both territories' owners

``territory_twin.requested_by`` names the territory whose owners asked for the link while the
other side has not yet agreed; NULL once both agreed. Existing links were made before consent
was asked for and stay established. A plain column (no foreign key): SQLite cannot add a
constraint without rebuilding the table; the service keeps it one of the pair.

Revision ID: 0025
Revises: 0018
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0025'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('territory_twin', sa.Column('requested_by', sa.Integer(), nullable=True))


def downgrade() -> None:
    op.execute('DELETE FROM territory_twin WHERE requested_by IS NOT NULL')
    with op.batch_alter_table('territory_twin') as batch:
        batch.drop_column('requested_by')
