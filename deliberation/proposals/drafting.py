"""Writing proposals: who drafts, the checks on every text, new proposals, edits as versions
(a stale edit is refused), status changes by the authors, co-author links and display names."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Conflict, Forbidden, NotFound
from deliberation.models import (
    CoauthorInvite,
    DisplayName,
    Participant,
    Phase,
    Proposal,
    ProposalAuthor,
    ProposalStatement,
    ProposalStatus,
    ProposalVersion,
    Round,
    Statement,
    StatementStatus,
    User,
)
from deliberation.models.proposals import EditInput, ProposalInput
from deliberation.services.validation import FieldInvalid

ACTIVE = frozenset({ProposalStatus.DRAFT, ProposalStatus.SUBMITTED})


@dataclass(frozen=True)
class Drafter:
    """Who acts: the session's participant in the round, a signed-in account, or both.
    ``facilitator`` is True when the account facilitates the round."""

    participant: Participant | None
    user: User | None
    facilitator: bool

    @property
    def territory_id(self) -> int | None:
        return self.participant.territory_id if self.participant else None


class StaleEdit(Conflict):
    """The edit was based on a version that another save has replaced; ``current`` is the
    proposal as it is now."""

    def __init__(self, current: Proposal) -> None:
        super().__init__(
            _l("Someone saved a new version while you were editing. Your text is kept below.")
        )
        self.current = current


def require_drafting(round_: Round) -> None:
    """Raise ``Conflict`` unless the round is in its drafting phase."""
    if round_.phase != Phase.DRAFTING:
        raise Conflict(
            _l("Proposals, amendments and endorsements are possible only while the round drafts.")
        )


def check_statements(session: Session, round_: Round, statement_ids: Iterable[int]) -> list[int]:
    """The distinct ``statement_ids``, sorted, if each names a statement of ``round_`` that was
    not rejected; ``FieldInvalid`` (field ``statements``) otherwise."""
    wanted = sorted(set(statement_ids))
    if not wanted:
        return []
    found = set(
        session.exec(
            select(Statement.id).where(
                col(Statement.id).in_(wanted),
                Statement.round_id == round_.id,
                col(Statement.status) != StatementStatus.REJECTED,
            )
        )
    )
    if found != set(wanted):
        raise FieldInvalid(
            _l("A proposal can answer only statements of its own round."), field="statements"
        )
    return wanted


def get_proposal(session: Session, round_: Round, proposal_id: int) -> Proposal:
    """The proposal ``proposal_id`` of ``round_``; 404 otherwise."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.round_id != round_.id:
        raise NotFound(_l("This proposal does not exist in this round."))
    return proposal


def is_author(session: Session, proposal: Proposal, drafter: Drafter) -> bool:
    conditions = []
    if drafter.participant is not None:
        conditions.append(col(ProposalAuthor.participant_id) == drafter.participant.id)
    if drafter.user is not None:
        conditions.append(col(ProposalAuthor.user_id) == drafter.user.id)
    if not conditions:
        return False
    condition = conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1]
    found = session.exec(
        select(ProposalAuthor.id).where(ProposalAuthor.proposal_id == proposal.id, condition)
    ).first()
    return found is not None


def can_edit(session: Session, proposal: Proposal, drafter: Drafter) -> bool:
    """Authors and the round's facilitators edit a proposal."""
    return drafter.facilitator or is_author(session, proposal, drafter)


def require_editor(session: Session, proposal: Proposal, drafter: Drafter) -> None:
    if not can_edit(session, proposal, drafter):
        raise Forbidden(_l("Only this proposal's authors and the facilitators can do this."))


def require_active(proposal: Proposal) -> None:
    if proposal.status not in ACTIVE:
        raise Conflict(_l("This proposal is no longer being drafted."))


def require_shown(proposal: Proposal) -> None:
    """Refuse endorsing, amending and selecting a proposal the facilitators hid (its authors
    can still edit it)."""
    if proposal.hidden:
        raise Conflict(_l("The facilitators have hidden this proposal."))


def add_version(
    session: Session,
    proposal: Proposal,
    drafter: Drafter,
    *,
    message: str,
    participant_id: int | None = None,
    amendment_id: int | None = None,
) -> ProposalVersion:
    version = ProposalVersion(
        proposal_id=proposal.id,  # type: ignore[arg-type]
        number=proposal.version,
        title=proposal.title,
        text=proposal.text,
        message=message,
        participant_id=participant_id
        if amendment_id is not None
        else (drafter.participant.id if drafter.participant else None),
        user_id=None if amendment_id is not None or drafter.user is None else drafter.user.id,
        amendment_id=amendment_id,
    )
    session.add(version)
    session.flush()
    return version


