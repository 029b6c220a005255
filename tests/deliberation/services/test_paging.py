"""The one paging helper behind every paged listing."""

from __future__ import annotations

from sqlmodel import Session, col, select

from deliberation.models import Territory
from deliberation.services.paging import fetch_page
from tests.factories import make_territory


def test_pages_split_an_ordered_query(session: Session) -> None:
    slugs = sorted(make_territory(session, slug=f"town-{i}").slug for i in range(5))
    query = select(Territory).order_by(col(Territory.slug))
    pages = [fetch_page(session, query, page=n, size=2) for n in (1, 2, 3, 4)]
    assert [[t.slug for t in p.rows] for p in pages] == [slugs[0:2], slugs[2:4], slugs[4:], []]
    assert [p.has_next for p in pages] == [True, True, False, False]
    assert [p.page for p in pages] == [1, 2, 3, 4]


def test_a_page_below_one_is_the_first(session: Session) -> None:
    for i in range(3):
        make_territory(session, slug=f"town-{i}")
    query = select(Territory.slug, Territory.kind).order_by(col(Territory.slug))
    first = fetch_page(session, query, page=-4, size=3)
    assert first.page == 1
    assert not first.has_next
    assert [slug for slug, _ in first.rows] == ["town-0", "town-1", "town-2"]
