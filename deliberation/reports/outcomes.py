"""Composing outcomes: the facilitators' use cases once a round is closed.

An outcome is derived from statements of the round's opinion map (its consensus and bridging
statements first); its support is computed when the report is published (``support``), never
typed. Outcomes can be written and changed in the ``closed`` and ``reported`` phases; a change
after publication shows in the next published version only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Conflict, NotFound
from deliberation.models import (
    AuditAction,
    Council,
    Decision,
    DecisionStatus,
    DecisionTally,
    Outcome,
    OutcomeCouncil,
    Phase,
    Proposal,
    ProposalStatus,
    Round,
    Statement,
    StatementStatus,
    TargetKind,
    Translation,
    User,
)
from deliberation.models.reports import OutcomeInput, OutcomeTranslationInput
from deliberation.models.translations import OUTCOME_PARTS
from deliberation.opinions.stored import current_snapshot
from deliberation.services import audit
from deliberation.services.rounds import require_facilitator
from deliberation.services.validation import FieldInvalid
from deliberation.translations.reading import shown_translations
from deliberation.translations.texts import human_translations, set_human_translation

COMPOSING_PHASES = (Phase.CLOSED, Phase.REPORTED)
PRIVATE_PROPOSALS = (ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN)


@dataclass(frozen=True)
class Candidate:
    """A statement an outcome may derive from, with the snapshot's figures (None: unknown or
    suppressed)."""

    statement: Statement
    consensus: str | None
    bridging: float | None
    lowest_territory_agree_rate: float | None


def require_composing(round_: Round) -> None:
    """Raise ``Conflict`` unless outcomes can be written in the round's phase."""
    if round_.phase not in COMPOSING_PHASES:
        raise Conflict(_l("Outcomes are written once the round is closed."))


def round_outcomes(session: Session, round_: Round) -> list[Outcome]:
    """The round's outcomes in the order they were written."""
    return list(
        session.exec(select(Outcome).where(Outcome.round_id == round_.id).order_by(col(Outcome.id)))
    )


def get_outcome(session: Session, round_: Round, outcome_id: int) -> Outcome:
    outcome = session.get(Outcome, outcome_id)
    if outcome is None or outcome.round_id != round_.id:
        raise NotFound(_l("This outcome does not exist."))
    return outcome


def candidates(session: Session, round_: Round) -> list[Candidate]:
    """Accepted, non-meta statements the latest opinion map covers: consensus statements
    first, then by decreasing bridging score, then by id."""
    snapshot = current_snapshot(session, round_)
    if snapshot is None:
        return []
    entries = {e["id"]: e for e in snapshot.document.get("statements", [])}
    statements = session.exec(
        select(Statement).where(
            Statement.round_id == round_.id,
            col(Statement.status) == StatementStatus.ACCEPTED,
            col(Statement.is_meta).is_(False),
            col(Statement.id).in_(list(entries)),
        )
    ).all()
    found = [
        Candidate(
            statement=s,
            consensus=entries[s.id]["consensus"],  # type: ignore[index]
            bridging=entries[s.id].get("bridging"),  # type: ignore[index]
            lowest_territory_agree_rate=entries[s.id].get("lowest_territory_agree_rate"),  # type: ignore[index]
        )
        for s in statements
    ]
    return sorted(
        found,
        key=lambda c: (c.consensus is None, -(c.bridging or 0.0), c.statement.id or 0),
    )


def reported_proposals(session: Session, round_: Round) -> list[Proposal]:
    """The round's proposals a report shows (submitted, selected or merged; not drafts or
    withdrawn ones), oldest first."""
    return list(
        session.exec(
            select(Proposal)
            .where(
                Proposal.round_id == round_.id,
                col(Proposal.status).not_in(PRIVATE_PROPOSALS),
            )
            .order_by(col(Proposal.id))
        )
    )


def counted_decisions(session: Session, round_: Round) -> list[tuple[Decision, DecisionTally]]:
    """The round's closed decisions whose tally is stored, with it, oldest first."""
    return list(
        session.exec(
            select(Decision, DecisionTally)
            .join(DecisionTally, col(DecisionTally.decision_id) == Decision.id)
            .where(Decision.round_id == round_.id, Decision.status == DecisionStatus.CLOSED)
            .order_by(col(Decision.id))
        ).all()
    )


def _check(session: Session, round_: Round, user: User, fields: OutcomeInput) -> None:
    require_facilitator(session, round_, user)
    require_composing(round_)
    allowed = {c.statement.id for c in candidates(session, round_)}
    if not set(fields.statement_ids) <= allowed:
        raise FieldInvalid(
            _l("Choose statements of this round's opinion map."), field="statement_ids"
        )
    if not set(fields.proposal_ids) <= {p.id for p in reported_proposals(session, round_)}:
        raise FieldInvalid(_l("Choose proposals of this round."), field="proposal_ids")
    if not set(fields.decision_ids) <= {d.id for d, _ in counted_decisions(session, round_)}:
        raise FieldInvalid(_l("Choose counted decisions of this round."), field="decision_ids")
    if fields.council_ids:
        known = set(session.exec(select(Council.id).where(col(Council.id).in_(fields.council_ids))))
        if known != set(fields.council_ids):
            raise FieldInvalid(_l("Choose councils from the list."), field="council_ids")


def _values(fields: OutcomeInput) -> dict[str, Any]:
    values = fields.model_dump(exclude={"council_ids"})
    values["statement_ids"] = list(fields.statement_ids)
    values["proposal_ids"] = list(fields.proposal_ids)
    values["decision_ids"] = list(fields.decision_ids)
    return values