def add_author(
    session: Session, proposal: Proposal, drafter: Drafter, *, first: bool = False
) -> None:
    if drafter.participant is not None:
        author = ProposalAuthor(
            proposal_id=proposal.id,  # type: ignore[arg-type]
            participant_id=drafter.participant.id,
            first=first,
        )
    elif drafter.user is not None:
        author = ProposalAuthor(
            proposal_id=proposal.id,  # type: ignore[arg-type]
            user_id=drafter.user.id,
            first=first,
        )
    else:
        raise Forbidden(_l("Join this round through an invite link first."))
    session.add(author)


def create_proposal(
    session: Session, *, round_: Round, drafter: Drafter, fields: ProposalInput
) -> Proposal:
    """A new draft proposal by ``drafter`` (its first author), linked to statements of the same
    round, with its first version. Participants and the round's facilitators draft."""
    if drafter.participant is None and not drafter.facilitator:
        raise Forbidden(_l("Join this round through an invite link first."))
    require_drafting(round_)
    if fields.language not in round_.languages:
        raise FieldInvalid(_l("Choose one of the round's languages."), field="language")
    linked = check_statements(session, round_, fields.statements)
    proposal = Proposal(
        round_id=round_.id,  # type: ignore[arg-type]
        title=fields.title,
        text=fields.text,
        language=fields.language,
        territory_id=drafter.territory_id,
    )
    session.add(proposal)
    session.flush()
    for statement_id in linked:
        session.add(ProposalStatement(proposal_id=proposal.id, statement_id=statement_id))  # type: ignore[arg-type]
    add_author(session, proposal, drafter, first=True)
    add_version(session, proposal, drafter, message=fields.message)
    sign(session, drafter, fields.display_name)
    return proposal


def save_version(
    session: Session,
    proposal: Proposal,
    drafter: Drafter,
    *,
    base_version: int,
    title: str,
    text: str,
    message: str,
    participant_id: int | None = None,
    amendment_id: int | None = None,
) -> ProposalVersion:
    """Make ``title`` and ``text`` the proposal's new current version, if ``base_version`` is
    still the current one: one conditional UPDATE, so of two concurrent saves on the same base
    exactly one wins and the other raises ``StaleEdit``."""
    now = utcnow()
    written = session.execute(
        update(Proposal)
        .where(col(Proposal.id) == proposal.id, col(Proposal.version) == base_version)
        .values(version=base_version + 1, title=title, text=text, activity_at=now)
    )
    session.refresh(proposal)
    if written.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleEdit(proposal)
    return add_version(
        session,
        proposal,
        drafter,
        message=message,
        participant_id=participant_id,
        amendment_id=amendment_id,
    )


def edit_proposal(
    session: Session, *, round_: Round, proposal: Proposal, drafter: Drafter, fields: EditInput
) -> ProposalVersion:
    """Save an edit by an author or a facilitator as a new version.

    Raises ``StaleEdit`` when ``fields.base_version`` is no longer current, ``FieldInvalid``
    when nothing changed, ``Conflict`` when the proposal is no longer drafted, ``Forbidden``
    for anyone else."""
    require_drafting(round_)
    require_editor(session, proposal, drafter)
    require_active(proposal)
    if fields.base_version != proposal.version:
        raise StaleEdit(proposal)
    if fields.title == proposal.title and fields.text == proposal.text:
        raise FieldInvalid(_l("Nothing has changed since the current version."), field="text")
    version = save_version(
        session,
        proposal,
        drafter,
        base_version=fields.base_version,
        title=fields.title,
        text=fields.text,
        message=fields.message,
    )
    sign(session, drafter, fields.display_name)
    return version


def change_status(
    session: Session, *, round_: Round, proposal: Proposal, drafter: Drafter, status: ProposalStatus
) -> Proposal:
    """An author submits a draft, takes it back to draft, or withdraws it."""
    require_drafting(round_)
    require_editor(session, proposal, drafter)
    require_active(proposal)
    if status not in {*ACTIVE, ProposalStatus.WITHDRAWN} or status == proposal.status:
        raise Conflict(_l("This proposal cannot take this status now."))
    proposal.status = status
    proposal.activity_at = utcnow()
    session.add(proposal)
    session.flush()
    return proposal


