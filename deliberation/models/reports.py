"""Outcomes that facilitators compose for councils, and the published versions of the report."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, BaseModel, ConfigDict
from sqlalchemy import JSON, Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow
from deliberation.models.inputs import Printable, RuleBroken, at_most, known_language


class OutcomeKind(StrEnum):
    """What a council is asked to act on (the ``type`` of an outcome in OUTCOME.md)."""

    RECOMMENDATION = "recommendation"
    DECISION = "decision"
    QUESTION_TO_COUNCIL = "question_to_council"
    MINORITY_REPORT = "minority_report"


class Outcome(SQLModel, table=True):
    """An outcome of a round, written in ``language`` (its original language).

    ``statement_ids`` are the statements it is derived from (consensus and bridging
    statements); its support is computed from their votes when the report is published, never
    typed. ``proposal_ids`` and ``decision_ids`` are the round's proposals and decisions it
    also comes from (its lineage). Its title, text and rationale are translated by the
    facilitators through ``Translation`` (kinds ``outcome_title``, ``outcome_text`` and
    ``outcome_rationale``, ``text_id`` the outcome's id).
    """

    __table_args__ = (Index("ix_outcome_round", "round_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", ondelete="CASCADE")
    kind: OutcomeKind = Field(sa_type=String(24))
    language: str = Field(max_length=12)
    title: str = Field(max_length=200)
    text: str = Field(max_length=5000)
    rationale: str = Field(default="", max_length=5000)
    statement_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    proposal_ids: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    decision_ids: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    response_due: date | None = None
    review_date: date | None = None
    created_by_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class OutcomeCouncil(SQLModel, table=True):
    """A council an outcome is addressed to."""

    __tablename__ = "outcome_council"

    outcome_id: int = Field(foreign_key="outcome.id", primary_key=True, ondelete="CASCADE")
    council_id: int = Field(
        foreign_key="council.id", primary_key=True, ondelete="RESTRICT", index=True
    )


class ReportVersion(SQLModel, table=True):
    """A published, immutable version of a round's outcome document.

    ``number`` counts the round's versions from 1; ``sha256`` is the hex digest of the
    document's canonical JSON (``deliberation.reports.canonical``). Rows are never updated.
    """

    __tablename__ = "report_version"
    __table_args__ = (UniqueConstraint("round_id", "number", name="uq_report_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", ondelete="CASCADE", index=True)
    number: int = Field(ge=1)
    document: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sha256: str = Field(max_length=64)
    published_by_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    published_at: datetime = Field(default_factory=utcnow)


def _required(value: str) -> str:
    if not value.strip():
        raise RuleBroken(_l("This field is required."))
    return value


def _some_statements(value: tuple[int, ...]) -> tuple[int, ...]:
    if not value:
        raise RuleBroken(_l("Choose at least one statement this outcome is derived from."))
    return value


MAX_OUTCOME_TEXT = 5000
"""An outcome's text and rationale, and their translations."""


class OutcomeInput(BaseModel):
    """Everything a facilitator writes on an outcome; ``statement_ids`` must name statements of
    the round that the opinion map covers, ``proposal_ids`` and ``decision_ids`` the round's
    public proposals and counted decisions, and ``council_ids`` existing councils (checked by
    the service)."""

    model_config = ConfigDict(frozen=True)

    kind: OutcomeKind
    language: Annotated[str, AfterValidator(known_language)]
    title: Annotated[str, at_most(200), Printable, AfterValidator(_required)]
    text: Annotated[str, at_most(MAX_OUTCOME_TEXT), Printable, AfterValidator(_required)]
    rationale: Annotated[str, at_most(MAX_OUTCOME_TEXT), Printable] = ""
    statement_ids: Annotated[tuple[int, ...], AfterValidator(_some_statements)]
    proposal_ids: tuple[int, ...] = ()
    decision_ids: tuple[int, ...] = ()
    council_ids: tuple[int, ...] = ()
    response_due: date | None = None
    review_date: date | None = None


class OutcomeTranslationInput(BaseModel):
    """A facilitator's translation of an outcome into ``language`` (not its original one,
    checked by the service); an empty part removes that part's translation."""

    model_config = ConfigDict(frozen=True)

    language: Annotated[str, AfterValidator(known_language)]
    title: Annotated[str, at_most(200), Printable] = ""
    text: Annotated[str, at_most(MAX_OUTCOME_TEXT), Printable] = ""
    rationale: Annotated[str, at_most(MAX_OUTCOME_TEXT), Printable] = ""
