"""What the report page shows, read from a version's outcome document only (so the page and
the JSON agree number for number), and the territory x statement heatmap's geometry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deliberation.reports.support import rates
from deliberation.reports.text import localized, shown_language

CELL_WIDTH = 100.0
CELL_HEIGHT = 18.0
LABEL_WIDTH = 44.0
HEADER_HEIGHT = 22.0
SUPPRESSED_FILL = "url(#suppressed)"
EMPTY_FILL = "#ffffff"
LOW, MIDDLE, HIGH = (163, 38, 42), (242, 242, 242), (27, 107, 58)


@dataclass(frozen=True)
class StatementLabel:
    """A statement as the page names it: ``S<number>`` (its place in the document)."""

    number: int
    text: str
    language: str


@dataclass(frozen=True)
class HeatCell:
    x: float
    y: float
    fill: str
    statement: str
    territory: str
    agree_rate: float | None
    n: int | None
    suppressed: bool


@dataclass(frozen=True)
class Heatmap:
    """Rows are statements (``S1``...), columns territories; a cell is filled by the
    territory's agree rate on the statement (red 0 %, grey 50 %, green 100 %), hatched when
    suppressed, white when nobody there voted."""

    width: float
    height: float
    columns: tuple[tuple[float, str, str], ...]
    rows: tuple[tuple[float, int, str], ...]
    cells: tuple[HeatCell, ...]
    cell_width: float = CELL_WIDTH
    cell_height: float = CELL_HEIGHT


@dataclass(frozen=True)
class DecisionTable:
    """A decision's counts as one table: a row per counted option (or stance), a column per
    group (``all`` first, then the territories); ``cells[(option, group)]`` and
    ``results[group]`` are the document's items."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: Mapping[tuple[str, str], Mapping[str, Any]]
    results: Mapping[str, Mapping[str, Any]]


def decision_table(decision: Mapping[str, Any]) -> DecisionTable:
    counts = decision["counts"]
    return DecisionTable(
        rows=tuple(dict.fromkeys(c["option"] for c in counts)),
        columns=tuple(r["group_id"] for r in decision["group_results"]),
        cells={(c["option"], c["group_id"]): c for c in counts},
        results={r["group_id"]: r for r in decision["group_results"]},
    )


@dataclass(frozen=True)
class ReportView:
    document: Mapping[str, Any]
    language: str
    territory_names: Mapping[str, str]
    council_names: Mapping[str, str]
    statements: Mapping[str, StatementLabel]
    heatmap: Heatmap
    proposal_titles: Mapping[str, str]
    outcome_titles: Mapping[str, str]
    option_titles: Mapping[str, Mapping[str, str]]
    decision_tables: Mapping[str, DecisionTable]

    def text(self, value: Mapping[str, Any] | None) -> str:
        return localized(value, self.language)

    def lang(self, value: Mapping[str, Any] | None) -> str:
        return shown_language(value, self.language)


def _mix(rate: float) -> str:
    """The fill of an agree rate: red (0) to light grey (0.5) to green (1)."""
    start, end, t = (LOW, MIDDLE, rate * 2) if rate < 0.5 else (MIDDLE, HIGH, rate * 2 - 1)
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(start, end, strict=True))


def heatmap(document: Mapping[str, Any], names: Mapping[str, str]) -> Heatmap:
    territories = [t["id"] for t in document["territories"]]
    statements = document["statements"]
    cells = []
    for row, statement in enumerate(statements):
        y = HEADER_HEIGHT + row * CELL_HEIGHT
        for column, territory in enumerate(territories):
            cell = statement["counts"]["by_territory"].get(territory)
            shown = rates(cell)
            suppressed = bool(cell and cell["suppressed"])
            cells.append(
                HeatCell(
                    x=LABEL_WIDTH + column * CELL_WIDTH,
                    y=y,
                    fill=SUPPRESSED_FILL
                    if suppressed
                    else EMPTY_FILL
                    if shown is None
                    else _mix(shown.agree),
                    statement=statement["id"],
                    territory=territory,
                    agree_rate=None if shown is None else round(shown.agree, 4),
                    n=None if shown is None else shown.seen,
                    suppressed=suppressed,
                )
            )
    return Heatmap(
        width=LABEL_WIDTH + CELL_WIDTH * len(territories),
        height=HEADER_HEIGHT + CELL_HEIGHT * len(statements),
        columns=tuple(
            (LABEL_WIDTH + i * CELL_WIDTH + CELL_WIDTH / 2, t, names[t])
            for i, t in enumerate(territories)
        ),
        rows=tuple(
            (HEADER_HEIGHT + i * CELL_HEIGHT + CELL_HEIGHT / 2, i + 1, s["id"])
            for i, s in enumerate(statements)
        ),
        cells=tuple(cells),
    )


def report_view(document: Mapping[str, Any], language: str) -> ReportView:
    """The page's content from a version's ``document``, texts in ``language`` where known."""
    names = {t["id"]: localized(t["name"], language) for t in document["territories"]}
    return ReportView(
        document=document,
        language=language,
        territory_names=names,
        council_names={c["id"]: localized(c["name"], language) for c in document["councils"]},
        statements={
            s["id"]: StatementLabel(
                number=i + 1,
                text=localized(s["text"], language),
                language=shown_language(s["text"], language),
            )
            for i, s in enumerate(document["statements"])
        },
        heatmap=heatmap(document, names),
        proposal_titles={p["id"]: localized(p["title"], language) for p in document["proposals"]},
        outcome_titles={o["id"]: localized(o["title"], language) for o in document["outcomes"]},
        option_titles={
            d["id"]: {o["option"]: localized(o["title"], language) for o in d["options"]}
            for d in document["decisions"]
        },
        decision_tables={d["id"]: decision_table(d) for d in document["decisions"]},
    )
