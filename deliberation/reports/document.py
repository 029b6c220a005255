"""The outcome document (shared/OUTCOME.md): what a published version of a report freezes.

``build_document`` composes it from the round, its territories, the participation counts, the
latest opinion snapshot and the outcomes. Every count of people comes either from the snapshot
document (suppressed there under the round's privacy threshold k) or through
``deliberation.services.privacy``; a suppressed count is ``null`` with ``"suppressed": true``.
No participant id, account or author is written.

Proposals and decisions come from ``deliberation.reports.motions`` (the round's public
proposals and counted decisions, k-suppressed there); ``council_responses`` are every answer
recorded to the round's outcomes by the time of publication (answers arriving later show in
the next version). Statements carry their shown translations (the reading rule of
``deliberation.translations``), outcome texts the facilitators' translations (human,
reviewed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib.metadata import version
from typing import Any

from sqlmodel import Session, col, select

from deliberation.models import (
    Council,
    CouncilResponse,
    OpinionSnapshot,
    Outcome,
    Round,
    Statement,
    StatementStatus,
    Territory,
    TextKind,
    Translation,
    User,
)
from deliberation.opinions.picture import group_name
from deliberation.reports.canonical import sha256
from deliberation.reports.motions import (
    decision_entry,
    decision_id,
    proposal_id,
    proposals_section,
)
from deliberation.reports.outcomes import (
    counted_decisions,
    outcome_translations,
    reported_proposals,
)
from deliberation.reports.support import dissent, support
from deliberation.services.counts import language_counts, round_counts, shown_territories
from deliberation.services.rounds import round_territories
from deliberation.services.territories import twins as territory_twins
from deliberation.translations.reading import shown_translations

SCHEMA_VERSION = "1.0.0"
LICENSE = "CC-BY-4.0"
SOFTWARE = "palabre"

UrlFor = Callable[..., str]


@dataclass(frozen=True)
class Links:
    """Absolute URLs of a version: the site, its schema, round page, HTML permalink and
    distributions (``(name, media type, url)``)."""

    site: str
    schema: str
    round: str
    report: str
    distributions: Sequence[tuple[str, str, str]]


def round_id(round_: Round) -> str:
    return f"rnd:{round_.slug}"


def territory_id(slug: str) -> str:
    return f"ter:{slug}"


def statement_id(statement: int) -> str:
    return f"stm:{statement}"


def group_id(group: int) -> str:
    return f"grp:{group_name(group)}"


def outcome_id(outcome: int) -> str:
    return f"out:{outcome}"


def council_id(slug: str) -> str:
    return f"cnl:{slug}"


def response_id(response: int) -> str:
    return f"rsp:{response}"


def text(lang: str, value: str, translations: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A human text of OUTCOME.md; ``translations`` are the author's own (human, reviewed)."""
    return {
        "lang": lang,
        "value": value,
        "translations": {
            other: {"value": translated, "method": "human", "reviewed": True}
            for other, translated in (translations or {}).items()
            if other != lang and translated
        },
    }


def _translated(statement: Statement, translations: Mapping[str, Translation]) -> dict[str, Any]:
    """A statement's text with its shown translations (``deliberation.translations``)."""
    return {
        "lang": statement.language,
        "value": statement.text,
        "translations": {
            language: {
                "value": translation.text,
                "method": str(translation.origin),
                "reviewed": translation.reviewed,
            }
            for language, translation in sorted(translations.items())
            if language != statement.language
        },
    }


