"""The facilitators' use cases on proposals: merging two into a new one, selecting proposals
for a decision. Both are written to the round's audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Conflict
from deliberation.models import (
    AuditAction,
    Endorsement,
    Phase,
    Proposal,
    ProposalAuthor,
    ProposalStatement,
    ProposalStatus,
    Round,
    TargetKind,
    User,
)
from deliberation.models.proposals import MAX_TEXT, MergeInput
from deliberation.proposals.drafting import (
    ACTIVE,
    Drafter,
    add_version,
    get_proposal,
    require_drafting,
    require_shown,
)
from deliberation.services import audit
from deliberation.services.rounds import require_facilitator
from deliberation.services.validation import FieldInvalid


def merge_proposals(
    session: Session,
    *,
    round_: Round,
    user: User,
    fields: MergeInput,
) -> Proposal:
    """A new proposal from two of the round's proposals being drafted.

    The new one links the statements of both, has the authors of both (and the facilitator),
    and counts the distinct endorsers of both (their endorsements are carried over). Both old
    proposals are marked merged and point to it; their histories stay as they were. An empty
    ``fields.text`` puts both texts one after the other. The new one is in the language the
    facilitator names (``fields.language``, one of the round's)."""
    require_facilitator(session, round_, user)
    require_drafting(round_)
    if fields.first == fields.second:
        raise FieldInvalid(_l("Choose two different proposals to merge."), field="second")
    if fields.language not in round_.languages:
        raise FieldInvalid(_l("Choose one of the round's languages."), field="language")
    sources = [
        get_proposal(session, round_, fields.first),
        get_proposal(session, round_, fields.second),
    ]
    if any(source.status not in ACTIVE for source in sources):
        raise Conflict(_l("Only proposals being drafted can be merged."))
    text = fields.text or "\n\n".join(source.text for source in sources)
    if len(text) > MAX_TEXT:
        raise FieldInvalid(
            _l("Together the texts are too long: write the merged text."), field="text"
        )
    merged = Proposal(
        round_id=round_.id,  # type: ignore[arg-type]
        title=fields.title,
        text=text,
        language=fields.language,
    )
    session.add(merged)
    session.flush()
    ids = [source.id for source in sources]
    statements = set(
        session.exec(
            select(ProposalStatement.statement_id).where(
                col(ProposalStatement.proposal_id).in_(ids)
            )
        )
    )
    for statement_id in sorted(statements):
        session.add(ProposalStatement(proposal_id=merged.id, statement_id=statement_id))  # type: ignore[arg-type]
    people = session.exec(
        select(ProposalAuthor.participant_id, ProposalAuthor.user_id).where(
            col(ProposalAuthor.proposal_id).in_(ids)
        )
    ).all()
    participants = {p for p, _ in people if p is not None}
    users = {u for _, u in people if u is not None} | {user.id}
    for participant_id in sorted(participants):
        session.add(ProposalAuthor(proposal_id=merged.id, participant_id=participant_id))  # type: ignore[arg-type]
    for user_id in sorted(u for u in users if u is not None):
        session.add(
            ProposalAuthor(proposal_id=merged.id, user_id=user_id, first=user_id == user.id)  # type: ignore[arg-type]
        )
    endorsers = session.exec(
        select(Endorsement.participant_id, Endorsement.territory_id)
        .where(col(Endorsement.proposal_id).in_(ids))
        .distinct()
    ).all()
    if endorsers:
        session.execute(
            insert(Endorsement),
            [
                {
                    "proposal_id": merged.id,
                    "participant_id": participant_id,
                    "territory_id": territory_id,
                    "created_at": utcnow(),
                }
                for participant_id, territory_id in endorsers
            ],
        )
    for source in sources:
        source.status = ProposalStatus.MERGED
        source.merged_into_id = merged.id
        session.add(source)
    add_version(session, merged, Drafter(None, user, True), message="")
    audit.record(
        session,
        actor=user,
        action=AuditAction.PROPOSAL_MERGE,
        target_kind=TargetKind.PROPOSAL,
        target_id=merged.id,
        round_=round_,
        details={"merged": ids},
    )
    return merged


def merged_from(session: Session, proposal: Proposal) -> list[Proposal]:
    """The proposals merged into ``proposal``."""
    return list(
        session.exec(
            select(Proposal)
            .where(Proposal.merged_into_id == proposal.id)
            .order_by(col(Proposal.id))
        )
    )


def select_proposal(session: Session, *, round_: Round, user: User, proposal_id: int) -> Proposal:
    """Select a proposal for the round's decision (while the round drafts or decides)."""
    require_facilitator(session, round_, user)
    if round_.phase not in {Phase.DRAFTING, Phase.DECIDING}:
        raise Conflict(_l("Proposals are selected while the round drafts or decides."))
    proposal = get_proposal(session, round_, proposal_id)
    if proposal.status not in ACTIVE:
        raise Conflict(_l("Only proposals being drafted can be selected."))
    require_shown(proposal)
    proposal.status = ProposalStatus.SELECTED
    proposal.activity_at = utcnow()
    session.add(proposal)
    audit.record(
        session,
        actor=user,
        action=AuditAction.PROPOSAL_SELECT,
        target_kind=TargetKind.PROPOSAL,
        target_id=proposal.id,
        round_=round_,
    )
    session.flush()
    return proposal
