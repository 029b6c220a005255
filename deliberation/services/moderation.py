"""Moderation: the queue of a round's statements, accept / reject with a reason, the meta flag,
bulk actions. Every action is in the audit log; the moderation log is its moderation part."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.errors import Conflict, NotFound
from deliberation.messages import lazy_message
from deliberation.models import (
    DRAFTING_MODERATION_ACTIONS,
    MODERATION_ACTIONS,
    AuditAction,
    AuditEntry,
    Round,
    Statement,
    StatementStatus,
    TargetKind,
    Territory,
    TextKind,
    Translation,
    User,
)
from deliberation.services import audit
from deliberation.services.counts import shown_territories
from deliberation.services.paging import Page, fetch_page
from deliberation.services.rounds import require_facilitator
from deliberation.services.validation import MAX_ID, FieldInvalid, has_control_characters
from deliberation.translations.sources import Source, round_sources

PAGE_SIZE = 50
MAX_REASON = 500
MAX_BULK = 500


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    META = "meta"
    UNMETA = "unmeta"


AUDIT_ACTIONS = {
    Action.ACCEPT: AuditAction.STATEMENT_ACCEPT,
    Action.REJECT: AuditAction.STATEMENT_REJECT,
    Action.META: AuditAction.STATEMENT_META,
    Action.UNMETA: AuditAction.STATEMENT_UNMETA,
}


@dataclass(frozen=True)
class QueueRow:
    """A statement and its author's territory; ``territory_hidden`` when that territory has
    fewer participants than the round's privacy threshold (then ``territory`` is None)."""

    statement: Statement
    territory: Territory | None
    territory_hidden: bool = False


def _queue_row(statement: Statement, territory: Territory | None, shown: set[int]) -> QueueRow:
    if territory is not None and territory.id not in shown:
        return QueueRow(statement, None, territory_hidden=True)
    return QueueRow(statement, territory)


@dataclass(frozen=True)
class Queue:
    """One page of a round's statements in one moderation status."""

    status: StatementStatus
    rows: list[QueueRow]
    counts: dict[StatementStatus, int]
    page: int
    has_next: bool


@dataclass(frozen=True)
class LogRow:
    """A moderation entry of the audit log with the statement it is about (None if deleted, or
    when the entry is about a proposal, an amendment or a display name)."""

    entry: AuditEntry
    email: str | None
    statement: Statement | None


def status_counts(session: Session, round_: Round) -> dict[StatementStatus, int]:
    """How many statements of the round are in each status (an indexed count)."""
    counts = dict.fromkeys(StatementStatus, 0)
    rows = session.exec(
        select(Statement.status, func.count())
        .where(Statement.round_id == round_.id)
        .group_by(col(Statement.status))
    )
    for status, count in rows:
        counts[StatementStatus(status)] = int(count)
    return counts


def pending_counts(session: Session, round_ids: list[int]) -> dict[int, int]:
    """How many statements await review in each of ``round_ids`` (one indexed query)."""
    if not round_ids:
        return {}
    rows = session.exec(
        select(Statement.round_id, func.count())
        .where(
            col(Statement.round_id).in_(round_ids),
            Statement.status == StatementStatus.PENDING,
        )
        .group_by(col(Statement.round_id))
    )
    return {round_id: int(count) for round_id, count in rows}


def moderation_queue(
    session: Session,
    *,
    round_: Round,
    user: User | None,
    status: StatementStatus = StatementStatus.PENDING,
    page: int = 1,
) -> Queue:
    """One page of the round's statements in ``status``: pending ones oldest first (a queue),
    others newest first. In post-moderation, pending statements are already visible and
    accepted ones can still be rejected from the ``accepted`` page."""
    require_facilitator(session, round_, user)
    order = col(Statement.id) if status == StatementStatus.PENDING else col(Statement.id).desc()
    found = fetch_page(
        session,
        select(Statement, Territory)
        .outerjoin(Territory, col(Territory.id) == Statement.author_territory_id)
        .where(Statement.round_id == round_.id, Statement.status == status)
        .order_by(order),
        page=page,
        size=PAGE_SIZE,
    )
    shown = shown_territories(session, round_)
    return Queue(
        status=status,
        rows=[_queue_row(statement, territory, shown) for statement, territory in found.rows],
        counts=status_counts(session, round_),
        page=found.page,
        has_next=found.has_next,
    )


