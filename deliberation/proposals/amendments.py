"""Amendments: a participant proposes a new wording for one paragraph, others support it, the
authors accept it (a new version crediting its author) or reject it with a reason.

An amendment names its paragraph by the text it had (``original``). While a paragraph of the
current text still reads so, the amendment applies there, whatever changed elsewhere; once none
does, it is outdated and can no longer be accepted.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Conflict, Forbidden, NotFound
from deliberation.models import (
    Amendment,
    AmendmentStatus,
    AmendmentSupport,
    Participant,
    Proposal,
    ProposalVersion,
    Round,
)
from deliberation.models.proposals import MAX_TEXT, AmendmentInput, RejectionInput
from deliberation.proposals.diff import paragraphs, replace_paragraph
from deliberation.proposals.drafting import (
    Drafter,
    require_active,
    require_drafting,
    require_editor,
    require_shown,
    save_version,
    sign,
)
from deliberation.proposals.endorsements import Tally, counts_by_territory, tally
from deliberation.services.validation import FieldInvalid


def is_outdated(amendment: Amendment, proposal: Proposal) -> bool:
    """True for an open amendment whose paragraph no longer reads as it did."""
    return amendment.status == AmendmentStatus.OPEN and amendment.original not in paragraphs(
        proposal.text
    )


def require_amendable(round_: Round, proposal: Proposal) -> None:
    """Refuse proposing and supporting amendments unless the round drafts and the proposal is
    being drafted (not merged, withdrawn or selected) and shown.

    Raises:
        Conflict: the round does not draft, or the proposal is no longer drafted or is hidden.
    """
    require_drafting(round_)
    require_active(proposal)
    require_shown(proposal)


def propose_amendment(
    session: Session,
    *,
    round_: Round,
    proposal: Proposal,
    drafter: Drafter,
    fields: AmendmentInput,
) -> Amendment:
    """A participant's amendment to paragraph ``fields.paragraph`` of the current text."""
    participant = drafter.participant
    if participant is None:
        raise Forbidden(_l("Only participants of this round can propose amendments."))
    require_amendable(round_, proposal)
    blocks = paragraphs(proposal.text)
    if not fields.paragraph < len(blocks):
        raise FieldInvalid(_l("This proposal has no such paragraph."), field="paragraph")
    if fields.replacement == blocks[fields.paragraph]:
        raise FieldInvalid(_l("This is the paragraph as it reads now."), field="replacement")
    amendment = Amendment(
        proposal_id=proposal.id,  # type: ignore[arg-type]
        base_version=proposal.version,
        paragraph=fields.paragraph,
        original=blocks[fields.paragraph],
        replacement=fields.replacement,
        rationale=fields.rationale,
        participant_id=participant.id,
    )
    proposal.activity_at = utcnow()
    session.add_all([amendment, proposal])
    session.flush()
    sign(session, drafter, fields.display_name)
    return amendment


def get_amendment(session: Session, proposal: Proposal, amendment_id: int) -> Amendment:
    amendment = session.get(Amendment, amendment_id)
    if amendment is None or amendment.proposal_id != proposal.id:
        raise NotFound(_l("This amendment does not exist."))
    return amendment


def amendments(session: Session, proposal: Proposal) -> list[Amendment]:
    """The proposal's amendments, oldest first."""
    return list(
        session.exec(
            select(Amendment)
            .where(Amendment.proposal_id == proposal.id)
            .order_by(col(Amendment.id))
        )
    )


def _require_open(amendment: Amendment) -> None:
    if amendment.status != AmendmentStatus.OPEN:
        raise Conflict(_l("This amendment has already been decided."))
    if amendment.hidden:
        raise Conflict(_l("The facilitators have hidden this amendment."))


def support(
    session: Session,
    *,
    round_: Round,
    proposal: Proposal,
    amendment: Amendment,
    participant: Participant | None,
) -> AmendmentSupport:
    """``participant`` supports ``amendment`` of ``proposal`` (once), while the proposal is
    being drafted and shown, as for proposing one."""
    if participant is None:
        raise Forbidden(_l("Only participants of this round can support amendments."))
    require_amendable(round_, proposal)
    _require_open(amendment)
    if session.get(AmendmentSupport, (amendment.id, participant.id)) is not None:
        raise Conflict(_l("You already support this amendment."))
    row = AmendmentSupport(
        amendment_id=amendment.id,  # type: ignore[arg-type]
        participant_id=participant.id,  # type: ignore[arg-type]
        territory_id=participant.territory_id,
    )
    session.add(row)
    session.flush()
    return row


def supporters(session: Session, participant: Participant | None) -> set[int]:
    """The ids of the amendments ``participant`` supports."""
    if participant is None:
        return set()
    return set(
        session.exec(
            select(AmendmentSupport.amendment_id).where(
                AmendmentSupport.participant_id == participant.id
            )
        )
    )


def support_tally(session: Session, round_: Round, amendment: Amendment) -> Tally:
    return tally(
        session,
        round_,
        counts_by_territory(
            session, AmendmentSupport, [col(AmendmentSupport.amendment_id) == amendment.id]
        ),
    )


def accept(
    session: Session,
    *,
    round_: Round,
    proposal: Proposal,
    amendment: Amendment,
    drafter: Drafter,
) -> ProposalVersion:
    """An author (or a facilitator) accepts the amendment: its paragraph is replaced in a new
    version credited to the amendment's author. Refused once the amendment is outdated."""
    require_drafting(round_)
    require_editor(session, proposal, drafter)
    require_active(proposal)
    _require_open(amendment)
    text = replace_paragraph(proposal.text, amendment.original, amendment.replacement)
    if text is None:
        raise Conflict(
            _l("The paragraph has changed since this amendment was written: it is outdated.")
        )
    if len(text) > MAX_TEXT:
        raise Conflict(_l("With this amendment the text would be too long."))
    version = save_version(
        session,
        proposal,
        drafter,
        base_version=proposal.version,
        title=proposal.title,
        text=text,
        message="",
        participant_id=amendment.participant_id,
        amendment_id=amendment.id,
    )
    amendment.status = AmendmentStatus.ACCEPTED
    amendment.decided_at = utcnow()
    session.add(amendment)
    session.flush()
    return version


def reject(
    session: Session,
    *,
    round_: Round,
    proposal: Proposal,
    amendment: Amendment,
    drafter: Drafter,
    fields: RejectionInput,
) -> Amendment:
    """An author (or a facilitator) rejects the amendment, with a reason shown to all, while
    the proposal is being drafted (as for accepting)."""
    require_drafting(round_)
    require_editor(session, proposal, drafter)
    require_active(proposal)
    _require_open(amendment)
    amendment.reason = fields.reason
    amendment.status = AmendmentStatus.REJECTED
    amendment.decided_at = utcnow()
    proposal.activity_at = utcnow()
    session.add_all([amendment, proposal])
    session.flush()
    return amendment