def _multilingual(values: Mapping[str, str], languages: Sequence[str]) -> dict[str, Any]:
    """A Text from a language -> text mapping: the first of ``languages`` present is the
    original, the others its translations."""
    original = next((lang for lang in languages if values.get(lang)), None)
    if original is None:
        original = next(iter(values), "und")
    return text(original, values.get(original, ""), values)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _count_cell(cell: Mapping[str, Any] | None) -> dict[str, Any]:
    """A snapshot cell (already suppressed there) as OUTCOME.md counts; a suppressed cell's
    counts are all null."""
    if cell is None:
        return {"agree": 0, "disagree": 0, "pass": 0, "seen": 0, "suppressed": False}
    suppressed = bool(cell.get("suppressed"))
    return {
        key: None if suppressed else cell.get(key) for key in ("agree", "disagree", "pass", "seen")
    } | {"suppressed": suppressed}


def build_document(
    session: Session,
    round_: Round,
    *,
    publisher: User,
    snapshot: OpinionSnapshot,
    outcomes: Iterable[Outcome],
    addressed: Mapping[int, Sequence[Council]],
    package_id: int,
    generated_at: datetime,
    links: Links,
    commit: str,
) -> dict[str, Any]:
    """The outcome document of ``round_`` from ``snapshot`` (see the module docstring).

    ``publisher`` is the facilitator publishing (their counts access is checked); they are not
    named in the document. ``addressed`` maps outcome ids to the councils they are addressed
    to; ``councils`` lists each of those once."""
    k = round_.privacy_k
    opinions = snapshot.document
    territories = round_territories(session, round_)
    slugs = [t.slug for t in territories]
    quotable = _quotable_statements(session, round_, opinions)
    entries = {e["id"]: e for e in opinions.get("statements", [])}
    groups = opinions.get("groups", [])
    participation = _participation(session, round_, publisher, territories)
    shown = shown_territories(session, round_)
    slug_of: dict[int | None, str] = {t.id: t.slug for t in territories if t.id in shown}
    ids = [s.id or 0 for s in quotable]
    languages = _language_counts(session, round_, publisher, ids)
    translations = shown_translations(session, round_, kind=TextKind.STATEMENT, text_ids=ids)
    statements = [
        _statement(
            statement,
            entries.get(statement.id or 0),
            groups,
            slug_of.get(statement.author_territory_id),
            translations.get(statement.id or 0, {}),
        )
        for statement in quotable
    ]
    for statement, entry in zip(quotable, statements, strict=True):
        entry["counts"]["by_language"] = languages.get(statement.id or 0, {})
    quoted = [entries[s.id] for s in quotable if s.id in entries]
    outcomes = list(outcomes)
    proposals = reported_proposals(session, round_)
    decisions = counted_decisions(session, round_)
    translated = outcome_translations(session, round_, outcomes)
    return {
        "schema": links.schema,
        "schema_version": SCHEMA_VERSION,
        "package_id": package_id,
        "generated_at": generated_at.isoformat(),
        "publisher": {"name": "Palabre", "url": links.site},
        "license": LICENSE,
        "languages": list(round_.languages),
        "round": {
            "id": round_id(round_),
            "title": _multilingual(round_.title, round_.languages),
            "question": _multilingual(round_.question, round_.languages),
            "framing": _multilingual(round_.framing, round_.languages),
            "topics": [round_.topic],
            "dates": {
                "opens_at": _moment(round_.opens_at),
                "closes_at": _moment(round_.closes_at),
                "published_at": generated_at.isoformat(),
            },
            "phase": "reported",
            "url": links.round,
            "territories": [territory_id(s) for s in slugs],
        },
        "territories": [_territory(session, t) for t in territories],
        "councils": _councils(session, addressed),
        "participation": participation,
        "statements": statements,
        "opinion_groups": [_group(g, slugs, {s.id for s in quotable}) for g in groups],
        "proposals": proposals_section(
            session, proposals, quoted={s.id or 0 for s in quotable}, text=text
        ),
        "decisions": [
            decision_entry(session, round_, decision, tally, slugs=slugs, text=text)
            for decision, tally in decisions
        ],
        "outcomes": [
            _outcome(
                o,
                entries=entries,
                slugs=slugs,
                groups=groups,
                quoted=quoted,
                report_url=links.report,
                proposals={p.id for p in proposals},
                decisions={d.id for d, _ in decisions},
                translations=translated.get(o.id or 0, {}),
            )
            | {"addressed_councils": [council_id(c.slug) for c in addressed.get(o.id or 0, [])]}
            for o in outcomes
        ],
        "council_responses": council_responses(session, [o.id or 0 for o in outcomes]),
        "provenance": {
            "software": {"name": SOFTWARE, "version": version(SOFTWARE), "commit": commit},
            "algorithms": [
                {
                    "name": "opinion-map",
                    "description": "Pol.is opinion groups, representative statements and "
                    "group-informed consensus, with per-territory bridging",
                    "parameters": opinions.get("parameters", {}),
                    "seed": opinions.get("seed", snapshot.seed),
                    "watermark": snapshot.watermark,
                    "computed_at": opinions.get("computed_at"),
                },
            ],
            "checksums": {"opinion_snapshot": {"sha256": sha256(opinions)}},
        },
        "privacy": {
            "k": k,
            "suppressed": _suppression_summary(participation, statements, groups),
            "personal_data": "none",
        },
        "distributions": [
            {"name": name, "media_type": media_type, "url": url}
            for name, media_type, url in links.distributions
        ],
    }