def queue_row(session: Session, *, round_: Round, user: User | None, statement_id: int) -> QueueRow:
    require_facilitator(session, round_, user)
    statement = _statement(session, round_, statement_id)
    territory = (
        session.get(Territory, statement.author_territory_id)
        if statement.author_territory_id
        else None
    )
    return _queue_row(statement, territory, shown_territories(session, round_))


def _statement(session: Session, round_: Round, statement_id: int) -> Statement:
    statement = session.get(Statement, statement_id)
    if statement is None or statement.round_id != round_.id:
        raise NotFound(_l("This statement does not exist in this round."))
    return statement


def _clean_reason(action: Action, reason: str | None) -> str | None:
    reason = " ".join((reason or "").split()) or None
    if reason and has_control_characters(reason):
        raise FieldInvalid(_l("The reason holds a character that is not allowed."), field="reason")
    if action == Action.REJECT and not reason:
        raise FieldInvalid(_l("Give a reason to reject a statement."), field="reason")
    if reason and len(reason) > MAX_REASON:
        raise FieldInvalid(
            lazy_message("A reason has at most %(n)d characters.", n=MAX_REASON), field="reason"
        )
    return reason


def _apply(statement: Statement, action: Action, reason: str | None) -> bool:
    """Change ``statement``; False when it already was in the state ``action`` asks for."""
    now = utcnow()
    if action == Action.ACCEPT:
        if statement.status == StatementStatus.ACCEPTED:
            return False
        statement.status = StatementStatus.ACCEPTED
        statement.rejection_reason = None
        statement.moderated_at = now
    elif action == Action.REJECT:
        if statement.status == StatementStatus.REJECTED and statement.rejection_reason == reason:
            return False
        statement.status = StatementStatus.REJECTED
        statement.rejection_reason = reason
        statement.moderated_at = now
    elif action == Action.META:
        if statement.is_meta:
            return False
        statement.is_meta = True
    else:
        if not statement.is_meta:
            return False
        statement.is_meta = False
    return True


def _log(
    session: Session,
    round_: Round,
    statement: Statement,
    *,
    user: User,
    action: Action,
    reason: str | None,
) -> None:
    audit.record(
        session,
        actor=user,
        action=AUDIT_ACTIONS[action],
        target_kind=TargetKind.STATEMENT,
        target_id=statement.id,
        round_=round_,
        details={"reason": reason} if reason else {},
    )


def moderate(
    session: Session,
    *,
    round_: Round,
    user: User,
    statement_id: int,
    action: Action,
    reason: str | None = None,
) -> Statement:
    """Accept, reject (a reason is required), flag or unflag as meta one statement; logged."""
    require_facilitator(session, round_, user)
    reason = _clean_reason(action, reason)
    statement = _statement(session, round_, statement_id)
    if not _apply(statement, action, reason):
        raise Conflict(_already(action))
    session.add(statement)
    _log(session, round_, statement, user=user, action=action, reason=reason)
    session.flush()
    return statement


def moderate_many(
    session: Session,
    *,
    round_: Round,
    user: User,
    statement_ids: Iterable[int],
    action: Action,
    reason: str | None = None,
) -> int:
    """Apply ``action`` to several statements of the round at once; each change is logged.

    Statements already in the requested state are left alone. Returns how many changed.
    """
    require_facilitator(session, round_, user)
    reason = _clean_reason(action, reason)
    ids = sorted(set(statement_ids))
    if not ids:
        raise FieldInvalid(_l("Select at least one statement."), field="statement_ids")
    if len(ids) > MAX_BULK:
        raise FieldInvalid(
            lazy_message("At most %(n)d statements at once.", n=MAX_BULK), field="statement_ids"
        )
    if ids[0] < 1 or ids[-1] > MAX_ID:
        raise NotFound(_l("This statement does not exist in this round."))
    statements = list(
        session.exec(
            select(Statement).where(Statement.round_id == round_.id, col(Statement.id).in_(ids))
        )
    )
    if len(statements) != len(ids):
        raise NotFound(_l("This statement does not exist in this round."))
    changed = 0
    for statement in statements:
        if _apply(statement, action, reason):
            session.add(statement)
            _log(session, round_, statement, user=user, action=action, reason=reason)
            changed += 1
    session.flush()
    return changed


def _already(action: Action) -> str:
    messages = {
        Action.ACCEPT: _l("This statement is already accepted."),
        Action.REJECT: _l("This statement is already rejected for this reason."),
        Action.META: _l("This statement is already flagged as meta."),
        Action.UNMETA: _l("This statement is not flagged as meta."),
    }
    return str(messages[action])


