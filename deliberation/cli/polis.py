"""``flask polis``: Pol.is import and export."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from deliberation.db import session_scope
from deliberation.errors import DomainError
from deliberation.polis.export import export_round
from deliberation.polis.importer import ImportProblem, import_polis
from deliberation.services.rounds import get_round

group = AppGroup("polis", help="Pol.is interoperability: import and export conversations.")


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


@group.command("import")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--round", "slug", required=True, help="Slug of the round to import into.")
@click.option(
    "--language", default=None, help="Language of the comments (default: the round's first)."
)
@click.option(
    "--territory", default=None, help="Territory of participants without a territory column."
)
def import_command(folder: Path, slug: str, language: str | None, territory: str | None) -> None:
    """Import the Pol.is export FOLDER into a round without statements: all or nothing."""
    with session_scope() as session:
        try:
            round_ = get_round(session, slug)
            with click.progressbar(length=_event_count(folder), label="Vote events") as bar:
                summary = import_polis(
                    session,
                    round_=round_,
                    folder=folder,
                    language=language or round_.languages[0],
                    territory=territory,
                    progress=bar.update,
                )
            session.commit()
        except (ImportProblem, DomainError) as error:
            _fail(str(getattr(error, "message", error)))
            return
    click.echo(
        f"Imported {summary.statements} statements, {summary.participants} participants, "
        f"{summary.vote_events} vote events ({summary.votes} current votes) into {slug}."
    )


def _event_count(folder: Path) -> int:
    """Lines of votes.csv, for the progress bar (0 when absent)."""
    path = folder / "votes.csv"
    if not path.is_file():
        return 0
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


@group.command("export")
@click.option("--round", "slug", required=True, help="Slug of the round to export.")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
def export_command(slug: str, folder: Path) -> None:
    """Write the round as a Pol.is export set (with a territory column) into FOLDER."""
    with session_scope() as session:
        try:
            round_ = get_round(session, slug)
        except DomainError as error:
            _fail(str(error.message))
            return
        counts = export_round(session, round_, folder)
    click.echo(
        f"Exported {counts['statements']} statements, {counts['participants']} participants and "
        f"{counts['votes']} vote events to {folder}."
    )
