"""The demo's report: councils of Strasbourg and Kehl, outcomes of the reported round addressed
to them (``data/report.json``), and a published version of its report.

These texts are demo *data*, not interface strings: they are not translated through Babel.
"""

from __future__ import annotations

import json
from datetime import timedelta
from importlib.resources import files
from typing import Any

from flask import current_app
from sqlmodel import Session, select

from deliberation.clock import utcnow
from deliberation.models import Council, CouncilOwner, OutcomeKind, ReportVersion, Territory, User
from deliberation.models.reports import OutcomeInput
from deliberation.reports.outcomes import create_outcome
from deliberation.reports.publishing import publish_report


def report_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        files("deliberation.demo").joinpath("data", "report.json").read_text("utf-8")
    )
    return data


def _councils(session: Session, facilitator: User, specs: list[dict[str, Any]]) -> dict[str, int]:
    """The id of each demo council by territory slug: the territory's first council if it has
    one already, else a new council that the facilitator owns."""
    ids: dict[str, int] = {}
    for spec in specs:
        territory = session.exec(select(Territory).where(Territory.slug == spec["territory"])).one()
        council = session.exec(
            select(Council).where(Council.territory_id == territory.id).order_by(Council.id)  # type: ignore[arg-type]
        ).first()
        if council is None:
            council = Council(
                slug=spec["slug"],
                names=spec["names"],
                territory_id=territory.id,  # type: ignore[arg-type]
                website=spec["website"],
                created_by_id=facilitator.id,
            )
            session.add(council)
            session.flush()
            session.add(CouncilOwner(council_id=council.id, user_id=facilitator.id))  # type: ignore[arg-type]
        ids[spec["territory"]] = council.id  # type: ignore[assignment]
    return ids


def seed_report(
    session: Session, *, round_: Any, statement_ids: list[int], facilitator: User
) -> ReportVersion:
    """Write the demo councils and outcomes of the reported round (``round_``, a
    ``DemoRound``'s round, whose statements are ``statement_ids`` in spec order) and publish
    its report; returns the version. Needs an app context (the version's links)."""
    data = report_data()
    councils = _councils(session, facilitator, data["councils"])
    today = utcnow().date()
    for spec in data["outcomes"]:
        days = spec["response_due_days"]
        fields = OutcomeInput(
            kind=OutcomeKind(spec["kind"]),
            language=spec["language"],
            title=spec["title"],
            text=spec["text"],
            rationale=spec["rationale"],
            statement_ids=tuple(statement_ids[i] for i in spec["statements"]),
            council_ids=tuple(councils[t] for t in spec["councils"]),
            response_due=None if days is None else today + timedelta(days=days),
        )
        create_outcome(session, round_=round_, user=facilitator, fields=fields)
    return publish_report(
        session, round_=round_, user=facilitator, commit=current_app.config["COMMIT"]
    )