def versions(session: Session, proposal: Proposal) -> list[ProposalVersion]:
    """Every version of ``proposal``, newest first."""
    return list(
        session.exec(
            select(ProposalVersion)
            .where(ProposalVersion.proposal_id == proposal.id)
            .order_by(col(ProposalVersion.number).desc())
        )
    )


def get_version(session: Session, proposal: Proposal, number: int) -> ProposalVersion:
    version = session.exec(
        select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal.id, ProposalVersion.number == number
        )
    ).first()
    if version is None:
        raise NotFound(_l("This proposal has no such version."))
    return version


# --- Co-authors ---------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="palabre.coauthor")


def coauthor_token(invite: CoauthorInvite) -> str:
    """The opaque token put in a co-author link."""
    return str(_serializer().dumps([invite.id, invite.key]))


def create_coauthor_invite(
    session: Session, *, round_: Round, proposal: Proposal, drafter: Drafter
) -> CoauthorInvite:
    """A new co-author link, made by an author or a facilitator."""
    require_drafting(round_)
    require_editor(session, proposal, drafter)
    require_active(proposal)
    invite = CoauthorInvite(proposal_id=proposal.id, key=secrets.token_urlsafe(12))  # type: ignore[arg-type]
    session.add(invite)
    session.flush()
    return invite


def coauthor_invites(session: Session, proposal: Proposal) -> list[CoauthorInvite]:
    return list(
        session.exec(
            select(CoauthorInvite)
            .where(CoauthorInvite.proposal_id == proposal.id)
            .order_by(col(CoauthorInvite.id))
        )
    )


def revoke_coauthor_invite(
    session: Session, *, proposal: Proposal, drafter: Drafter, invite_id: int
) -> CoauthorInvite:
    require_editor(session, proposal, drafter)
    invite = session.get(CoauthorInvite, invite_id)
    if invite is None or invite.proposal_id != proposal.id:
        raise NotFound(_l("This co-author link does not exist."))
    if invite.revoked_at is not None:
        raise Conflict(_l("This co-author link is already revoked."))
    invite.revoked_at = utcnow()
    session.add(invite)
    session.flush()
    return invite


def resolve_coauthor_invite(session: Session, round_: Round, token: str) -> CoauthorInvite:
    """The co-author link a token names (404 if forged or of another round, 403 if revoked)."""
    try:
        invite_id, key = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError) as error:
        raise NotFound(_l("This co-author link is not valid.")) from error
    invite = session.get(CoauthorInvite, invite_id) if isinstance(invite_id, int) else None
    if invite is None or not secrets.compare_digest(invite.key, str(key)):
        raise NotFound(_l("This co-author link is not valid."))
    proposal = session.get(Proposal, invite.proposal_id)
    if proposal is None or proposal.round_id != round_.id:
        raise NotFound(_l("This co-author link is not valid."))
    if invite.revoked_at is not None:
        raise Forbidden(_l("This co-author link has been withdrawn."))
    return invite


def join_as_coauthor(
    session: Session, *, round_: Round, invite: CoauthorInvite, drafter: Drafter
) -> Proposal:
    """Make the session's participant a co-author through ``invite``."""
    require_drafting(round_)
    if drafter.participant is None:
        raise Forbidden(_l("Join this round through an invite link first."))
    proposal = get_proposal(session, round_, invite.proposal_id)
    require_active(proposal)
    if is_author(session, proposal, drafter):
        raise Conflict(_l("You are already an author of this proposal."))
    add_author(session, proposal, drafter)
    invite.uses += 1
    session.add(invite)
    session.flush()
    return proposal


# --- Display names ------------------------------------------------------------------------


def sign(session: Session, drafter: Drafter, name: str) -> None:
    """The name the drafter, when a participant, signs with in their round (a validated
    ``Name``); an empty name removes it."""
    participant = drafter.participant
    if participant is None:
        return
    current = session.get(DisplayName, participant.id)
    if not name:
        if current is not None:
            session.delete(current)
            session.flush()
        return
    if current is None:
        current = DisplayName(participant_id=participant.id, name=name)  # type: ignore[arg-type]
    elif current.name != name:
        # A new name is shown until a facilitator hides it too.
        current.hidden_at, current.hidden_reason = None, None
    current.name = name
    session.add(current)
    session.flush()


def display_name(session: Session, participant: Participant | None) -> str:
    """The participant's chosen display name, or '' when they chose none."""
    if participant is None:
        return ""
    current = session.get(DisplayName, participant.id)
    return current.name if current else ""
