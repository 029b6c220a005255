"""``flask demo``: the demonstration round."""

from __future__ import annotations

import click
from flask import current_app, url_for
from flask.cli import AppGroup

from deliberation.db import session_scope

group = AppGroup("demo", help="The demonstration round.")

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


@group.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has rounds.")
@click.option("--participants", default=300, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=2026, show_default=True, help="Random seed of the synthetic votes.")
def seed(if_empty: bool, participants: int, seed: int) -> None:
    """Create the cross-territory climate round with synthetic participants and votes, then
    print the facilitator sign-in and one invite link per territory (on PALABRE_PUBLIC_URL,
    else http://127.0.0.1:5000)."""
    from deliberation import demo  # noqa: PLC0415 - numpy stays out of the other commands

    with session_scope() as session:
        try:
            created = demo.seed_demo(
                session, participants=participants, seed=seed, if_empty=if_empty
            )
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        if created is None:
            click.echo("The database already has rounds; demo not seeded.")
        else:
            click.echo(f"Demo round '{created.round.slug}' created.")
        base_url = current_app.config.get("PUBLIC_URL") or DEFAULT_BASE_URL
        with current_app.test_request_context(base_url=base_url):
            for line in demo.describe(session, url_for):
                click.echo(line)
        session.commit()
        if created is not None and created.password is not None:
            click.echo(
                f"  password: {created.password} (shown once; PALABRE_DEMO_PASSWORD sets it)"
            )