def _quotable_statements(
    session: Session, round_: Round, opinions: Mapping[str, Any]
) -> list[Statement]:
    """Accepted, non-meta statements that the snapshot covers, in id order."""
    covered = {e["id"] for e in opinions.get("statements", [])}
    return [
        s
        for s in session.exec(
            select(Statement)
            .where(
                Statement.round_id == round_.id,
                col(Statement.status) == StatementStatus.ACCEPTED,
                col(Statement.is_meta).is_(False),
            )
            .order_by(col(Statement.id))
        )
        if s.id in covered
    ]


def _territory(session: Session, territory: Territory) -> dict[str, Any]:
    identifiers: list[dict[str, Any]] = []
    for scheme, identifier, year in (
        ("iso-3166-2", territory.iso_3166_2, None),
        ("eurostat-lau", territory.eurostat_lau, territory.lau_year),
        ("nuts", territory.nuts, territory.nuts_year),
        ("wikidata", territory.wikidata, None),
    ):
        if identifier:
            identifiers.append(
                {"scheme": scheme, "identifier": identifier}
                | ({"year": year} if year is not None else {})
            )
    twins = [twin.slug for twin in territory_twins(session, territory)]
    return {
        "id": territory_id(territory.slug),
        "name": _multilingual(territory.names, list(territory.names)),
        "classification": str(territory.kind),
        "parent": None,
        "identifiers": identifiers,
        "population": territory.population,
        "population_year": territory.population_year,
        "twinned_with": [territory_id(slug) for slug in twins],
    }


def _councils(session: Session, addressed: Mapping[int, Sequence[Council]]) -> list[dict[str, Any]]:
    """Every council an outcome is addressed to, once, by slug (Popolo ``Organization``)."""
    councils = {c.slug: c for found in addressed.values() for c in found}
    slugs = dict(
        session.exec(
            select(Territory.id, Territory.slug).where(
                col(Territory.id).in_([c.territory_id for c in councils.values()])
            )
        ).all()
    )
    return [
        {
            "id": council_id(council.slug),
            "name": _multilingual(council.names, list(council.names)),
            "territory": territory_id(slugs[council.territory_id]),
            "identifiers": [
                {"scheme": scheme, "identifier": identifier}
                for scheme, identifier in (
                    ("oparl-body", council.oparl_body),
                    ("wikidata", council.wikidata),
                    ("website", council.website),
                )
                if identifier
            ],
        }
        for _, council in sorted(councils.items())
    ]


