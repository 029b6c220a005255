"""``flask opinions``: compute opinion snapshots."""

from __future__ import annotations

import threading

import click
from flask import current_app
from flask.cli import AppGroup

from deliberation.db import session_scope
from deliberation.errors import DomainError
from deliberation.opinions.snapshots import compute_snapshot
from deliberation.opinions.worker import run_forever
from deliberation.services.rounds import get_round

group = AppGroup("opinions", help="Opinion snapshots.")


@group.command("compute")
@click.option("--round", "slug", required=True, help="The round's slug.")
def compute(slug: str) -> None:
    """Recompute the opinion snapshot of one round now (if its votes changed)."""
    with session_scope() as session:
        try:
            round_ = get_round(session, slug)
        except DomainError as error:
            raise click.ClickException(str(error.message)) from error
        snapshot = compute_snapshot(session, round_, seed=current_app.config["OPINIONS_SEED"])
        session.commit()
        if snapshot is None:
            click.echo(f"{slug}: no new votes or moderation since the last snapshot.")
        else:
            click.echo(
                f"{slug}: snapshot at vote {snapshot.watermark}, {snapshot.participants} "
                f"participants, {snapshot.document['k']} groups, {snapshot.seconds:.3f} s."
            )


@group.command("worker")
@click.option("--poll", type=float, default=None, help="Seconds between passes.")
def worker(poll: float | None) -> None:
    """Recompute snapshots of live rounds whenever their votes change (run any number of these)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo("Opinion worker started; Ctrl+C stops it.")
    try:
        run_forever(app, stop=threading.Event(), poll=poll or app.config["OPINIONS_POLL"])
    except KeyboardInterrupt:
        click.echo("Stopped.")
