"""Queries shared by the proposal pages: how people are credited, authors, linked statements,
and the round's list of proposals with its filters and sorting."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, col, select

from deliberation.messages import lazy_message
from deliberation.models import (
    DisplayName,
    Endorsement,
    Participant,
    Proposal,
    ProposalAuthor,
    ProposalStatement,
    ProposalStatus,
    Round,
    Statement,
    Territory,
)
from deliberation.opinions.picture import group_colour, group_name
from deliberation.opinions.presentation import Share, StatementView, share_of
from deliberation.opinions.stored import latest_snapshot
from deliberation.translations.reading import Reading, read_statements


@dataclass(frozen=True)
class Credit:
    """What a participant's credit shows: their display name (None when they chose none or a
    facilitator hid it), else their territory (None where fewer than ``privacy_k`` people of
    the round live); ``former`` once they withdrew."""

    name: str | None = None
    territory: str | None = None
    former: bool = False


@dataclass(frozen=True)
class Credits:
    """How participants and accounts are named on the round's pages: a display name, else "a
    participant" (with their territory only where at least ``privacy_k`` people of the round
    live), "a former participant" once they withdrew, "a facilitator" for accounts. Inside a
    sentence the words start in lower case; with ``start`` (a list item, a line) they start
    with a capital."""

    participants: dict[int, Credit]

    def participant(self, participant_id: int | None, *, start: bool = False) -> str | LazyString:
        credit = self.participants.get(participant_id or 0, Credit(former=True))
        if credit.name:
            return credit.name
        if credit.former:
            return _l("A former participant") if start else _l("a former participant")
        if credit.territory:
            if start:
                return lazy_message("A participant from %(territory)s", territory=credit.territory)
            return lazy_message("a participant from %(territory)s", territory=credit.territory)
        return _l("A participant") if start else _l("a participant")

    def person(
        self, participant_id: int | None, user_id: int | None, *, start: bool = False
    ) -> str | LazyString:
        if participant_id is None and user_id is not None:
            return _l("A facilitator") if start else _l("a facilitator")
        return self.participant(participant_id, start=start)


def territory_sizes(session: Session, round_: Round) -> dict[int, int]:
    """Participants of ``round_`` who have not withdrawn, per territory id."""
    rows = session.exec(
        select(Participant.territory_id, func.count())
        .where(Participant.round_id == round_.id, col(Participant.withdrawn_at).is_(None))
        .group_by(col(Participant.territory_id))
    )
    return {territory_id: int(count) for territory_id, count in rows}


def credits(
    session: Session, round_: Round, participant_ids: Iterable[int | None], *, language: str
) -> Credits:
    """The names of ``participant_ids`` (see ``Credits``)."""
    wanted = {i for i in participant_ids if i is not None}
    if not wanted:
        return Credits({})
    sizes = territory_sizes(session, round_)
    rows = session.exec(
        select(Participant, DisplayName, Territory)
        .join(DisplayName, col(DisplayName.participant_id) == Participant.id, isouter=True)
        .join(Territory, col(Territory.id) == Participant.territory_id)
        .where(col(Participant.id).in_(wanted))
    )
    names: dict[int, Credit] = {}
    for participant, chosen, territory in rows:
        assert participant.id is not None
        if participant.withdrawn_at is not None:
            names[participant.id] = Credit(former=True)
        elif chosen is not None and not chosen.hidden:
            names[participant.id] = Credit(name=chosen.name)
        elif sizes.get(participant.territory_id, 0) >= round_.privacy_k:
            names[participant.id] = Credit(territory=territory.name(language))
        else:
            names[participant.id] = Credit()
    return Credits(names)


def authors(session: Session, proposal: Proposal) -> list[ProposalAuthor]:
    """The proposal's authors, its first author first."""
    return list(
        session.exec(
            select(ProposalAuthor)
            .where(ProposalAuthor.proposal_id == proposal.id)
            .order_by(col(ProposalAuthor.first).desc(), col(ProposalAuthor.id))
        )
    )


def linked_statements(session: Session, proposal: Proposal) -> list[Statement]:
    return list(
        session.exec(
            select(Statement)
            .join(ProposalStatement, col(ProposalStatement.statement_id) == Statement.id)
            .where(ProposalStatement.proposal_id == proposal.id)
            .order_by(col(Statement.id))
        )
    )