def addressed_councils(session: Session, outcomes: list[Outcome]) -> dict[int, list[Council]]:
    """The councils each outcome (by id) is addressed to, by slug."""
    found: dict[int, list[Council]] = {o.id: [] for o in outcomes if o.id is not None}
    for outcome_id, council in session.exec(
        select(OutcomeCouncil.outcome_id, Council)
        .join(Council, col(Council.id) == OutcomeCouncil.council_id)
        .where(col(OutcomeCouncil.outcome_id).in_(list(found)))
        .order_by(col(Council.slug))
    ):
        found[outcome_id].append(council)
    return found


def _address(session: Session, outcome: Outcome, council_ids: tuple[int, ...]) -> list[int]:
    """Address ``outcome`` to exactly ``council_ids``; the ids it was addressed to before."""
    links = session.exec(
        select(OutcomeCouncil).where(OutcomeCouncil.outcome_id == outcome.id)
    ).all()
    before = sorted(link.council_id for link in links)
    for link in links:
        if link.council_id not in council_ids:
            session.delete(link)
    for council_id in set(council_ids) - set(before):
        session.add(OutcomeCouncil(outcome_id=outcome.id, council_id=council_id))  # type: ignore[arg-type]
    session.flush()
    return before


def create_outcome(session: Session, *, round_: Round, user: User, fields: OutcomeInput) -> Outcome:
    """Write a new outcome of ``round_`` (facilitators, closed or reported rounds)."""
    _check(session, round_, user, fields)
    outcome = Outcome(round_id=round_.id, created_by_id=user.id, **_values(fields))  # type: ignore[arg-type]
    session.add(outcome)
    session.flush()
    _address(session, outcome, fields.council_ids)
    audit.record(
        session,
        actor=user,
        action=AuditAction.OUTCOME_CREATE,
        target_kind=TargetKind.OUTCOME,
        target_id=outcome.id,
        round_=round_,
        details={
            "type": outcome.kind,
            "title": outcome.title,
            "councils": sorted(fields.council_ids),
        },
    )
    return outcome


def update_outcome(
    session: Session, *, round_: Round, user: User, outcome: Outcome, fields: OutcomeInput
) -> Outcome:
    """Change an outcome; the audit entry lists what changed."""
    _check(session, round_, user, fields)
    values = _values(fields)
    before = {name: getattr(outcome, name) for name in values}
    for name, value in values.items():
        setattr(outcome, name, value)
    outcome.updated_at = utcnow()
    session.add(outcome)
    session.flush()
    before["council_ids"] = _address(session, outcome, fields.council_ids)
    audit.record(
        session,
        actor=user,
        action=AuditAction.OUTCOME_UPDATE,
        target_kind=TargetKind.OUTCOME,
        target_id=outcome.id,
        round_=round_,
        details=audit.changes(before, values | {"council_ids": sorted(fields.council_ids)}),
    )
    return outcome


def delete_outcome(session: Session, *, round_: Round, user: User, outcome: Outcome) -> None:
    """Delete an outcome (published versions keep it: they are frozen)."""
    require_facilitator(session, round_, user)
    require_composing(round_)
    audit.record(
        session,
        actor=user,
        action=AuditAction.OUTCOME_DELETE,
        target_kind=TargetKind.OUTCOME,
        target_id=outcome.id,
        round_=round_,
        details={"type": outcome.kind, "title": outcome.title},
    )
    for translation in session.exec(
        select(Translation).where(
            col(Translation.kind).in_(list(OUTCOME_PARTS.values())),
            Translation.text_id == outcome.id,
        )
    ):
        session.delete(translation)
    session.delete(outcome)
    session.flush()


def outcome_translations(
    session: Session, round_: Round, outcomes: list[Outcome]
) -> dict[int, dict[str, dict[str, str]]]:
    """The shown translations of ``outcomes``: ``{outcome id: {part: {language: text}}}`` for
    the parts ``title``, ``text`` and ``rationale``."""
    ids = [o.id for o in outcomes if o.id is not None]
    found: dict[int, dict[str, dict[str, str]]] = {i: {} for i in ids}
    for part, kind in OUTCOME_PARTS.items():
        for outcome_id, by_language in shown_translations(
            session, round_, kind=kind, text_ids=ids
        ).items():
            found[outcome_id][part] = {lang: t.text for lang, t in sorted(by_language.items())}
    return found


def translate_outcome(
    session: Session,
    *,
    round_: Round,
    user: User,
    outcome: Outcome,
    fields: OutcomeTranslationInput,
) -> None:
    """Set the facilitator's translation of ``outcome`` into ``fields.language`` (human,
    reviewed): each non-empty part replaces that part's translation, an empty one removes it.
    ``FieldInvalid`` for the outcome's own language."""
    require_facilitator(session, round_, user)
    require_composing(round_)
    if fields.language == outcome.language:
        raise FieldInvalid(
            _l("This is the outcome's own language: choose another one."), field="language"
        )
    assert outcome.id is not None
    changed = []
    for part, kind in OUTCOME_PARTS.items():
        value = getattr(fields, part).strip()
        given = human_translations(session, kind=kind, text_ids=[outcome.id])
        if given.get(outcome.id, {}).get(fields.language, "") == value:
            continue
        set_human_translation(
            session,
            round_=round_,
            user=user,
            kind=kind,
            text_id=outcome.id,
            language=fields.language,
            text=value,
        )
        changed.append(part)
    session.flush()
    if changed:
        audit.record(
            session,
            actor=user,
            action=AuditAction.OUTCOME_UPDATE,
            target_kind=TargetKind.OUTCOME,
            target_id=outcome.id,
            round_=round_,
            details={"translation": fields.language, "parts": changed},
        )
