"""Council responses: a council answers the outcomes addressed to it, through an API token
(``respond`` scope) or a clerk's form; both go through ``record_response``.

Answers are never changed: each one is a new row (the newest of an outcome and council is the
current answer, the older ones show its progress over time). Every answer is in the audit log,
on the council, with the token or account that wrote it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from deliberation.errors import Forbidden, NotFound
from deliberation.models import (
    ApiToken,
    AuditAction,
    Council,
    CouncilResponse,
    Outcome,
    OutcomeCouncil,
    Round,
    TargetKind,
    Translation,
    User,
)
from deliberation.models.council_inputs import CouncilResponseInput
from deliberation.models.translations import OUTCOME_PARTS
from deliberation.services import audit
from deliberation.translations.reading import shown_translations


@dataclass(frozen=True)
class InboxItem:
    """An outcome addressed to a council, its round, and the council's current answer (None
    before its first). ``overdue``: its due date has passed and no answer came."""

    outcome: Outcome
    round_: Round
    current: CouncilResponse | None
    overdue: bool
    translations: dict[str, dict[str, Translation]]
    """The translations of the outcome's ``title``, ``text`` and ``rationale`` by language."""

    def shown(self, part: str, language: str) -> tuple[str, str]:
        """``part`` of the outcome as a reader of ``language`` sees it (``shown_part``)."""
        translated = {lang: t.text for lang, t in self.translations.get(part, {}).items()}
        return shown_part(self.outcome, part, translated, language)


def shown_part(
    outcome: Outcome, part: str, translations: Mapping[str, str], language: str
) -> tuple[str, str]:
    """(text, its language) of ``part`` (``title``, ``text``, ``rationale``) of ``outcome`` for a
    reader of ``language``: its translation into it, else the original."""
    if language != outcome.language and translations.get(language):
        return translations[language], language
    return str(getattr(outcome, part)), outcome.language


def get_outcome(session: Session, outcome_id: int) -> Outcome:
    outcome = session.get(Outcome, outcome_id)
    if outcome is None:
        raise NotFound(_l("No outcome has this id."))
    return outcome


def token_council(session: Session, token: ApiToken) -> Council:
    return session.get_one(Council, token.council_id)


def is_addressed(session: Session, *, outcome_id: int, council_id: int) -> bool:
    found = session.exec(
        select(OutcomeCouncil.outcome_id).where(
            OutcomeCouncil.outcome_id == outcome_id, OutcomeCouncil.council_id == council_id
        )
    ).first()
    return found is not None


def record_response(
    session: Session,
    *,
    council: Council,
    outcome_id: int,
    fields: CouncilResponseInput,
    actor: ApiToken | User,
) -> CouncilResponse:
    """Add ``council``'s answer to an outcome addressed to it; ``NotFound`` if the outcome does
    not exist, ``Forbidden`` if it is not addressed to ``council``. The caller has checked that
    ``actor`` speaks for ``council`` (its token, or its clerk)."""
    assert council.id is not None
    get_outcome(session, outcome_id)
    if not is_addressed(session, outcome_id=outcome_id, council_id=council.id):
        raise Forbidden(_l("This outcome is not addressed to this council."))
    response = CouncilResponse(
        outcome_id=outcome_id,
        council_id=council.id,
        decision=fields.decision,
        reason=fields.reason.strip(),
        reason_language=fields.reason_language if fields.reason.strip() else None,
        decided_at=fields.decided_at,
        reference_url=fields.reference.url if fields.reference else None,
        oparl_paper=fields.reference is not None and fields.reference.kind == "oparl-paper",
        implementation_status=fields.implementation_status,
        progress=fields.progress,
        token_id=actor.id if isinstance(actor, ApiToken) else None,
        user_id=actor.id if isinstance(actor, User) else None,
    )
    session.add(response)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.COUNCIL_RESPONSE,
        target_kind=TargetKind.COUNCIL,
        target_id=council.id,
        details={
            "response_id": response.id,
            "outcome_id": outcome_id,
            "decision": fields.decision,
            "implementation_status": fields.implementation_status,
            "progress": fields.progress,
        },
    )
    return response


def responses_query(outcome_id: int) -> SelectOfScalar[CouncilResponse]:
    """Every answer to an outcome, oldest first."""
    return (
        select(CouncilResponse)
        .where(CouncilResponse.outcome_id == outcome_id)
        .order_by(col(CouncilResponse.id))
    )


def council_history(
    session: Session, *, council: Council, outcome_id: int
) -> list[CouncilResponse]:
    """``council``'s answers to an outcome, newest first."""
    return list(
        session.exec(
            select(CouncilResponse)
            .where(
                CouncilResponse.outcome_id == outcome_id,
                CouncilResponse.council_id == council.id,
            )
            .order_by(col(CouncilResponse.id).desc())
        )
    )


def _outcome_translations(
    session: Session, rows: Sequence[tuple[Outcome, Round]]
) -> dict[int, dict[str, dict[str, Translation]]]:
    """``{outcome id: {part: {language: translation}}}`` of the outcomes of ``rows`` (one query
    per round and part)."""
    by_round: dict[int, tuple[Round, list[int]]] = {}
    for outcome, round_ in rows:
        by_round.setdefault(round_.id or 0, (round_, []))[1].append(outcome.id or 0)
    found: dict[int, dict[str, dict[str, Translation]]] = {}
    for round_, outcome_ids in by_round.values():
        for part, kind in OUTCOME_PARTS.items():
            for outcome_id, by_language in shown_translations(
                session, round_, kind=kind, text_ids=outcome_ids
            ).items():
                found.setdefault(outcome_id, {})[part] = by_language
    return found


def inbox(session: Session, *, council: Council, today: date) -> list[InboxItem]:
    """The outcomes addressed to ``council`` with its current answers: unanswered first (by due
    date, undated last), then answered ones; newest outcomes first within each."""
    rows = session.exec(
        select(Outcome, Round)
        .join(OutcomeCouncil, col(OutcomeCouncil.outcome_id) == Outcome.id)
        .join(Round, col(Round.id) == Outcome.round_id)
        .where(OutcomeCouncil.council_id == council.id)
        .order_by(col(Outcome.id).desc())
    ).all()
    newest = (
        select(func.max(CouncilResponse.id))
        .where(CouncilResponse.council_id == council.id)
        .group_by(col(CouncilResponse.outcome_id))
    )
    current = {
        response.outcome_id: response
        for response in session.exec(
            select(CouncilResponse).where(col(CouncilResponse.id).in_(newest))
        )
    }
    translations = _outcome_translations(session, rows)
    items = [
        InboxItem(
            outcome=outcome,
            round_=round_,
            current=current.get(outcome.id or 0),
            translations=translations.get(outcome.id or 0, {}),
            overdue=outcome.id not in current
            and outcome.response_due is not None
            and outcome.response_due < today,
        )
        for outcome, round_ in rows
    ]
    return sorted(
        items,
        key=lambda item: (
            item.current is not None,
            item.outcome.response_due is None,
            item.outcome.response_due or date.max,
        ),
    )
