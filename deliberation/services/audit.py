"""The audit log: ``record`` adds an entry to the caller's transaction; the log pages read it.

Every use case that changes shared or sensitive state (moderation, territories and their
owners, round phases and settings, invite links, accounts) calls ``record`` before its
transaction commits, so the entry and the change are written together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from flask_babel import lazy_gettext as _l
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from deliberation.models import (
    ActorKind,
    ApiToken,
    AuditAction,
    AuditEntry,
    Participant,
    Round,
    TargetKind,
    User,
)
from deliberation.services.paging import Page, fetch_page

SYSTEM: Final = "system"
PAGE_SIZE = 50

Actor = User | Participant | ApiToken | Literal["system"]

ACTION_NAMES = {
    AuditAction.STATEMENT_ACCEPT: _l("Statement accepted"),
    AuditAction.STATEMENT_REJECT: _l("Statement rejected"),
    AuditAction.STATEMENT_META: _l("Statement flagged as meta"),
    AuditAction.STATEMENT_UNMETA: _l("Meta flag removed from a statement"),
    AuditAction.TRANSLATION_ACCEPT: _l("Translation accepted"),
    AuditAction.TRANSLATION_REJECT: _l("Translation rejected"),
    AuditAction.TRANSLATION_REVIEW: _l("Translation marked as reviewed"),
    AuditAction.TERRITORY_CREATE: _l("Territory created"),
    AuditAction.TERRITORY_UPDATE: _l("Territory edited"),
    AuditAction.COUNCIL_CREATE: _l("Council created"),
    AuditAction.COUNCIL_UPDATE: _l("Council edited"),
    AuditAction.COUNCIL_TOKEN_CREATE: _l("API token created"),
    AuditAction.COUNCIL_TOKEN_REVOKE: _l("API token revoked"),
    AuditAction.COUNCIL_CLERK_ADD: _l("Clerk account created"),
    AuditAction.COUNCIL_RESPONSE: _l("Council response recorded"),
    AuditAction.OWNER_ADD: _l("Owner added"),
    AuditAction.OWNER_REMOVE: _l("Owner removed"),
    AuditAction.ROUND_CREATE: _l("Round created"),
    AuditAction.ROUND_UPDATE: _l("Round settings changed"),
    AuditAction.ROUND_PHASE: _l("Round phase changed"),
    AuditAction.ROUND_FACILITATOR_ADD: _l("Facilitator added to the round"),
    AuditAction.ROUND_FACILITATOR_REMOVE: _l("Facilitator removed from the round"),
    AuditAction.ROUND_TERRITORY_ATTACH: _l("Territory attached to the round"),
    AuditAction.ROUND_TERRITORY_DETACH: _l("Territory detached from the round"),
    AuditAction.INVITE_CREATE: _l("Invite link created"),
    AuditAction.INVITE_REVOKE: _l("Invite link revoked"),
    AuditAction.PROPOSAL_MERGE: _l("Proposals merged"),
    AuditAction.PROPOSAL_SELECT: _l("Proposal selected for the decision"),
    AuditAction.PROPOSAL_HIDE: _l("Proposal hidden"),
    AuditAction.PROPOSAL_SHOW: _l("Proposal shown again"),
    AuditAction.PROPOSAL_TRANSLATE: _l("Proposal translated"),
    AuditAction.AMENDMENT_HIDE: _l("Amendment hidden"),
    AuditAction.AMENDMENT_SHOW: _l("Amendment shown again"),
    AuditAction.DISPLAY_NAME_HIDE: _l("Display name hidden"),
    AuditAction.DISPLAY_NAME_SHOW: _l("Display name shown again"),
    AuditAction.ACCOUNT_CREATE: _l("Account created"),
    AuditAction.ACCOUNT_INVITE: _l("Facilitator invited"),
    AuditAction.ACCOUNT_DISABLE: _l("Account disabled"),
    AuditAction.ACCOUNT_ENABLE: _l("Account enabled"),
    AuditAction.ACCOUNT_ROLE: _l("Account role changed"),
    AuditAction.ACCOUNT_PASSWORD_RESET: _l("Password reset link issued"),
    AuditAction.ACCOUNT_PASSWORD_SET: _l("Password set"),
    AuditAction.OUTCOME_CREATE: _l("Outcome written"),
    AuditAction.OUTCOME_UPDATE: _l("Outcome edited"),
    AuditAction.OUTCOME_DELETE: _l("Outcome deleted"),
    AuditAction.REPORT_PUBLISH: _l("Report published"),
}
TARGET_NAMES = {
    TargetKind.ACCOUNT: _l("Account"),
    TargetKind.AMENDMENT: _l("Amendment"),
    TargetKind.DISPLAY_NAME: _l("Display name"),
    TargetKind.COUNCIL: _l("Council"),
    TargetKind.INVITE: _l("Invite link"),
    TargetKind.OUTCOME: _l("Outcome"),
    TargetKind.REPORT: _l("Report version"),
    TargetKind.PROPOSAL: _l("Proposal"),
    TargetKind.ROUND: _l("Round"),
    TargetKind.STATEMENT: _l("Statement"),
    TargetKind.TERRITORY: _l("Territory"),
    TargetKind.TRANSLATION: _l("Translation"),
}

LABELS: dict[str, Any] = {"action_names": ACTION_NAMES, "target_names": TARGET_NAMES}
"""What the log templates need to name actions and targets: ``render(..., **audit.LABELS)``."""


@dataclass(frozen=True)
class LogRow:
    """An entry with the email of the account that acted (None if not an account, or deleted)."""

    entry: AuditEntry
    email: str | None


LogPage = Page[LogRow]


def json_value(value: Any) -> Any:
    """``value`` as JSON can hold it: datetimes in ISO 8601, enums and other objects as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(item) for item in value]
    return str(value)


