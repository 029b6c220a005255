"""``flask demo``: the demonstration round."""

from __future__ import annotations

import click
from flask import current_app, url_for
from flask.cli import AppGroup

from deliberation.db import session_scope

group = AppGroup("demo", help="The demonstration round.")


@group.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has rounds.")
@click.option(
    "--participants",
    default=300,
    show_default=True,
    type=click.IntRange(min=1),
    help="Synthetic participants in each demo round.",
)
@click.option("--seed", default=2026, show_default=True, help="Random seed of the synthetic votes.")
def seed(if_empty: bool, participants: int, seed: int) -> None:
    """Create the cross-territory demo rounds, one per phase, with synthetic participants and
    votes, then print the facilitator sign-in, each round's pages and the open round's invite
    links (on PALABRE_PUBLIC_URL). A new facilitator account gets PALABRE_DEMO_PASSWORD as
    password, else a random one, printed once."""
    from deliberation.demo import seed as demo  # noqa: PLC0415 - numpy stays out of the other commands

    with session_scope() as session:
        try:
            created = demo.seed_demo(
                session,
                participants=participants,
                seed=seed,
                if_empty=if_empty,
                password=current_app.config["DEMO_PASSWORD"] or None,
            )
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        session.commit()
        if created is None:
            click.echo("The database already has rounds; demo not seeded.")
        else:
            for phase, seeded in created.rounds.items():
                click.echo(f"Demo round '{seeded.round.slug}' created ({phase.value}).")
        with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
            for line in demo.describe(session, url_for):
                click.echo(line)
        session.commit()
        if created is not None and created.password is not None:
            click.echo(
                f"  password: {created.password} (shown once; PALABRE_DEMO_PASSWORD sets it)"
            )