def _participation(
    session: Session, round_: Round, publisher: User, territories: Sequence[Territory]
) -> list[dict[str, Any]]:
    """One row per territory, from the facilitators' counts (``services.counts``), whose
    figures are already suppressed under k (with their complements); ``suppressed`` is true
    when any figure of the row is hidden."""
    counts = {
        c.territory.slug: c
        for c in round_counts(session, round_=round_, user=publisher).territories
        if c.territory
    }
    rows: list[dict[str, Any]] = []
    for territory in territories:
        count = counts[territory.slug]
        figures = (count.participants, count.voters, count.statements, count.votes)
        rows.append(
            {
                "territory": territory_id(territory.slug),
                "participants": count.participants,
                "voters": count.voters,
                "statements_submitted": count.statements,
                "votes_cast": count.votes,
                "rate_per_1000": round(1000 * count.participants / territory.population, 3)
                if territory.population and count.participants is not None
                else None,
                "suppressed": any(figure is None for figure in figures),
            }
        )
    return rows


def _language_counts(
    session: Session, round_: Round, publisher: User, statement_ids: Sequence[int]
) -> dict[int, dict[str, dict[str, Any]]]:
    """Each statement's current votes by the language it was read in (``services.counts``,
    suppressed there under k with its complement); ``und`` for votes recorded before languages
    were: ``{statement: {language: counts}}``."""
    found: dict[int, dict[str, dict[str, Any]]] = {}
    for statement in statement_ids:
        found[statement] = {
            count.language or "und": {
                "agree": count.agree,
                "disagree": count.disagree,
                "pass": count.passed,
                "seen": count.seen,
                "suppressed": count.suppressed,
            }
            for count in language_counts(
                session, round_=round_, user=publisher, statement_id=statement
            )
        }
    return found


def _statement(
    statement: Statement,
    entry: Mapping[str, Any] | None,
    groups: Sequence[Mapping[str, Any]],
    author_territory: str | None,
    translations: Mapping[str, Translation],
) -> dict[str, Any]:
    """A statement with its shown ``translations``; ``author_territory`` is the slug of its
    author's territory when that territory's participant count is shown (None for seeds and
    small territories)."""
    entry = entry or {}
    cells = entry.get("territories", {})
    consensus = entry.get("consensus")
    return {
        "id": statement_id(statement.id or 0),
        "text": _translated(statement, translations),
        "origin": "seed" if statement.is_seed else "participant",
        "moderation": "accepted",
        "author_territory": None if author_territory is None else territory_id(author_territory),
        "counts": {
            "overall": _count_cell(entry if "seen" in entry else None),
            "by_territory": {territory_id(s): _count_cell(c) for s, c in sorted(cells.items())},
            "by_group": {
                group_id(position): _count_cell(cell)
                for position, cell in enumerate(entry.get("groups", []))
                if position < len(groups)
            },
        },
        "metrics": {
            "group_informed_consensus": entry.get("group_informed_consensus"),
            "bridging": entry.get("bridging"),
            "lowest_territory_agree_rate": entry.get("lowest_territory_agree_rate"),
            "consensus": consensus is not None,
            "consensus_direction": consensus,
        },
    }


def _group(
    group: Mapping[str, Any], slugs: Sequence[str], quotable: set[int | None]
) -> dict[str, Any]:
    size = group.get("size")
    composition = group.get("composition", {})
    return {
        "id": group_id(group["id"]),
        "size": size,
        "suppressed": size is None,
        "composition": [
            {
                "territory": territory_id(slug),
                "participants": composition.get(slug),
                "suppressed": composition.get(slug) is None,
            }
            for slug in slugs
        ],
        "representative_statements": [
            {
                "statement": statement_id(r["statement"]),
                "direction": r["direction"],
                "representativeness": r.get("repness"),
            }
            for r in group.get("representative", [])
            if r["statement"] in quotable
        ],
    }


