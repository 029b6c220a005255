"""``flask db``: schema migrations."""

from __future__ import annotations

import click
from alembic import command
from flask.cli import AppGroup

from deliberation import migrations
from deliberation.db import engine

group = AppGroup("db", help="Database schema migrations.")


@group.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    migrations.upgrade(engine(), revision)
    click.echo(f"Database at {revision}.")


@group.command("revision")
@click.option("-m", "--message", required=True)
def revision(message: str) -> None:
    """Autogenerate a new migration from the models."""
    command.revision(migrations.alembic_config(engine()), message=message, autogenerate=True)
