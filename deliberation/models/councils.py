"""Councils: the bodies outcomes are addressed to, their owners, clerks, API tokens and
responses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow


class Council(SQLModel, table=True):
    """A council (a Popolo ``Organization``) of a territory. ``names`` maps a BCP 47 language
    tag to the name in that language; ``oparl_body`` is the URL of its OParl ``Body`` if it
    publishes one."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    names: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    territory_id: int = Field(foreign_key="territory.id", index=True, ondelete="RESTRICT")
    oparl_body: str | None = Field(default=None, max_length=500)
    website: str | None = Field(default=None, max_length=500)
    wikidata: str | None = Field(default=None, max_length=20)
    created_by_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)

    def name(self, language: str) -> str:
        """The name in ``language``, else English, else any name, else the slug."""
        return (
            self.names.get(language)
            or self.names.get("en")
            or next(iter(self.names.values()), self.slug)
        )


class CouncilOwner(SQLModel, table=True):
    """An account that may edit a council, hand it on, and create its API tokens and its
    clerks' accounts (admins may, without a row here)."""

    __tablename__ = "council_owner"

    council_id: int = Field(foreign_key="council.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE", index=True)