def _outcome(
    outcome: Outcome,
    *,
    entries: Mapping[int, Mapping[str, Any]],
    slugs: Sequence[str],
    groups: Sequence[Mapping[str, Any]],
    quoted: Sequence[Mapping[str, Any]],
    report_url: str,
    proposals: set[int | None],
    decisions: set[int | None],
    translations: Mapping[str, Mapping[str, str]],
) -> dict[str, Any]:
    """One outcome; ``translations`` are the facilitators' own by part and language."""
    shown = {entry["id"] for entry in quoted}
    derived = [entries[s] for s in outcome.statement_ids if s in shown]
    level, by_territory = support(derived, slugs)
    found = dissent(derived, territories=slugs, groups=groups, statements=quoted)
    return {
        "id": outcome_id(outcome.id or 0),
        "type": str(outcome.kind),
        "title": text(outcome.language, outcome.title, translations.get("title")),
        "text": text(outcome.language, outcome.text, translations.get("text")),
        "rationale": text(outcome.language, outcome.rationale, translations.get("rationale"))
        if outcome.rationale
        else None,
        "support": level,
        "territory_support": [
            row | {"territory": territory_id(row["territory"])} for row in by_territory
        ],
        "dissent": [_dissent(row) for row in found],
        "derived_from": {
            "statements": [statement_id(s) for s in outcome.statement_ids if s in shown],
            "proposals": [proposal_id(p) for p in outcome.proposal_ids if p in proposals],
            "decisions": [decision_id(d) for d in outcome.decision_ids if d in decisions],
        },
        "response_due": _day(outcome.response_due),
        "review_date": _day(outcome.review_date),
        "url": f"{report_url}#{outcome_id(outcome.id or 0).replace(':', '-')}",
    }


def council_responses(session: Session, outcome_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Every answer recorded to ``outcome_ids``, oldest first (OUTCOME.md
    ``council_responses[]``). A reason is in the language the council gave, else the first
    language of the council's names; no account or token is written."""
    return [
        response_entry(response, council)
        for response, council in session.exec(
            select(CouncilResponse, Council)
            .join(Council, col(Council.id) == CouncilResponse.council_id)
            .where(col(CouncilResponse.outcome_id).in_(list(outcome_ids)))
            .order_by(col(CouncilResponse.id))
        )
    ]


def response_entry(response: CouncilResponse, council: Council) -> dict[str, Any]:
    """One council answer as the outcome document writes it."""
    language = response.reason_language or next(iter(council.names), "und")
    return {
        "id": response_id(response.id or 0),
        "outcome": outcome_id(response.outcome_id),
        "council": council_id(council.slug),
        "decision": str(response.decision),
        "reason": text(language, response.reason) if response.reason else None,
        "decided_at": _moment(response.decided_at),
        "reference": {
            "url": response.reference_url,
            "kind": "oparl-paper" if response.oparl_paper else "url",
        }
        if response.reference_url
        else None,
        "implementation_status": None
        if response.implementation_status is None
        else str(response.implementation_status),
        "progress": response.progress,
        "recorded_at": response.created_at.isoformat(),
    }


def _dissent(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": row["kind"],
        "id": territory_id(row["id"]) if row["kind"] == "territory" else group_id(row["id"]),
        "disagrees": [
            item | {"statement": statement_id(item["statement"])} for item in row["disagrees"]
        ],
        "says": [item | {"statement": statement_id(item["statement"])} for item in row["says"]],
    }


def _suppression_summary(
    participation: Sequence[Mapping[str, Any]],
    statements: Sequence[Mapping[str, Any]],
    groups: Sequence[Mapping[str, Any]],
) -> dict[str, int]:
    """How many figures of each kind the document hides."""
    return {
        "participation_rows": sum(1 for row in participation if row["suppressed"]),
        "territory_cells": sum(
            1
            for s in statements
            for cell in s["counts"]["by_territory"].values()
            if cell["suppressed"]
        ),
        "group_cells": sum(
            1 for s in statements for cell in s["counts"]["by_group"].values() if cell["suppressed"]
        ),
        "group_sizes": sum(1 for g in groups if g.get("size") is None),
    }
