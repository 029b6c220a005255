"""Alembic environment: the app's engine, the models' metadata."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import deliberation.models  # noqa: F401 - registers every table on SQLModel.metadata

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    engine = config.attributes["engine"]  # set by deliberation.migrations.alembic_config
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
