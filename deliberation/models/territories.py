"""Territories: communities rooted in a place, with identifiers and twinning links."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, String
from sqlmodel import Field, SQLModel

from deliberation.clock import utcnow


class TerritoryKind(StrEnum):
    MUNICIPALITY = "municipality"
    REGION = "region"
    DISTRICT = "district"
    OTHER = "other"


class Territory(SQLModel, table=True):
    """A territory. ``names`` maps a BCP 47 language tag to the name in that language."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    kind: TerritoryKind = Field(default=TerritoryKind.MUNICIPALITY, sa_type=String(20))
    names: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    iso_3166_2: str | None = Field(default=None, max_length=10)
    eurostat_lau: str | None = Field(default=None, max_length=20)
    lau_year: int | None = None
    nuts: str | None = Field(default=None, max_length=10)
    nuts_year: int | None = None
    wikidata: str | None = Field(default=None, max_length=20)
    population: int | None = Field(default=None, ge=0)
    population_year: int | None = None
    created_by_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)

    def name(self, language: str) -> str:
        """The name in ``language``, else English, else any name, else the slug."""
        return (
            self.names.get(language)
            or self.names.get("en")
            or next(iter(self.names.values()), self.slug)
        )


class TerritoryTwin(SQLModel, table=True):
    """A twinning link, stored once with ``territory_id < twin_id``.

    A link binds two territories, so both sides' owners agree to it: ``requested_by`` is the
    territory whose owners asked while the other's have not yet accepted (one of the pair), and
    None once the link is established. Either side may end it alone."""

    __tablename__ = "territory_twin"
    __table_args__ = (CheckConstraint("territory_id < twin_id", name="ck_twin_order"),)

    territory_id: int = Field(foreign_key="territory.id", primary_key=True, ondelete="CASCADE")
    twin_id: int = Field(foreign_key="territory.id", primary_key=True, ondelete="CASCADE")
    requested_by: int | None = None


class TerritoryOwner(SQLModel, table=True):
    """An account that may edit a territory and hand it on (admins may, without a row here).

    Taking part in a round gives no right over a territory: only its owners edit it."""

    __tablename__ = "territory_owner"

    territory_id: int = Field(foreign_key="territory.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE", index=True)