def moderation_log(
    session: Session, *, round_: Round, user: User | None, page: int = 1
) -> Page[LogRow]:
    """One page of the round's moderation actions in the audit log (statements, translations,
    and what was written while drafting), newest first, for its facilitators."""
    require_facilitator(session, round_, user)
    entries = audit.round_entries(
        session,
        round_=round_,
        actions=(*MODERATION_ACTIONS, *DRAFTING_MODERATION_ACTIONS),
        page=page,
    )
    ids = [i for row in entries.rows if (i := _statement_of(row.entry)) is not None]
    statements = {
        statement.id: statement
        for statement in session.exec(select(Statement).where(col(Statement.id).in_(ids)))
    }
    return Page(
        rows=[
            LogRow(row.entry, row.email, statements.get(_statement_of(row.entry)))
            for row in entries.rows
        ],
        page=entries.page,
        has_next=entries.has_next,
    )


def _statement_of(entry: AuditEntry) -> int | None:
    """The statement a moderation entry is about: its target, or a translation's statement."""
    if entry.target_kind == TargetKind.TRANSLATION:
        statement = entry.details.get("statement")
        return statement if isinstance(statement, int) else None
    return entry.target_id if entry.target_kind == TargetKind.STATEMENT else None


class TranslationAction(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    REVIEW = "review"


TRANSLATION_AUDIT_ACTIONS = {
    TranslationAction.ACCEPT: AuditAction.TRANSLATION_ACCEPT,
    TranslationAction.REJECT: AuditAction.TRANSLATION_REJECT,
    TranslationAction.REVIEW: AuditAction.TRANSLATION_REVIEW,
}


@dataclass(frozen=True)
class TranslationQueueRow:
    """A translation waiting for moderation and the text it translates."""

    translation: Translation
    source: Source


def translation_queue(
    session: Session, *, round_: Round, user: User | None
) -> list[TranslationQueueRow]:
    """The round's translations pending moderation (of statements, proposals and
    amendments alike), oldest first (at most a page); those of a text that can no longer be
    translated (hidden, rejected) aside."""
    require_facilitator(session, round_, user)
    pending = list(
        session.exec(
            select(Translation)
            .where(Translation.round_id == round_.id, Translation.status == StatementStatus.PENDING)
            .order_by(col(Translation.id))
            .limit(PAGE_SIZE)
        )
    )
    wanted: dict[TextKind, list[int]] = defaultdict(list)
    for translation in pending:
        wanted[TextKind(translation.kind)].append(translation.text_id)
    sources = {
        (source.kind, source.id): source
        for source in round_sources(session, round_, kinds=wanted, ids=wanted)
    }
    return [
        TranslationQueueRow(translation, source)
        for translation in pending
        if (source := sources.get((TextKind(translation.kind), translation.text_id))) is not None
    ]


def moderate_translation(
    session: Session,
    *,
    round_: Round,
    user: User,
    translation_id: int,
    action: TranslationAction,
    reason: str | None = None,
) -> Translation:
    """Accept or reject (a reason is required) a translation as a statement is moderated, or
    mark it reviewed (a facilitator vouches that it is faithful); logged with its statement.
    Never commits."""
    require_facilitator(session, round_, user)
    reason = _clean_reason(
        Action.REJECT if action == TranslationAction.REJECT else Action.ACCEPT, reason
    )
    translation = session.get(Translation, translation_id)
    if translation is None or translation.round_id != round_.id:
        raise NotFound(_l("This translation does not exist in this round."))
    now = utcnow()
    if action == TranslationAction.ACCEPT:
        if translation.status == StatementStatus.ACCEPTED:
            raise Conflict(_l("This translation is already accepted."))
        translation.status = StatementStatus.ACCEPTED
        translation.rejection_reason = None
    elif action == TranslationAction.REJECT:
        translation.status = StatementStatus.REJECTED
        translation.rejection_reason = reason
    else:
        if translation.reviewed:
            raise Conflict(_l("This translation is already reviewed."))
        translation.reviewed = True
        translation.declined = False
        translation.reviewed_at = now
    translation.updated_at = now
    session.add(translation)
    details: dict[str, object] = {"language": translation.language}
    if translation.kind == TextKind.STATEMENT:
        details["statement"] = translation.text_id
    else:
        details |= {"kind": translation.kind, "text": translation.text_id}
    if reason:
        details["reason"] = reason
    audit.record(
        session,
        actor=user,
        action=TRANSLATION_AUDIT_ACTIONS[action],
        target_kind=TargetKind.TRANSLATION,
        target_id=translation.id,
        round_=round_,
        details=details,
    )
    return translation