def record(
    session: Session,
    *,
    actor: Actor,
    action: AuditAction,
    target_kind: TargetKind,
    target_id: int | None,
    round_: Round | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry to ``session`` (never commits: the caller's transaction writes it).

    ``actor`` is the account, participant or council API token that acted, or ``SYSTEM``
    (the schedule, the command line). ``details`` is converted with ``json_value``.
    """
    entry = AuditEntry(
        actor_kind=ActorKind.SYSTEM,
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        round_id=round_.id if round_ is not None else None,
        details=json_value(dict(details or {})),
    )
    if isinstance(actor, User):
        entry.actor_kind, entry.actor_user_id = ActorKind.ACCOUNT, actor.id
    elif isinstance(actor, Participant):
        entry.actor_kind, entry.actor_participant_id = ActorKind.PARTICIPANT, actor.id
    elif isinstance(actor, ApiToken):
        # A token has no column of its own: its id goes into the details.
        entry.actor_kind = ActorKind.TOKEN
        entry.details = {**entry.details, "token_id": actor.id}
    session.add(entry)
    return entry


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """``{name: [old, new]}`` for each value that differs between ``before`` and ``after``."""
    return {
        name: [json_value(before.get(name)), json_value(value)]
        for name, value in after.items()
        if json_value(before.get(name)) != json_value(value)
    }


def _page(session: Session, conditions: Iterable[ColumnElement[bool]], page: int) -> LogPage:
    found = fetch_page(
        session,
        select(AuditEntry, User.email)
        .outerjoin(User, col(User.id) == AuditEntry.actor_user_id)
        .where(*conditions)
        .order_by(col(AuditEntry.id).desc()),
        page=page,
        size=PAGE_SIZE,
    )
    return Page(
        rows=[LogRow(entry, email) for entry, email in found.rows],
        page=found.page,
        has_next=found.has_next,
    )


def round_entries(
    session: Session,
    *,
    round_: Round,
    actions: Iterable[AuditAction] | None = None,
    page: int = 1,
) -> LogPage:
    """One page of the entries of a round (only ``actions`` if given), newest first. The caller
    checks the reader facilitates the round."""
    conditions = [col(AuditEntry.round_id) == round_.id]
    if actions is not None:
        conditions.append(col(AuditEntry.action).in_([a.value for a in actions]))
    return _page(session, conditions, page)


def target_entries(
    session: Session, *, target_kind: TargetKind, target_id: int, page: int = 1
) -> LogPage:
    """One page of the entries about one object, newest first. The caller checks the reader
    may see them (the object's owners, for example)."""
    conditions = [
        col(AuditEntry.target_kind) == target_kind.value,
        col(AuditEntry.target_id) == target_id,
    ]
    return _page(session, conditions, page)


def all_entries(session: Session, *, page: int = 1) -> LogPage:
    """One page of every entry, newest first. The caller checks the reader is an admin."""
    return _page(session, [], page)
