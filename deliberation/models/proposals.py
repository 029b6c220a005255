"""Proposals drafted during a round's drafting phase: versions, authors, co-author invite links,
linked statements, endorsements, amendments and their support, and participants' display names."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict
from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow
from deliberation.config import LANGUAGES
from deliberation.models.inputs import MAX_ID, Printable, RuleBroken, at_most, between

MAX_TITLE = 160
MAX_TEXT = 20_000
MAX_MESSAGE = 200
MAX_REASON = 1_000
MAX_DISPLAY_NAME = 60
MAX_HIDDEN_REASON = 500


class ProposalStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"
    SELECTED = "selected"


class AmendmentStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Hideable(SQLModel):
    """What participants write while drafting is shown at once (post-moderation); a
    facilitator can hide it, with a reason shown in its place. ``hidden_at`` is None while it
    is shown."""

    hidden_at: datetime | None = None
    hidden_reason: str | None = Field(default=None, max_length=MAX_HIDDEN_REASON)

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


class Proposal(Hideable, table=True):
    """A proposal. ``title`` and ``text`` (Markdown) are those of version ``version``, the
    current one; ``language`` is the language it was first written in; ``territory_id`` is its
    first author's territory (None when a facilitator started it). ``merged_into_id`` names the
    proposal this one was merged into; ``activity_at`` moves with every edit, amendment and
    endorsement (sorting by recent activity)."""

    __table_args__ = (Index("ix_proposal_round_status", "round_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", ondelete="CASCADE")
    title: str = Field(max_length=MAX_TITLE)
    text: str = Field(max_length=MAX_TEXT)
    language: str = Field(max_length=12)
    status: ProposalStatus = Field(default=ProposalStatus.DRAFT, sa_type=String(10))
    version: int = 1
    territory_id: int | None = Field(default=None, foreign_key="territory.id", ondelete="SET NULL")
    merged_into_id: int | None = Field(default=None, foreign_key="proposal.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    activity_at: datetime = Field(default_factory=utcnow)


class ProposalVersion(SQLModel, table=True):
    """One saved edit: the whole title and text as saved, who saved it and why. ``amendment_id``
    names the amendment a version accepted (its author is credited)."""

    __tablename__ = "proposal_version"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", ondelete="CASCADE")
    number: int = Field(ge=1)
    title: str = Field(max_length=MAX_TITLE)
    text: str = Field(max_length=MAX_TEXT)
    message: str = Field(default="", max_length=MAX_MESSAGE)
    participant_id: int | None = Field(
        default=None, foreign_key="participant.id", ondelete="SET NULL"
    )
    user_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    amendment_id: int | None = Field(default=None, foreign_key="amendment.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class ProposalAuthor(SQLModel, table=True):
    """An author of a proposal: a participant or a facilitator's account (exactly one)."""

    __tablename__ = "proposal_author"
    __table_args__ = (
        UniqueConstraint("proposal_id", "participant_id"),
        UniqueConstraint("proposal_id", "user_id"),
        CheckConstraint(
            "(participant_id IS NULL) <> (user_id IS NULL)", name="ck_proposal_author_one"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", ondelete="CASCADE", index=True)
    participant_id: int | None = Field(
        default=None, foreign_key="participant.id", ondelete="CASCADE", index=True
    )
    user_id: int | None = Field(default=None, foreign_key="account.id", ondelete="CASCADE")
    first: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class CoauthorInvite(SQLModel, table=True):
    """A link that makes a participant of the round a co-author; the URL carries a signed
    (id, key) token. Revoking it admits nobody more."""

    __tablename__ = "coauthor_invite"
    __table_args__ = (UniqueConstraint("key"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", ondelete="CASCADE", index=True)
    key: str = Field(max_length=32)
    uses: int = 0
    revoked_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ProposalStatement(SQLModel, table=True):
    """A statement of the same round that a proposal answers."""

    __tablename__ = "proposal_statement"

    proposal_id: int = Field(foreign_key="proposal.id", primary_key=True, ondelete="CASCADE")
    statement_id: int = Field(
        foreign_key="statement.id", primary_key=True, ondelete="CASCADE", index=True
    )


class Endorsement(SQLModel, table=True):
    """A participant endorses a proposal; ``territory_id`` is theirs (counts per territory)."""

    proposal_id: int = Field(foreign_key="proposal.id", primary_key=True, ondelete="CASCADE")
    participant_id: int = Field(
        foreign_key="participant.id", primary_key=True, ondelete="CASCADE", index=True
    )
    territory_id: int = Field(foreign_key="territory.id", ondelete="RESTRICT")
    created_at: datetime = Field(default_factory=utcnow)


class Amendment(Hideable, table=True):
    """A change to one paragraph of a proposal, proposed on version ``base_version``.

    ``original`` is the paragraph as it read then and ``replacement`` what it should read. The
    amendment is outdated while no paragraph of the current text equals ``original``."""

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", ondelete="CASCADE", index=True)
    base_version: int = Field(ge=1)
    paragraph: int = Field(ge=0)
    original: str = Field(max_length=MAX_TEXT)
    replacement: str = Field(max_length=MAX_TEXT)
    rationale: str = Field(max_length=MAX_REASON)
    participant_id: int | None = Field(
        default=None, foreign_key="participant.id", ondelete="SET NULL"
    )
    status: AmendmentStatus = Field(default=AmendmentStatus.OPEN, sa_type=String(10))
    reason: str | None = Field(default=None, max_length=MAX_REASON)
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None


class AmendmentSupport(SQLModel, table=True):
    __tablename__ = "amendment_support"

    amendment_id: int = Field(foreign_key="amendment.id", primary_key=True, ondelete="CASCADE")
    participant_id: int = Field(
        foreign_key="participant.id", primary_key=True, ondelete="CASCADE", index=True
    )
    territory_id: int = Field(foreign_key="territory.id", ondelete="RESTRICT")
    created_at: datetime = Field(default_factory=utcnow)


class DisplayName(Hideable, table=True):
    """The name a participant chose to sign proposals and amendments with in their round."""

    __tablename__ = "display_name"

    participant_id: int = Field(foreign_key="participant.id", primary_key=True, ondelete="CASCADE")
    name: str = Field(max_length=MAX_DISPLAY_NAME)
    created_at: datetime = Field(default_factory=utcnow)


# --- Input models -------------------------------------------------------------------------

# An HTML tag or comment: proposals are Markdown with raw HTML switched off, so a tag is never
# meant; refusing it keeps every stored text free of markup and of htmx attributes. As in
# HTML's own parsing, a tag opens with "<" then a letter, "/" and a letter, "!" or "?": a "<"
# before a space is text ("income < median").
_MARKUP = re.compile(r"<(?:/?[A-Za-z]|[!?])")


def _one_line(value: Any) -> Any:
    return " ".join(value.split()) if isinstance(value, str) else value


def _block(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value


def _required(value: str) -> str:
    if not value:
        raise RuleBroken(_l("This cannot be empty."))
    return value


def _no_markup(value: str) -> str:
    if _MARKUP.search(value):
        raise RuleBroken(
            _l("HTML is not accepted here: write plain text (Markdown in the proposal's text).")
        )
    return value


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise RuleBroken(_l("Choose one of the round's languages."))
    return value


Required = AfterValidator(_required)
NoMarkup = AfterValidator(_no_markup)
Title = Annotated[
    str, BeforeValidator(_one_line), Printable, Required, at_most(MAX_TITLE), NoMarkup
]
Text = Annotated[str, BeforeValidator(_block), Printable, Required, at_most(MAX_TEXT), NoMarkup]
OptionalText = Annotated[str, BeforeValidator(_block), Printable, at_most(MAX_TEXT), NoMarkup]
Message = Annotated[str, BeforeValidator(_one_line), Printable, at_most(MAX_MESSAGE), NoMarkup]
Name = Annotated[str, BeforeValidator(_one_line), Printable, at_most(MAX_DISPLAY_NAME), NoMarkup]
Reason = Annotated[str, BeforeValidator(_block), Printable, Required, at_most(MAX_REASON), NoMarkup]
Id = Annotated[int, between(1, MAX_ID)]


class ProposalInput(BaseModel):
    """A new proposal: its title, Markdown text and language, the statements it answers, a
    note on the first version, and the display name its author signs with (empty: none)."""

    model_config = ConfigDict(frozen=True)

    title: Title
    text: Text
    language: Annotated[str, AfterValidator(_language)]
    message: Message = ""
    display_name: Name = ""
    statements: tuple[Id, ...] = ()


class EditInput(BaseModel):
    """An edit, based on version ``base_version``."""

    model_config = ConfigDict(frozen=True)

    title: Title
    text: Text
    base_version: Annotated[int, between(1, MAX_ID)]
    message: Message = ""
    display_name: Name = ""


class AmendmentInput(BaseModel):
    """A new wording for paragraph ``paragraph`` (0-based) with its rationale."""

    model_config = ConfigDict(frozen=True)

    paragraph: Annotated[int, between(0, MAX_ID)]
    replacement: Text
    rationale: Reason
    display_name: Name = ""


class ProposalTranslationInput(BaseModel):
    """A facilitator's translation of a proposal's current title and text into ``language``
    (another of the round's languages than the proposal's, checked by the service)."""

    model_config = ConfigDict(frozen=True)

    language: Annotated[str, AfterValidator(_language)]
    title: Title
    text: Text


class AmendmentTranslationInput(BaseModel):
    """A translation of an amendment's paragraph and rationale into ``language`` (another of
    the round's languages than its proposal's, checked by the service)."""

    model_config = ConfigDict(frozen=True)

    language: Annotated[str, AfterValidator(_language)]
    text: Text
    rationale: Reason


class RejectionInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    reason: Reason


class MergeInput(BaseModel):
    """Two proposals to merge, the merged title, its text (empty: both texts) and the language
    the facilitator wrote it in (one of the round's, checked by the service)."""

    model_config = ConfigDict(frozen=True)

    first: Id
    second: Id
    title: Title
    language: Annotated[str, AfterValidator(_language)]
    text: OptionalText = ""


class HideInput(BaseModel):
    """A facilitator's reason for hiding a proposal, an amendment or a display name."""

    model_config = ConfigDict(frozen=True)

    reason: Annotated[
        str,
        BeforeValidator(_one_line),
        Printable,
        Required,
        at_most(MAX_HIDDEN_REASON),
        NoMarkup,
    ]
