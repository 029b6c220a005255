"""Proposals and amendments read across languages, through the one translation model.

A proposal's title and text (kinds ``proposal_title`` and ``proposal_text``) are in the
proposal's language; an amendment's paragraph and rationale (``amendment_text``,
``amendment_rationale``) are taken to be in its proposal's language too. Readers see them by
the reading rule of ``deliberation.translations.reading``. Facilitators of the round write
translations (reviewed at once, origin ``human``); while the round drafts, participants who
help translate write them too, reviewed by another helper and moderated as statements' are
(``deliberation.translations.participants``). History and comparison stay on originals.

Services here never commit: the request that calls them owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from deliberation.errors import Forbidden, NotFound
from deliberation.models import (
    Amendment,
    AuditAction,
    Phase,
    Proposal,
    Round,
    TargetKind,
    TextKind,
    Translation,
    TranslationOrigin,
)
from deliberation.models.proposals import AmendmentTranslationInput, ProposalTranslationInput
from deliberation.models.translations import AMENDMENT_PARTS, PROPOSAL_PARTS
from deliberation.proposals.drafting import Drafter
from deliberation.services import audit
from deliberation.services.validation import FieldInvalid
from deliberation.translations import participants as helpers
from deliberation.translations.reading import Original, Reading, read_texts
from deliberation.translations.sources import Source
from deliberation.translations.texts import save_human_translation


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


def proposal_sources(proposal: Proposal, amendments: Sequence[Amendment] = ()) -> list[Source]:
    """``proposal``'s title and text and ``amendments``' paragraphs and rationales (those
    not hidden) as translatable texts, in the proposal's language."""
    found = [
        Source(kind, proposal.id or 0, getattr(proposal, part), proposal.language, proposal.id)
        for part, kind in PROPOSAL_PARTS.items()
    ]
    fields = {"text": "replacement", "rationale": "rationale"}
    for amendment in amendments:
        if amendment.hidden:
            continue
        found.extend(
            Source(
                kind,
                amendment.id or 0,
                getattr(amendment, fields[part]),
                proposal.language,
                proposal.id,
            )
            for part, kind in AMENDMENT_PARTS.items()
            if getattr(amendment, fields[part]).strip()
        )
    return found


def can_translate(drafter: Drafter, round_: Round) -> bool:
    """Whether ``drafter`` may translate proposals now: a facilitator always, a participant
    who helps translate while the round drafts."""
    if drafter.facilitator:
        return True
    return (
        drafter.participant is not None
        and helpers.is_helper(drafter.participant)
        and round_.phase == Phase.DRAFTING
    )


def target_languages(drafter: Drafter, round_: Round, proposal: Proposal) -> list[str]:
    """The languages ``drafter`` may translate ``proposal`` into: the round's others for a
    facilitator; for a helper, those of them they read, if they read the proposal's."""
    others = [language for language in round_.languages if language != proposal.language]
    if drafter.facilitator or not can_translate(drafter, round_):
        return others if drafter.facilitator else []
    reads = drafter.participant.reading_languages if drafter.participant else []
    if proposal.language not in reads:
        return []
    return [language for language in others if language in reads]


def _translate(
    session: Session,
    *,
    round_: Round,
    drafter: Drafter,
    proposal: Proposal,
    parts: list[tuple[Source, str]],
    language: str,
    details: dict[str, object],
) -> None:
    """Save ``parts`` (each a text and its translation) into ``language``: a facilitator's
    reviewed at once, a helper's pending review and moderation as a statement's."""
    if language not in target_languages(drafter, round_, proposal):
        if not can_translate(drafter, round_):
            raise Forbidden(
                _l(
                    "Only the round's facilitators and the participants who help translate can translate a proposal."
                )
            )
        raise FieldInvalid(_l("Choose another of the round's languages."), field="language")
    if drafter.facilitator and drafter.user is not None:
        for source, text in parts:
            save_human_translation(
                session,
                round_=round_,
                user=drafter.user,
                source=source,
                language=language,
                text=text,
            )
        audit.record(
            session,
            actor=drafter.user,
            action=AuditAction.PROPOSAL_TRANSLATE,
            target_kind=TargetKind.PROPOSAL,
            target_id=proposal.id,
            round_=round_,
            details={"language": language, **details},
        )
        return
    participant = drafter.participant
    assert participant is not None  # can_translate
    for source, text in parts:
        helpers.propose_translation(
            session,
            round_=round_,
            participant=participant,
            kind=source.kind,
            text_id=source.id,
            language=language,
            text=text,
        )


def translate_proposal(
    session: Session,
    *,
    round_: Round,
    drafter: Drafter,
    proposal: Proposal,
    fields: ProposalTranslationInput,
) -> None:
    """Save a translation of ``proposal``'s current title and text into ``fields.language``:
    a facilitator's is reviewed and accepted at once and replaces their previous one in that
    language; a helper's waits for another participant's review and for moderation, as a
    statement's. The original never changes.

    Raises:
        Forbidden: neither a facilitator of the round nor a helper while it drafts.
        FieldInvalid: the proposal's own language or one the translator may not write.
        Invalid: a part that cannot be a translation.
    """
    title, text = proposal_sources(proposal)
    _translate(
        session,
        round_=round_,
        drafter=drafter,
        proposal=proposal,
        parts=[(title, fields.title), (text, fields.text)],
        language=fields.language,
        details={"version": proposal.version},
    )


def translate_amendment(
    session: Session,
    *,
    round_: Round,
    drafter: Drafter,
    proposal: Proposal,
    amendment: Amendment,
    fields: AmendmentTranslationInput,
) -> None:
    """Save a translation of ``amendment``'s paragraph and rationale into
    ``fields.language``, by the rules of ``translate_proposal``. ``NotFound`` if hidden."""
    if amendment.hidden or amendment.proposal_id != proposal.id:
        raise NotFound(_l("This amendment does not exist."))
    parts = proposal_sources(proposal, [amendment])[len(PROPOSAL_PARTS) :]
    values = {TextKind.AMENDMENT_TEXT: fields.text, TextKind.AMENDMENT_RATIONALE: fields.rationale}
    _translate(
        session,
        round_=round_,
        drafter=drafter,
        proposal=proposal,
        parts=[(source, values[source.kind]) for source in parts],
        language=fields.language,
        details={"amendment": amendment.id},
    )
