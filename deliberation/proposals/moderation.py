"""Moderation of what participants write while drafting: proposals, amendments and display
names are shown at once (post-moderation); a facilitator hides one with a reason, shown in its
place, and can show it again. Every action is in the audit log, with the statements' moderation
(the moderation log shows both)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Conflict, NotFound
from deliberation.models import (
    Amendment,
    AuditAction,
    DisplayName,
    Participant,
    Proposal,
    Round,
    TargetKind,
    User,
)
from deliberation.models.proposals import Hideable, HideInput
from deliberation.services import audit
from deliberation.services.rounds import require_facilitator

PAGE_SIZE = 50


class Kind(StrEnum):
    """What a facilitator hides (the part of the moderation address naming it)."""

    PROPOSAL = "proposal"
    AMENDMENT = "amendment"
    DISPLAY_NAME = "display-name"


class Action(StrEnum):
    HIDE = "hide"
    SHOW = "show"


_TARGETS = {
    Kind.PROPOSAL: TargetKind.PROPOSAL,
    Kind.AMENDMENT: TargetKind.AMENDMENT,
    Kind.DISPLAY_NAME: TargetKind.DISPLAY_NAME,
}
_AUDIT = {
    (Kind.PROPOSAL, Action.HIDE): AuditAction.PROPOSAL_HIDE,
    (Kind.PROPOSAL, Action.SHOW): AuditAction.PROPOSAL_SHOW,
    (Kind.AMENDMENT, Action.HIDE): AuditAction.AMENDMENT_HIDE,
    (Kind.AMENDMENT, Action.SHOW): AuditAction.AMENDMENT_SHOW,
    (Kind.DISPLAY_NAME, Action.HIDE): AuditAction.DISPLAY_NAME_HIDE,
    (Kind.DISPLAY_NAME, Action.SHOW): AuditAction.DISPLAY_NAME_SHOW,
}
DONE: dict[tuple[Kind, Action], LazyString] = {
    (Kind.PROPOSAL, Action.HIDE): _l("Proposal hidden."),
    (Kind.PROPOSAL, Action.SHOW): _l("Proposal shown again."),
    (Kind.AMENDMENT, Action.HIDE): _l("Amendment hidden."),
    (Kind.AMENDMENT, Action.SHOW): _l("Amendment shown again."),
    (Kind.DISPLAY_NAME, Action.HIDE): _l("Display name hidden."),
    (Kind.DISPLAY_NAME, Action.SHOW): _l("Display name shown again."),
}
"""What the facilitator is told once an action is done."""


@dataclass(frozen=True)
class Item:
    """One proposal, amendment or display name as the moderation queue shows it: ``title`` (a
    proposal's title, the amended proposal's title, or the name) and ``text`` (the proposal's
    text, the amendment's wording and rationale), written in ``language`` (None: unknown);
    ``proposal_id`` links to the proposal concerned."""

    kind: Kind
    target_id: int
    title: str
    text: str
    language: str | None
    proposal_id: int | None
    target: Hideable


@dataclass(frozen=True)
class DraftingQueue:
    """What the round's participants wrote while drafting: the latest items of each kind (at
    most ``PAGE_SIZE``, newest first, hidden ones included), and how many of each kind there
    are and are hidden."""

    items: dict[Kind, list[Item]]
    counts: dict[Kind, int]
    hidden: dict[Kind, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _proposal_item(proposal: Proposal) -> Item:
    return Item(
        Kind.PROPOSAL,
        proposal.id or 0,
        proposal.title,
        proposal.text,
        proposal.language,
        proposal.id,
        proposal,
    )


def _amendment_item(amendment: Amendment, proposal: Proposal) -> Item:
    return Item(
        Kind.AMENDMENT,
        amendment.id or 0,
        proposal.title,
        f"{amendment.replacement}\n\n{amendment.rationale}",
        proposal.language,
        proposal.id,
        amendment,
    )


def _name_item(name: DisplayName) -> Item:
    return Item(Kind.DISPLAY_NAME, name.participant_id, name.name, "", None, None, name)


def _counts(session: Session, round_: Round) -> tuple[dict[Kind, int], dict[Kind, int]]:
    queries = {
        Kind.PROPOSAL: (
            select(func.count(), func.count(col(Proposal.hidden_at))).where(
                Proposal.round_id == round_.id
            )
        ),
        Kind.AMENDMENT: (
            select(func.count(), func.count(col(Amendment.hidden_at)))
            .join(Proposal, col(Proposal.id) == Amendment.proposal_id)
            .where(Proposal.round_id == round_.id)
        ),
        Kind.DISPLAY_NAME: (
            select(func.count(), func.count(col(DisplayName.hidden_at)))
            .join(Participant, col(Participant.id) == DisplayName.participant_id)
            .where(Participant.round_id == round_.id)
        ),
    }
    counts, hidden = {}, {}
    for kind, query in queries.items():
        total, hidden_count = session.exec(query).one()  # type: ignore[call-overload]
        counts[kind], hidden[kind] = int(total), int(hidden_count)
    return counts, hidden


def drafting_counts(session: Session, *, round_: Round, user: User | None) -> DraftingQueue:
    """The counts alone (for the moderation page's tabs)."""
    require_facilitator(session, round_, user)
    counts, hidden = _counts(session, round_)
    return DraftingQueue({}, counts, hidden)


def drafting_queue(session: Session, *, round_: Round, user: User | None) -> DraftingQueue:
    """What the round's participants wrote while drafting (see ``DraftingQueue``)."""
    require_facilitator(session, round_, user)
    counts, hidden = _counts(session, round_)
    proposals = session.exec(
        select(Proposal)
        .where(Proposal.round_id == round_.id)
        .order_by(col(Proposal.id).desc())
        .limit(PAGE_SIZE)
    )
    amendments = session.exec(
        select(Amendment, Proposal)
        .join(Proposal, col(Proposal.id) == Amendment.proposal_id)
        .where(Proposal.round_id == round_.id)
        .order_by(col(Amendment.id).desc())
        .limit(PAGE_SIZE)
    )
    names = session.exec(
        select(DisplayName)
        .join(Participant, col(Participant.id) == DisplayName.participant_id)
        .where(Participant.round_id == round_.id)
        .order_by(col(DisplayName.created_at).desc(), col(DisplayName.participant_id).desc())
        .limit(PAGE_SIZE)
    )
    return DraftingQueue(
        {
            Kind.PROPOSAL: [_proposal_item(proposal) for proposal in proposals],
            Kind.AMENDMENT: [_amendment_item(a, p) for a, p in amendments],
            Kind.DISPLAY_NAME: [_name_item(name) for name in names],
        },
        counts,
        hidden,
    )


def queue_item(
    session: Session, *, round_: Round, user: User | None, kind: Kind, target_id: int
) -> Item:
    """One item of the queue (after an action, its row is drawn again)."""
    require_facilitator(session, round_, user)
    target = get_target(session, round_=round_, kind=kind, target_id=target_id)
    if isinstance(target, Proposal):
        return _proposal_item(target)
    if isinstance(target, Amendment):
        proposal = session.get(Proposal, target.proposal_id)
        assert proposal is not None
        return _amendment_item(target, proposal)
    assert isinstance(target, DisplayName)
    return _name_item(target)


def get_target(session: Session, *, round_: Round, kind: Kind, target_id: int) -> Hideable:
    """The proposal, amendment or display name (by its participant's id) of ``round_``; 404
    otherwise."""
    target: Hideable | None
    if kind == Kind.PROPOSAL:
        proposal = session.get(Proposal, target_id)
        target = proposal if proposal and proposal.round_id == round_.id else None
    elif kind == Kind.AMENDMENT:
        amendment = session.get(Amendment, target_id)
        parent = session.get(Proposal, amendment.proposal_id) if amendment else None
        target = amendment if parent and parent.round_id == round_.id else None
    else:
        name = session.get(DisplayName, target_id)
        participant = session.get(Participant, target_id) if name else None
        target = name if participant and participant.round_id == round_.id else None
    if target is None:
        raise NotFound(_l("This does not exist in this round."))
    return target


def moderate(
    session: Session,
    *,
    round_: Round,
    user: User,
    kind: Kind,
    target_id: int,
    action: Action,
    fields: HideInput | None = None,
) -> Hideable:
    """Hide (``fields`` gives the reason, required) or show again one proposal, amendment or
    display name of the round; logged. ``Conflict`` when it already is so."""
    require_facilitator(session, round_, user)
    target = get_target(session, round_=round_, kind=kind, target_id=target_id)
    if action == Action.HIDE:
        if fields is None:
            raise Conflict(_l("Give a reason to hide it."))
        if target.hidden and target.hidden_reason == fields.reason:
            raise Conflict(_l("It is already hidden for this reason."))
        target.hidden_at = utcnow()
        target.hidden_reason = fields.reason
    else:
        if not target.hidden:
            raise Conflict(_l("It is not hidden."))
        target.hidden_at = None
        target.hidden_reason = None
    session.add(target)
    audit.record(
        session,
        actor=user,
        action=_AUDIT[(kind, action)],
        target_kind=_TARGETS[kind],
        target_id=target_id,
        round_=round_,
        details={"reason": fields.reason} if fields is not None and action == Action.HIDE else {},
    )
    session.flush()
    return target
