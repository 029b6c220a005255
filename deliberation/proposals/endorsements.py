"""Endorsements of proposals, and the per-territory tallies shown with the round's privacy
threshold (also used for the support of amendments).

Counts per territory go through the shared suppression rule (``services.privacy``): a count
of fewer than ``privacy_k`` people, but more than none, is hidden (``None``), and so is the
smallest other count when only one would be hidden, since the total is shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Conflict, Forbidden
from deliberation.models import (
    AmendmentSupport,
    Endorsement,
    Participant,
    Proposal,
    Round,
    Territory,
)
from deliberation.proposals.drafting import require_active, require_drafting, require_shown
from deliberation.services.privacy import suppress_line
from deliberation.services.rounds import round_territories


@dataclass(frozen=True)
class TerritoryTally:
    territory: Territory
    count: int | None  # None: fewer than the round's privacy threshold, hidden


@dataclass(frozen=True)
class Tally:
    """People overall and per territory of the round (suppressed below ``privacy_k``)."""

    total: int
    territories: tuple[TerritoryTally, ...]


def tally(session: Session, round_: Round, counts: dict[int, int]) -> Tally:
    """A ``Tally`` from people per territory id; the territories add up to the shown total,
    so their counts go through the shared suppression rule (primary and complementary)."""
    territories = round_territories(session, round_)
    shown = suppress_line([counts.get(t.id or 0, 0) for t in territories], round_.privacy_k)
    return Tally(
        total=sum(counts.values()),
        territories=tuple(
            TerritoryTally(t, count) for t, count in zip(territories, shown, strict=True)
        ),
    )


def counts_by_territory(
    session: Session,
    model: type[Endorsement] | type[AmendmentSupport],
    key: Iterable[object],
) -> dict[int, int]:
    """People per territory among the rows of ``model`` matching ``key``, leaving out the
    participants who withdrew."""
    rows = session.exec(
        select(model.territory_id, func.count())
        .join(Participant, col(Participant.id) == model.participant_id)
        .where(*key, col(Participant.withdrawn_at).is_(None))  # type: ignore[arg-type]
        .group_by(col(model.territory_id))
    )
    return {territory_id: int(count) for territory_id, count in rows}


def endorsement_tally(session: Session, round_: Round, proposal: Proposal) -> Tally:
    return tally(
        session,
        round_,
        counts_by_territory(session, Endorsement, [col(Endorsement.proposal_id) == proposal.id]),
    )


def has_endorsed(session: Session, proposal: Proposal, participant: Participant | None) -> bool:
    if participant is None:
        return False
    return session.get(Endorsement, (proposal.id, participant.id)) is not None


def endorse(
    session: Session, *, round_: Round, proposal: Proposal, participant: Participant | None
) -> Endorsement:
    """``participant`` endorses ``proposal`` (once)."""
    if participant is None:
        raise Forbidden(_l("Only participants of this round can endorse proposals."))
    require_drafting(round_)
    require_active(proposal)
    require_shown(proposal)
    if has_endorsed(session, proposal, participant):
        raise Conflict(_l("You already endorse this proposal."))
    endorsement = Endorsement(
        proposal_id=proposal.id,  # type: ignore[arg-type]
        participant_id=participant.id,  # type: ignore[arg-type]
        territory_id=participant.territory_id,
    )
    proposal.activity_at = utcnow()
    session.add_all([endorsement, proposal])
    session.flush()
    return endorsement


def withdraw_endorsement(
    session: Session, *, round_: Round, proposal: Proposal, participant: Participant | None
) -> None:
    require_drafting(round_)
    endorsement = (
        session.get(Endorsement, (proposal.id, participant.id)) if participant is not None else None
    )
    if endorsement is None:
        raise Conflict(_l("You do not endorse this proposal."))
    session.delete(endorsement)
    session.flush()
