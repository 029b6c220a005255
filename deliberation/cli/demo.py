"""``flask demo``: the demonstration round."""

from __future__ import annotations

import click
from flask import url_for
from flask.cli import AppGroup

from deliberation.db import session_scope

group = AppGroup("demo", help="The demonstration round.")


@group.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has rounds.")
@click.option("--participants", default=300, show_default=True)
@click.option("--seed", default=2026, show_default=True, help="Random seed of the synthetic votes.")
def seed(if_empty: bool, participants: int, seed: int) -> None:
    """Create the cross-territory climate round with synthetic participants and votes."""
    from deliberation import demo  # noqa: PLC0415 - keeps the CLI import light

    with session_scope() as session:
        created = demo.seed_demo(session, participants=participants, seed=seed, if_empty=if_empty)
        if created is None:
            click.echo("The database already has rounds; demo not seeded.")
        else:
            click.echo(f"Demo round '{created.round.slug}' created.")
        for line in demo.describe(session, url_for):
            click.echo(line)
