"""What the report page shows, read from a version's outcome document only (so the page and
the JSON agree number for number), with the territory x statement heatmap of the opinion map
page (``deliberation.opinions.heatmap``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deliberation.opinions.heatmap import Heatmap, HeatSource, build_heatmap
from deliberation.reports.text import localized, shown_language


@dataclass(frozen=True)
class StatementLabel:
    """A statement as the page names it: ``S<number>`` (its place in the document)."""

    number: int
    text: str
    language: str


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


def report_view(
    document: Mapping[str, Any], language: str, *, sort: str | None = None
) -> ReportView:
    """The page's content from a version's ``document``, texts in ``language`` where known;
    the heatmap's rows sorted by ``sort`` (see ``build_heatmap``)."""
    names = {t["id"]: localized(t["name"], language) for t in document["territories"]}
    statements = {
        s["id"]: StatementLabel(
            number=i + 1,
            text=localized(s["text"], language),
            language=shown_language(s["text"], language),
        )
        for i, s in enumerate(document["statements"])
    }
    return ReportView(
        document=document,
        language=language,
        territory_names=names,
        council_names={c["id"]: localized(c["name"], language) for c in document["councils"]},
        statements=statements,
        heatmap=build_heatmap(
            list(names.items()),
            [
                HeatSource(
                    key=s["id"],
                    anchor=s["id"].replace(":", "-"),
                    text=statements[s["id"]].text,
                    language=statements[s["id"]].language,
                    cells=s["counts"]["by_territory"],
                )
                for s in document["statements"]
            ],
            sort=sort,
        ),
        proposal_titles={p["id"]: localized(p["title"], language) for p in document["proposals"]},
        outcome_titles={o["id"]: localized(o["title"], language) for o in document["outcomes"]},
        option_titles={
            d["id"]: {o["option"]: localized(o["title"], language) for o in d["options"]}
            for d in document["decisions"]
        },
        decision_tables={d["id"]: decision_table(d) for d in document["decisions"]},
    )
