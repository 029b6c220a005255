"""The audit log: one append-only record of every change to shared or sensitive state."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, String
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow


class ActorKind(StrEnum):
    ACCOUNT = "account"
    PARTICIPANT = "participant"
    SYSTEM = "system"
    TOKEN = "token"


class TargetKind(StrEnum):
    ACCOUNT = "account"
    AMENDMENT = "amendment"
    COUNCIL = "council"
    DISPLAY_NAME = "display_name"
    INVITE = "invite"
    OUTCOME = "outcome"
    REPORT = "report"
    PROPOSAL = "proposal"
    ROUND = "round"
    STATEMENT = "statement"
    TERRITORY = "territory"
    TRANSLATION = "translation"


class AuditAction(StrEnum):
    """What happened. The value names the target kind first, then the verb."""

    STATEMENT_ACCEPT = "statement.accept"
    STATEMENT_REJECT = "statement.reject"
    STATEMENT_META = "statement.meta"
    STATEMENT_UNMETA = "statement.unmeta"
    TRANSLATION_ACCEPT = "translation.accept"
    TRANSLATION_REJECT = "translation.reject"
    TRANSLATION_REVIEW = "translation.review"
    TERRITORY_CREATE = "territory.create"
    TERRITORY_UPDATE = "territory.update"
    COUNCIL_CREATE = "council.create"
    COUNCIL_UPDATE = "council.update"
    COUNCIL_TOKEN_CREATE = "council.token_create"
    COUNCIL_TOKEN_REVOKE = "council.token_revoke"
    COUNCIL_CLERK_ADD = "council.clerk_add"
    COUNCIL_RESPONSE = "council.response"
    OWNER_ADD = "owner.add"
    OWNER_REMOVE = "owner.remove"
    ROUND_CREATE = "round.create"
    ROUND_UPDATE = "round.update"
    ROUND_PHASE = "round.phase"
    ROUND_FACILITATOR_ADD = "round.facilitator_add"
    ROUND_FACILITATOR_REMOVE = "round.facilitator_remove"
    ROUND_TERRITORY_ATTACH = "round.territory_attach"
    ROUND_TERRITORY_DETACH = "round.territory_detach"
    INVITE_CREATE = "invite.create"
    INVITE_REVOKE = "invite.revoke"
    PROPOSAL_MERGE = "proposal.merge"
    PROPOSAL_SELECT = "proposal.select"
    PROPOSAL_HIDE = "proposal.hide"
    PROPOSAL_SHOW = "proposal.show"
    PROPOSAL_TRANSLATE = "proposal.translate"
    AMENDMENT_HIDE = "amendment.hide"
    AMENDMENT_SHOW = "amendment.show"
    DISPLAY_NAME_HIDE = "display_name.hide"
    DISPLAY_NAME_SHOW = "display_name.show"
    ACCOUNT_CREATE = "account.create"
    ACCOUNT_INVITE = "account.invite"
    ACCOUNT_DISABLE = "account.disable"
    ACCOUNT_ENABLE = "account.enable"
    ACCOUNT_ROLE = "account.role"
    ACCOUNT_PASSWORD_RESET = "account.password_reset"
    ACCOUNT_PASSWORD_SET = "account.password_set"
    OUTCOME_CREATE = "outcome.create"
    OUTCOME_UPDATE = "outcome.update"
    OUTCOME_DELETE = "outcome.delete"
    REPORT_PUBLISH = "report.publish"


MODERATION_ACTIONS = (
    AuditAction.STATEMENT_ACCEPT,
    AuditAction.STATEMENT_REJECT,
    AuditAction.STATEMENT_META,
    AuditAction.STATEMENT_UNMETA,
    AuditAction.TRANSLATION_ACCEPT,
    AuditAction.TRANSLATION_REJECT,
    AuditAction.TRANSLATION_REVIEW,
)

# Moderation of what is written while drafting: in the moderation log, but not a change of the
# opinion map's input (``MODERATION_ACTIONS`` marks a snapshot stale).
DRAFTING_MODERATION_ACTIONS = (
    AuditAction.PROPOSAL_HIDE,
    AuditAction.PROPOSAL_SHOW,
    AuditAction.AMENDMENT_HIDE,
    AuditAction.AMENDMENT_SHOW,
    AuditAction.DISPLAY_NAME_HIDE,
    AuditAction.DISPLAY_NAME_SHOW,
)


class AuditEntry(SQLModel, table=True):
    """Who (``actor_kind`` and the account or participant), did what (``action``) to what
    (``target_kind``, ``target_id``), in which round if any, with ``details``, and when.

    Rows are never updated. Deleting an account or participant keeps its entries (the link
    becomes null); the round link is kept the same way so the global log stays whole.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_round", "round_id", "id"),
        Index("ix_audit_entry_target", "target_kind", "target_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    actor_kind: ActorKind = Field(sa_type=String(12))
    actor_user_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    actor_participant_id: int | None = Field(
        default=None, foreign_key="participant.id", ondelete="SET NULL"
    )
    action: AuditAction = Field(sa_type=String(40))
    target_kind: TargetKind = Field(sa_type=String(20))
    target_id: int | None = None
    round_id: int | None = Field(default=None, foreign_key="round.id", ondelete="SET NULL")
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
