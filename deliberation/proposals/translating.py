"""Proposals and amendments read across languages, through the one translation model.

A proposal's title and text (kinds ``proposal_title`` and ``proposal_text``) are in the
proposal's language; an amendment's paragraph and rationale (``amendment_text``,
``amendment_rationale``) are taken to be in its proposal's language too. Readers see them by
the reading rule of ``deliberation.translations.reading``. Facilitators of the round write the
translations (reviewed at once, origin ``human``); history and comparison stay on originals.

Services here never commit: the request that calls them owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Forbidden
from deliberation.models import (
    Amendment,
    AuditAction,
    Proposal,
    Round,
    StatementStatus,
    TargetKind,
    Translation,
    TranslationOrigin,
)
from deliberation.models.proposals import ProposalTranslationInput
from deliberation.models.translations import AMENDMENT_PARTS, PROPOSAL_PARTS
from deliberation.proposals.drafting import Drafter
from deliberation.services import audit
from deliberation.services.validation import FieldInvalid
from deliberation.translations.reading import Original, Reading, read_texts


@dataclass(frozen=True)
class ReadProposal:
    """A proposal's title and text as one reader sees them."""

    title: Reading
    text: Reading


@dataclass(frozen=True)
class ReadAmendment:
    """An amendment's paragraph and rationale as one reader sees them."""

    text: Reading
    rationale: Reading


def read_proposals(
    session: Session, round_: Round, proposals: Sequence[Proposal], languages: Sequence[str]
) -> dict[int, ReadProposal]:
    """The readings of ``proposals`` for a reader of ``languages``, keyed by proposal id."""
    read = {
        part: read_texts(
            session,
            round_,
            kind=kind,
            originals=[
                Original(p.id, getattr(p, part), p.language) for p in proposals if p.id is not None
            ],
            languages=languages,
        )
        for part, kind in PROPOSAL_PARTS.items()
    }
    return {
        p.id: ReadProposal(title=read["title"][p.id], text=read["text"][p.id])
        for p in proposals
        if p.id is not None
    }


def read_amendments(
    session: Session,
    round_: Round,
    proposal: Proposal,
    amendments: Sequence[Amendment],
    languages: Sequence[str],
) -> dict[int, ReadAmendment]:
    """The readings of ``proposal``'s ``amendments`` for a reader of ``languages``."""
    fields = {"text": "replacement", "rationale": "rationale"}
    read = {
        part: read_texts(
            session,
            round_,
            kind=kind,
            originals=[
                Original(a.id, getattr(a, fields[part]), proposal.language)
                for a in amendments
                if a.id is not None
            ],
            languages=languages,
        )
        for part, kind in AMENDMENT_PARTS.items()
    }
    return {
        a.id: ReadAmendment(text=read["text"][a.id], rationale=read["rationale"][a.id])
        for a in amendments
        if a.id is not None
    }


def proposal_translations(session: Session, proposal: Proposal) -> dict[str, dict[str, str]]:
    """The facilitators' translations of ``proposal``: ``{language: {"title": ..., "text":
    ...}}``, with ``"stale"`` set when the proposal changed after the translation."""
    found: dict[str, dict[str, str]] = {}
    rows = session.exec(
        select(Translation).where(
            col(Translation.kind).in_(list(PROPOSAL_PARTS.values())),
            Translation.text_id == proposal.id,
            col(Translation.origin) == TranslationOrigin.HUMAN,
        )
    )
    parts = {kind: part for part, kind in PROPOSAL_PARTS.items()}
    for row in rows:
        entry = found.setdefault(row.language, {})
        entry[parts[row.kind]] = row.text
        if row.updated_at < proposal.activity_at and row.kind == PROPOSAL_PARTS["text"]:
            entry["stale"] = "yes"
    return dict(sorted(found.items()))


def translate_proposal(
    session: Session,
    *,
    round_: Round,
    drafter: Drafter,
    proposal: Proposal,
    fields: ProposalTranslationInput,
) -> None:
    """Save a facilitator's translation of ``proposal``'s current title and text into
    ``fields.language``: reviewed and accepted at once, replacing the facilitator's previous
    one in that language. The original never changes.

    Raises:
        Forbidden: not a facilitator of the round. FieldInvalid: the proposal's own language
            or one the round does not offer.
    """
    if not drafter.facilitator or drafter.user is None:
        raise Forbidden(_l("Only the round's facilitators can translate a proposal."))
    if fields.language not in round_.languages or fields.language == proposal.language:
        raise FieldInvalid(_l("Choose another of the round's languages."), field="language")
    now = utcnow()
    for part, kind in PROPOSAL_PARTS.items():
        value = getattr(fields, part)
        row = session.exec(
            select(Translation).where(
                Translation.kind == kind,
                Translation.text_id == proposal.id,
                Translation.language == fields.language,
                col(Translation.origin) == TranslationOrigin.HUMAN,
            )
        ).first()
        row = row or Translation(
            round_id=round_.id,  # type: ignore[arg-type]
            kind=kind,
            text_id=proposal.id,  # type: ignore[arg-type]
            language=fields.language,
            text=value,
            origin=TranslationOrigin.HUMAN,
            created_at=now,
        )
        row.text = value
        row.reviewed = True
        row.declined = False
        row.status = StatementStatus.ACCEPTED
        row.author_user_id = drafter.user.id
        row.updated_at = row.reviewed_at = now
        session.add(row)
    session.flush()
    audit.record(
        session,
        actor=drafter.user,
        action=AuditAction.PROPOSAL_TRANSLATE,
        target_kind=TargetKind.PROPOSAL,
        target_id=proposal.id,
        round_=round_,
        details={"language": fields.language, "version": proposal.version},
    )
