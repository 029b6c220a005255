"""``flask decisions``: recount a decision, verify a published ballots file."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from deliberation.db import session_scope
from deliberation.decisions.counting import count_settings, recount, verify_published
from deliberation.models import Decision, DecisionSeal, DecisionTally

group = AppGroup("decisions", help="Decision tallies.")


@group.command("tally")
@click.argument("decision_id", type=int)
def tally(decision_id: int) -> None:
    """Recount decision DECISION_ID from its sealed ballots and compare with the stored
    result (exit status 1 when they differ)."""
    with session_scope() as session:
        decision = session.get(Decision, decision_id)
        seal = session.get(DecisionSeal, decision_id)
        if decision is None or seal is None:
            raise click.ClickException(f"decision {decision_id} is not closed and sealed")
        result = recount(decision.method, seal.document, count_settings(session, decision, seal))
        stored = session.get(DecisionTally, decision_id)
        click.echo(f"decision {decision_id}: winners {', '.join(result.winners) or '-'}")
        click.echo(f"ballots SHA-256 {result.ballots_sha256}")
        if stored is None:
            click.echo("no stored tally yet (the worker stores it)")
        elif stored.result == result.to_dict():
            click.echo("the stored result matches")
        else:
            raise click.ClickException("the stored result differs from the recount")


@group.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify(path: Path) -> None:
    """Check a published ballots FILE against the stored result it was published with."""
    with session_scope() as session:
        report = verify_published(session, path.read_bytes())
    if report.problems:
        raise click.ClickException("; ".join(report.problems))
    scope = "the whole result" if report.full else "the unweighted count"
    click.echo(f"decision {report.decision_id}: the file recounts to {scope} as stored")