@dataclass(frozen=True)
class LinkedStatement:
    """A statement a proposal answers, with its answers by opinion group and by territory from
    the round's latest opinion snapshot (cells under the privacy threshold come suppressed);
    ``groups.reading`` is the statement as the viewer reads it (translated when it can be)."""

    statement: Statement
    groups: StatementView
    territories: StatementView


def with_agreement(
    session: Session, round_: Round, statements: list[Statement], *, language: str
) -> list[LinkedStatement]:
    snapshot = latest_snapshot(session, round_.id)  # type: ignore[arg-type]
    document: dict[str, Any] = snapshot.document if snapshot else {}
    entries = {entry["id"]: entry for entry in document.get("statements", [])}
    slugs = [t["slug"] for t in document.get("territories", [])]
    names = {
        t.slug: t.name(language)
        for t in session.exec(select(Territory).where(col(Territory.slug).in_(slugs)))
    }
    readings = read_statements(session, round_, statements, [language])
    linked = []
    for statement in statements:
        entry = entries.get(statement.id, {})
        cells = entry.get("territories", {})
        reading = readings[statement.id or 0]

        def view(shares: tuple[Share, ...], reading: Reading = reading) -> StatementView:
            return StatementView(
                id=reading.id,
                text=reading.text,
                language=reading.language,
                reading=reading,
                direction=None,
                value=None,
                shares=shares,
            )

        linked.append(
            LinkedStatement(
                statement,
                view(
                    tuple(
                        share_of(group_name(g), group_colour(g), cell)
                        for g, cell in enumerate(entry.get("groups", []))
                    )
                ),
                view(tuple(share_of(names.get(s, s), "#444444", cells.get(s, {})) for s in slugs)),
            )
        )
    return linked


def statements_by_id(session: Session, round_: Round, ids: Iterable[int]) -> list[Statement]:
    """The statements of ``round_`` among ``ids`` (others are left out), by id."""
    wanted = set(ids)
    if not wanted:
        return []
    return list(
        session.exec(
            select(Statement)
            .where(Statement.round_id == round_.id, col(Statement.id).in_(wanted))
            .order_by(col(Statement.id))
        )
    )


class Sort(StrEnum):
    ENDORSEMENTS = "endorsements"
    RECENT = "recent"


@dataclass(frozen=True)
class ProposalRow:
    proposal: Proposal
    endorsements: int


def endorsement_counts(session: Session, proposal_ids: Iterable[int]) -> dict[int, int]:
    """Endorsements per proposal, counting only participants who have not withdrawn."""
    wanted = set(proposal_ids)
    if not wanted:
        return {}
    rows = session.exec(
        select(Endorsement.proposal_id, func.count())
        .join(Participant, col(Participant.id) == Endorsement.participant_id)
        .where(col(Endorsement.proposal_id).in_(wanted), col(Participant.withdrawn_at).is_(None))
        .group_by(col(Endorsement.proposal_id))
    )
    return {proposal_id: int(count) for proposal_id, count in rows}


def list_proposals(
    session: Session,
    round_: Round,
    *,
    status: ProposalStatus | None = None,
    territory_id: int | None = None,
    statement_id: int | None = None,
    sort: Sort = Sort.RECENT,
    with_hidden: bool = True,
) -> list[ProposalRow]:
    """The round's proposals, filtered by status, by their first author's territory and by a
    linked statement; sorted by endorsements (then recent activity) or by recent activity.
    Without ``with_hidden``, the proposals the facilitators hid are left out."""
    query = select(Proposal).where(Proposal.round_id == round_.id)
    if not with_hidden:
        query = query.where(col(Proposal.hidden_at).is_(None))
    if status is not None:
        query = query.where(Proposal.status == status)
    if territory_id is not None:
        query = query.where(Proposal.territory_id == territory_id)
    if statement_id is not None:
        query = query.join(
            ProposalStatement, col(ProposalStatement.proposal_id) == Proposal.id
        ).where(ProposalStatement.statement_id == statement_id)
    proposals = list(
        session.exec(query.order_by(col(Proposal.activity_at).desc(), col(Proposal.id).desc()))
    )
    counts = endorsement_counts(session, (p.id for p in proposals if p.id is not None))
    rows = [ProposalRow(p, counts.get(p.id or 0, 0)) for p in proposals]
    if sort == Sort.ENDORSEMENTS:
        rows.sort(key=lambda row: row.endorsements, reverse=True)  # stable: recent first on ties
    return rows
