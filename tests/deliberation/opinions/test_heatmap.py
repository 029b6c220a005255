"""The statements x territories heatmap shared by the opinion map page and the report: values,
suppression, sort order, and the SVG with its table fallback."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template_string

from deliberation.opinions.heatmap import SPREAD, HeatSource, build_heatmap, fill_of
from deliberation.services.privacy import suppression_mask

TERRITORIES = [("north", "North"), ("south", "South"), ("east", "East")]


def _cell(agree: int, disagree: int, seen: int) -> dict[str, Any]:
    return {"agree": agree, "disagree": disagree, "pass": seen - agree - disagree, "seen": seen}


def _hidden() -> dict[str, Any]:
    return {"agree": None, "disagree": None, "pass": None, "seen": None, "suppressed": True}


def _source(key: str, cells: dict[str, dict[str, Any] | None]) -> HeatSource:
    return HeatSource(key=key, anchor=f"s-{key}", text=f"Statement {key}", language="en",
                      cells=cells)  # fmt: skip


SOURCES = [
    _source("a", {"north": _cell(7, 3, 10), "south": _cell(3, 6, 10), "east": _cell(5, 5, 10)}),
    _source("b", {"north": _cell(2, 8, 10), "south": _hidden(), "east": _hidden()}),
    _source("c", {"north": _cell(9, 1, 10), "south": _cell(9, 0, 10), "east": None}),
    _source("d", {"north": _cell(5, 5, 10), "south": _cell(10, 0, 10), "east": _cell(0, 0, 0)}),
]


def _keys(sort: str | None) -> list[str]:
    return [row.key for row in build_heatmap(TERRITORIES, SOURCES, sort=sort).rows]


def test_cells_carry_the_agree_rate_the_count_and_a_colour_from_red_to_green() -> None:
    heatmap = build_heatmap(TERRITORIES, SOURCES)
    first = heatmap.rows[0]
    assert [row.number for row in heatmap.rows] == [1, 2, 3, 4]
    assert [c.agree_rate for c in first.cells] == [0.7, 0.3, 0.5]
    assert [c.seen for c in first.cells] == [10, 10, 10]
    assert first.cells[2].fill == "#f2f2f2", "half agree: grey"
    assert fill_of(0.0) == "#e07b74"
    assert fill_of(1.0) == "#4fa565"
    assert first.spread is not None
    assert abs(first.spread - 0.4) < 1e-9
    assert heatmap.width == heatmap.label_width + 3 * heatmap.cell_width
    assert heatmap.height == heatmap.header_height + 4 * heatmap.cell_height
    assert [row.y for row in heatmap.rows] == [
        heatmap.header_height + i * heatmap.cell_height for i in range(4)
    ]


def test_hidden_and_empty_cells_show_no_figure_and_count_in_no_spread() -> None:
    heatmap = build_heatmap(TERRITORIES, SOURCES)
    hidden_row = heatmap.rows[1]
    assert [c.suppressed for c in hidden_row.cells] == [False, True, True]
    assert hidden_row.cells[1].agree_rate is None
    assert hidden_row.cells[1].seen is None
    assert hidden_row.spread is None, "one shown cell: no gap"
    missing, empty = heatmap.rows[2].cells[2], heatmap.rows[3].cells[2]
    assert not missing.suppressed
    assert missing.agree_rate is None
    assert missing.fill == "#ffffff"
    assert not empty.suppressed
    assert empty.agree_rate is None


def test_sorting_by_a_territory_or_by_the_gap_puts_hidden_values_last_and_keeps_ties() -> None:
    assert _keys(None) == ["a", "b", "c", "d"]
    assert _keys("north") == ["c", "a", "d", "b"]
    assert _keys("south") == ["d", "c", "a", "b"]
    assert _keys("east") == ["a", "b", "c", "d"], "only a has a figure there; ties keep order"
    assert _keys(SPREAD) == ["d", "a", "c", "b"]
    assert _keys("nowhere") == ["a", "b", "c", "d"]
    assert build_heatmap(TERRITORIES, SOURCES, sort="nowhere").sort is None
    sorted_rows = build_heatmap(TERRITORIES, SOURCES, sort="north").rows
    assert [row.number for row in sorted_rows] == [3, 1, 4, 2], "numbers stay with statements"


def test_a_limit_keeps_the_first_rows_of_the_sort_and_says_how_many_there_are() -> None:
    heatmap = build_heatmap(TERRITORIES, SOURCES, sort="south", limit=2)
    assert [row.key for row in heatmap.rows] == ["d", "c"]
    assert heatmap.total == 4
    assert heatmap.height == heatmap.header_height + 2 * heatmap.cell_height


def _render(app: Flask, sources: list[HeatSource], sort: str | None = None) -> str:
    heatmap = build_heatmap(TERRITORIES, sources, sort=sort)
    with app.test_request_context("/"):
        return render_template_string(
            '{% from "_heatmap.html" import heatmap_figure %}'
            '{{ heatmap_figure(m, "t", 3, "Agreement", "opinions.opinion_map", {"slug": "r"}) }}',
            m=heatmap,
        )


def test_the_figure_has_an_svg_a_table_fallback_and_sort_links(app: Flask) -> None:
    page = _render(app, SOURCES, sort="north")
    assert 'role="img"' in page
    assert 'aria-labelledby="t-title t-desc"' in page
    assert "<table" in page
    assert '<th scope="row">' in page
    assert page.count('<tr id="s-') == 4
    assert ">70%</text>" in page, "the figure is written in its cell"
    assert '<span data-figure="statements/a/by_territory/north/agree_rate">70.0%</span>' in page
    assert "/r/r/map?sort=north#t" in page
    assert "/r/r/map?sort=spread#t" in page
    assert 'href="/r/r/map#t"' in page, "the default order has a link too"
    assert page.count('aria-sort="descending"') == 1
    assert page.index('<tr id="s-c"') < page.index('<tr id="s-a"') < page.index('<tr id="s-b"')
    assert ">40 points<" in page, "the gap in words"
    assert ">50 points<" in page


def test_a_suppressed_cell_is_hatched_and_no_hidden_count_follows_from_the_shown_ones(
    app: Flask,
) -> None:
    """A territory line as the snapshot document builds it: one territory of 2 people under
    k = 3, its complement hidden with it, and the statement's total in the same line. The
    heatmap shows neither hidden cell nor any total, so nothing subtracts to them."""
    seen = [2, 7, 20]
    line = suppression_mask([[*seen, sum(seen)]], 3)[0]
    assert line == [True, True, False, False]
    cells = {
        key: _hidden() if hide else _cell(n // 2, n - n // 2, n)
        for (key, _), n, hide in zip(TERRITORIES, seen, line[:-1], strict=True)
    }
    page = _render(app, [_source("x", cells)])
    assert page.count('fill="url(#t-hidden)"') == 2 + 1, "two cells and the legend"
    assert page.count('data-suppressed="true"') == 2
    assert "fewer than 3" in page
    assert not any(f">{n}</span>" in page for n in (2, 7, 29)), "no hidden count, no total"
    assert '<span data-figure="statements/x/by_territory/east/seen">20</span>' in page
    assert "points<" not in page, "one shown cell: no gap, nothing derived from hidden cells"
