"""Paging a listing: one page of an ordered query, and whether a next page has rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar, TypeVarTuple, overload

from sqlmodel import Session
from sqlmodel.sql.expression import Select, SelectOfScalar

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class Page(Generic[T]):
    """``rows`` of page ``page`` (1-based); ``has_next`` when a later page has rows."""

    rows: list[T]
    page: int
    has_next: bool


@overload
def fetch_page(
    session: Session, statement: SelectOfScalar[T], *, page: int, size: int
) -> Page[T]: ...


@overload
def fetch_page(
    session: Session, statement: Select[*Ts], *, page: int, size: int
) -> Page[tuple[*Ts]]: ...


def fetch_page(session: Session, statement: Any, *, page: int, size: int) -> Page[Any]:
    """Page ``page`` of ``size`` rows of ``statement``, which the caller has ordered; a page
    below 1 reads as page 1. One query: it asks for one row more to know about the next page."""
    page = max(page, 1)
    rows = list(session.exec(statement.offset((page - 1) * size).limit(size + 1)))
    return Page(rows=rows[:size], page=page, has_next=len(rows) > size)
