"""SQLModel tables, split by domain. Importing this package registers every table."""

from deliberation.models.accounts import Role, User
from deliberation.models.opinions import OpinionLease, OpinionSnapshot
from deliberation.models.participants import Participant
from deliberation.models.rounds import (
    Invite,
    ModerationMode,
    Phase,
    Round,
    RoundFacilitator,
    RoundTerritory,
)
from deliberation.models.statements import ModerationLog, Statement, StatementStatus
from deliberation.models.territories import Territory, TerritoryKind, TerritoryTwin
from deliberation.models.votes import Vote, VoteEvent, VoteValue

__all__ = [
    "Invite",
    "ModerationLog",
    "ModerationMode",
    "OpinionLease",
    "OpinionSnapshot",
    "Participant",
    "Phase",
    "Role",
    "Round",
    "RoundFacilitator",
    "RoundTerritory",
    "Statement",
    "StatementStatus",
    "Territory",
    "TerritoryKind",
    "TerritoryTwin",
    "User",
    "Vote",
    "VoteEvent",
    "VoteValue",
]
