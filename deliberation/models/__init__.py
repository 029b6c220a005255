"""SQLModel tables, split by domain. Importing this package registers every table."""

from deliberation.models.accounts import AccountLink, Role, User
from deliberation.models.audit import (
    MODERATION_ACTIONS,
    ActorKind,
    AuditAction,
    AuditEntry,
    TargetKind,
)
from deliberation.models.councils import (
    ApiToken,
    Council,
    CouncilClerk,
    CouncilOwner,
    CouncilResponse,
    ImplementationStatus,
    ResponseDecision,
    TokenScope,
)
from deliberation.models.opinions import OpinionLease, OpinionSnapshot
from deliberation.models.participants import Participant
from deliberation.models.reports import Outcome, OutcomeCouncil, OutcomeKind, ReportVersion
from deliberation.models.rounds import (
    Invite,
    ModerationMode,
    Phase,
    Round,
    RoundFacilitator,
    RoundTerritory,
)
from deliberation.models.statements import Statement, StatementStatus
from deliberation.models.territories import (
    Territory,
    TerritoryKind,
    TerritoryOwner,
    TerritoryTwin,
)
from deliberation.models.translations import (
    ReviewVerdict,
    TextKind,
    Translation,
    TranslationOrigin,
    TranslationReview,
)
from deliberation.models.votes import Vote, VoteEvent, VoteValue

__all__ = [
    "MODERATION_ACTIONS",
    "AccountLink",
    "ActorKind",
    "ApiToken",
    "AuditAction",
    "AuditEntry",
    "Council",
    "CouncilClerk",
    "CouncilOwner",
    "CouncilResponse",
    "ImplementationStatus",
    "Invite",
    "ModerationMode",
    "OpinionLease",
    "OpinionSnapshot",
    "Outcome",
    "OutcomeCouncil",
    "OutcomeKind",
    "Participant",
    "Phase",
    "ReportVersion",
    "ResponseDecision",
    "ReviewVerdict",
    "Role",
    "Round",
    "RoundFacilitator",
    "RoundTerritory",
    "Statement",
    "StatementStatus",
    "TargetKind",
    "Territory",
    "TerritoryKind",
    "TerritoryOwner",
    "TerritoryTwin",
    "TextKind",
    "TokenScope",
    "Translation",
    "TranslationOrigin",
    "TranslationReview",
    "User",
    "Vote",
    "VoteEvent",
    "VoteValue",
]
