"""``flask privacy``: anonymise participants and erase notice addresses whose round's
retention period is over."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from deliberation.clock import utcnow
from deliberation.db import session_scope
from deliberation.services.notifications import erase_expired
from deliberation.services.participation import anonymise_expired

group = AppGroup("privacy", help="Retention of participants' data.")


@group.command("anonymise")
def anonymise() -> None:
    """Anonymise the participants and erase the notice addresses (with their delivery records)
    of rounds reported longer ago than their retention period (the opinion worker does the
    same on every pass)."""
    with session_scope() as session:
        count = anonymise_expired(session, now=utcnow())
        erased = erase_expired(session, now=utcnow())
        session.commit()
    click.echo(f"{count} participants anonymised, {erased} notice addresses erased.")
