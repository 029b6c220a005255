"""The statements x territories agreement heatmap: one component for the opinion map page and
the report (the template is ``templates/_heatmap.html``).

Rows are statements, numbered ``S1``, ``S2``... in the order the caller gives (the number
stays with its statement whatever the sort); columns are territories. A cell shows the share
of the territory's people who saw the statement and agree with it: its fill goes from red
(0 %) through light grey (50 %) to green (100 %) and its percentage is written in it, so the
picture does not rely on colour alone.

Cells come from an opinion snapshot document or an outcome document, whose cells under the
round's privacy threshold k are already ``null`` with ``"suppressed": true``, together with a
complementary cell of the same line wherever a hidden one could be worked out from the others
and the total (``deliberation.services.privacy.suppression_mask``). The heatmap shows such a
cell as hatched, with no figure, and adds no total, no mean and no other figure computed
from several cells but the ``spread`` (the highest minus the lowest *shown* agree rate of a
row), so nothing hidden can be deduced from what it shows.

Sort orders: ``None`` keeps the caller's order; a territory key sorts by that territory's
agree rate, highest first; ``SPREAD`` by the spread, largest first. Rows whose sort value is
hidden or empty come last; ties keep the caller's order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from deliberation.reports.support import rates
from deliberation.translations.reading import Reading

CELL_WIDTH = 72.0
CELL_HEIGHT = 22.0
LABEL_WIDTH = 40.0
HEADER_HEIGHT = 24.0
NAME_LENGTH = 12
SPREAD = "spread"
EMPTY_FILL = "#ffffff"
# The ends are light enough for the figures written in dark ink (#1d2521) to keep a contrast
# of at least 5:1 on every fill of the scale.
LOW, MIDDLE, HIGH = (224, 123, 116), (242, 242, 242), (79, 165, 101)


@dataclass(frozen=True)
class HeatColumn:
    """A territory: ``key`` (its slug or document id), ``name`` as read, ``short`` as drawn,
    ``x`` the centre of its column."""

    key: str
    name: str
    short: str
    x: float


@dataclass(frozen=True)
class HeatCell:
    """One territory's answers to one statement: ``agree_rate`` and ``seen`` are None when
    the cell is suppressed or nobody there voted; ``fill`` is the colour of a shown cell
    (white when empty; the template hatches suppressed cells)."""

    column: str
    x: float
    fill: str
    agree_rate: float | None
    seen: int | None
    suppressed: bool


@dataclass(frozen=True)
class HeatRow:
    """A statement as the heatmap lists it; ``anchor`` is the table row's HTML id."""

    key: str
    number: int
    anchor: str
    text: str
    language: str
    reading: Reading | None
    cells: tuple[HeatCell, ...]
    spread: float | None
    y: float = 0.0


@dataclass(frozen=True)
class Heatmap:
    """The rows shown (``rows``, sorted by ``sort`` and cut to the limit) out of ``total``."""

    columns: tuple[HeatColumn, ...]
    rows: tuple[HeatRow, ...]
    total: int
    sort: str | None
    width: float
    height: float
    cell_width: float = CELL_WIDTH
    cell_height: float = CELL_HEIGHT
    label_width: float = LABEL_WIDTH
    header_height: float = HEADER_HEIGHT

    @property
    def sorts(self) -> tuple[str, ...]:
        """The sort keys this heatmap accepts, besides ``None``."""
        return (*(c.key for c in self.columns), SPREAD)


def fill_of(rate: float) -> str:
    """The fill of an agree rate: red (0) to light grey (0.5) to green (1)."""
    start, end, t = (LOW, MIDDLE, rate * 2) if rate < 0.5 else (MIDDLE, HIGH, rate * 2 - 1)
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(start, end, strict=True))


def _short(name: str) -> str:
    return name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 1] + "…"


def _cell(column: HeatColumn, cell: Mapping[str, Any] | None) -> HeatCell:
    shown = rates(cell)
    return HeatCell(
        column=column.key,
        x=column.x - CELL_WIDTH / 2,
        fill=EMPTY_FILL if shown is None else fill_of(shown.agree),
        agree_rate=None if shown is None else shown.agree,
        seen=None if shown is None else shown.seen,
        suppressed=bool(cell and cell.get("suppressed")),
    )


@dataclass(frozen=True)
class HeatSource:
    """A statement given to ``build_heatmap``: its territory cells by column key (cells of an
    opinion snapshot or outcome document: agree, disagree, seen, suppressed)."""

    key: str
    anchor: str
    text: str
    language: str
    cells: Mapping[str, Mapping[str, Any] | None]
    reading: Reading | None = None


def build_heatmap(
    territories: Sequence[tuple[str, str]],
    statements: Sequence[HeatSource],
    *,
    sort: str | None = None,
    limit: int | None = None,
) -> Heatmap:
    """The heatmap of ``statements`` (numbered S1... in this order) over ``territories``
    (key, name), sorted by ``sort`` (see the module docstring; an unknown key keeps the given
    order) and cut to the first ``limit`` rows when given."""
    columns = tuple(
        HeatColumn(key, name, _short(name), LABEL_WIDTH + (i + 0.5) * CELL_WIDTH)
        for i, (key, name) in enumerate(territories)
    )
    rows = []
    for number, source in enumerate(statements, start=1):
        cells = tuple(_cell(column, source.cells.get(column.key)) for column in columns)
        shown = [c.agree_rate for c in cells if c.agree_rate is not None]
        rows.append(
            HeatRow(
                key=source.key,
                number=number,
                anchor=source.anchor,
                text=source.text,
                language=source.language,
                reading=source.reading,
                cells=cells,
                spread=max(shown) - min(shown) if len(shown) >= 2 else None,
            )
        )
    known = (*(c.key for c in columns), SPREAD)
    sort = sort if sort in known else None
    if sort is not None:
        index = {c.key: i for i, c in enumerate(columns)}

        def value(row: HeatRow) -> float | None:
            return row.spread if sort == SPREAD else row.cells[index[sort]].agree_rate

        rows.sort(key=lambda row: (value(row) is None, -(value(row) or 0.0)))
    shown_rows = tuple(
        replace(row, y=HEADER_HEIGHT + i * CELL_HEIGHT)
        for i, row in enumerate(rows[:limit] if limit is not None else rows)
    )
    return Heatmap(
        columns=columns,
        rows=shown_rows,
        total=len(rows),
        sort=sort,
        width=LABEL_WIDTH + CELL_WIDTH * len(columns),
        height=HEADER_HEIGHT + CELL_HEIGHT * len(shown_rows),
    )
