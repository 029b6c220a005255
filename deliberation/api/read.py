"""What the read endpoints of ``/api/v1`` answer: queries, and their rows as API models.

Counts come from the round's latest opinion snapshot, whose document already holds every count
of fewer than k people as null with ``suppressed`` (``deliberation.opinions.document``); no
participant, account or author is ever exposed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from deliberation.api import schemas
from deliberation.decisions.counting import spec_of
from deliberation.decisions.service import (
    option_language,
    option_translations,
    options_of,
    title_translations,
    written_language,
)
from deliberation.errors import NotFound
from deliberation.models import (
    Council,
    CouncilResponse,
    Decision,
    DecisionStatus,
    DecisionTally,
    Phase,
    ReportVersion,
    Round,
    RoundTerritory,
    Statement,
    StatementStatus,
    Territory,
)
from deliberation.models.inputs import SLUG
from deliberation.opinions.stored import latest_snapshot
from deliberation.reports import document as ids
from deliberation.reports.document import text as document_text
from deliberation.reports.motions import ALL, decision_entry, decision_id, proposal_id
from deliberation.services.council_responses import InboxItem
from deliberation.services.paging import fetch_page
from deliberation.services.rounds import round_territories
from deliberation.services.validation import MAX_ID

T = TypeVar("T")


def _slug_of(reference: str, prefix: str) -> str | None:
    """The slug of an outcome document id (``rnd:heat-2026``), None when it is not one."""
    slug = reference.removeprefix(f"{prefix}:")
    return slug if slug != reference and SLUG.match(slug) else None


def _number_of(reference: str, prefix: str) -> int | None:
    """The number of an outcome document id (``out:12``), None when it is not one."""
    number = reference.removeprefix(f"{prefix}:")
    if number == reference or not number.isascii() or not number.isdigit():
        return None
    return int(number) if 0 < int(number) <= MAX_ID else None


def outcome_number(reference: str) -> int:
    """The outcome of an ``out:`` id; not found when it is not one."""
    number = _number_of(reference, "out")
    if number is None:
        raise NotFound(_l("No outcome has this id."))
    return number


def page_of(
    session: Session, statement: SelectOfScalar[T], query: schemas.PageQuery
) -> tuple[list[T], int, bool]:
    """(rows, total, has_next) of one page of the ordered ``statement``."""
    total = int(session.exec(select(func.count()).select_from(statement.subquery())).one())
    found = fetch_page(session, statement, page=query.page, size=query.per_page)
    return found.rows, total, found.has_next


def text(values: Mapping[str, str], languages: Sequence[str]) -> schemas.Text:
    """A text written by people in each language: the first of ``languages`` it exists in
    (else any), and the others as human translations."""
    order = [lang for lang in languages if values.get(lang)] + [
        lang for lang in values if lang not in languages and values[lang]
    ]
    if not order:
        return schemas.Text(lang="und", value="")
    first, *others = order
    return schemas.Text(
        lang=first,
        value=values[first],
        translations={
            lang: schemas.Translation(value=values[lang], method="human", reviewed=True)
            for lang in others
        },
    )


# --- Territories and councils --------------------------------------------------------------


def territory_out(territory: Territory) -> schemas.TerritoryOut:
    identifiers = [
        schemas.Identifier(scheme=scheme, identifier=value, year=year)
        for scheme, value, year in (
            ("iso-3166-2", territory.iso_3166_2, None),
            ("eurostat-lau", territory.eurostat_lau, territory.lau_year),
            ("nuts", territory.nuts, territory.nuts_year),
            ("wikidata", territory.wikidata, None),
        )
        if value
    ]
    return schemas.TerritoryOut(
        id=ids.territory_id(territory.slug),
        slug=territory.slug,
        name=text(territory.names, ["en"]),
        classification=territory.kind,
        identifiers=identifiers,
        population=territory.population,
        population_year=territory.population_year,
    )


def territories_query() -> SelectOfScalar[Territory]:
    return select(Territory).order_by(col(Territory.slug))


def get_territory(session: Session, reference: str) -> Territory:
    """The territory of a ``ter:<slug>`` id."""
    slug = _slug_of(reference, "ter")
    territory = None
    if slug is not None:
        territory = session.exec(select(Territory).where(Territory.slug == slug)).first()
    if territory is None:
        raise NotFound(_l("No territory has this id."))
    return territory


def council_out(council: Council, territory: str) -> schemas.CouncilOut:
    """``council``; ``territory``: the slug of its territory."""
    identifiers = [
        schemas.Identifier(scheme=scheme, identifier=value)
        for scheme, value in (
            ("oparl-body", council.oparl_body),
            ("website", council.website),
            ("wikidata", council.wikidata),
        )
        if value
    ]
    return schemas.CouncilOut(
        id=ids.council_id(council.slug),
        slug=council.slug,
        name=text(council.names, ["en"]),
        territory=ids.territory_id(territory),
        identifiers=identifiers,
    )


def councils_query() -> SelectOfScalar[Council]:
    return select(Council).order_by(col(Council.slug))


def councils_out(session: Session, councils: list[Council]) -> list[schemas.CouncilOut]:
    """``councils`` with their territories' ids (one query for all of them)."""
    slugs = dict(
        session.exec(
            select(Territory.id, Territory.slug).where(
                col(Territory.id).in_({c.territory_id for c in councils})
            )
        ).all()
    )
    return [council_out(c, slugs[c.territory_id]) for c in councils]


# --- Rounds ----------------------------------------------------------------------------------


def rounds_query() -> SelectOfScalar[Round]:
    """Rounds that have left the draft phase, newest first."""
    return select(Round).where(Round.phase != Phase.DRAFT).order_by(col(Round.id).desc())


def get_round(session: Session, reference: str) -> Round:
    """The round of a ``rnd:<slug>`` id if it has left the draft phase (a draft is nobody's
    business but its facilitators')."""
    slug = _slug_of(reference, "rnd")
    round_ = None
    if slug is not None:
        round_ = session.exec(select(Round).where(Round.slug == slug)).first()
    if round_ is None or round_.phase == Phase.DRAFT:
        raise NotFound(_l("No round has this id."))
    return round_


def rounds_out(session: Session, rounds: list[Round]) -> list[schemas.RoundOut]:
    """``rounds`` with their territories (one query for all of them)."""
    taking_part: dict[int, list[str]] = {}
    for round_id, territory in session.exec(
        select(RoundTerritory.round_id, Territory.slug)
        .join(Territory, col(Territory.id) == RoundTerritory.territory_id)
        .where(col(RoundTerritory.round_id).in_([r.id for r in rounds]))
        .order_by(col(Territory.slug))
    ):
        taking_part.setdefault(round_id, []).append(ids.territory_id(territory))
    return [
        schemas.RoundOut(
            id=ids.round_id(r),
            slug=r.slug,
            title=text(r.title, r.languages),
            question=text(r.question, r.languages),
            topic=r.topic,
            languages=r.languages,
            phase=r.phase,
            opens_at=r.opens_at,
            closes_at=r.closes_at,
            territories=taking_part.get(r.id or 0, []),
            privacy_k=r.privacy_k,
        )
        for r in rounds
    ]


# --- Statements and opinion groups -----------------------------------------------------------


def statements_query(round_: Round) -> SelectOfScalar[Statement]:
    """The round's published statements (accepted, not meta), oldest first."""
    return (
        select(Statement)
        .where(
            Statement.round_id == round_.id,
            Statement.status == StatementStatus.ACCEPTED,
            col(Statement.is_meta).is_(False),
        )
        .order_by(col(Statement.id))
    )


def _counts(cell: Mapping[str, Any] | None) -> schemas.Counts | None:
    if cell is None or "suppressed" not in cell:
        return None
    return schemas.Counts.model_validate(
        {name: cell.get(name) for name in ("agree", "disagree", "pass", "seen", "suppressed")}
    )


def statements_out(
    session: Session, round_: Round, statements: list[Statement]
) -> list[schemas.StatementOut]:
    """``statements`` with their counts in the round's latest snapshot (none before it)."""
    snapshot = latest_snapshot(session, round_.id or 0)
    document = snapshot.document if snapshot is not None else {}
    by_id = {int(entry["id"]): entry for entry in document.get("statements", [])}
    out = []
    for statement in statements:
        entry = by_id.get(statement.id or 0, {})
        by_territory = {
            ids.territory_id(slug): counts
            for slug, cell in entry.get("territories", {}).items()
            if (counts := _counts(cell)) is not None
        }
        by_group = {
            ids.group_id(g): counts
            for g, cell in enumerate(entry.get("groups", []))
            if (counts := _counts(cell)) is not None
        }
        out.append(
            schemas.StatementOut(
                id=ids.statement_id(statement.id or 0),
                text=schemas.Text(lang=statement.language, value=statement.text),
                origin="seed" if statement.is_seed else "participant",
                counts=_counts(entry),
                by_territory=by_territory,
                by_group=by_group,
                consensus=entry.get("consensus"),
                bridging=entry.get("bridging"),
            )
        )
    return out


def opinion_groups(session: Session, round_: Round) -> schemas.OpinionGroups:
    """The opinion groups of the round's latest snapshot (none before it)."""
    snapshot = latest_snapshot(session, round_.id or 0)
    if snapshot is None:
        return schemas.OpinionGroups(computed_at=None, groups=[])
    groups = [
        schemas.OpinionGroupOut(
            id=ids.group_id(int(group["id"])),
            size=group.get("size"),
            composition={
                ids.territory_id(slug): size for slug, size in group.get("composition", {}).items()
            },
            representative=[
                schemas.Representative(
                    statement=ids.statement_id(int(rep["statement"])),
                    direction=rep["direction"],
                    representativeness=rep.get("repness"),
                )
                for rep in group.get("representative", [])
            ],
        )
        for group in snapshot.document.get("groups", [])
    ]
    return schemas.OpinionGroups(computed_at=snapshot.computed_at, groups=groups)


# --- Council responses -----------------------------------------------------------------------


def response_out(response: CouncilResponse, council: Council) -> schemas.ResponseOut:
    """``response`` as the outcome document writes it (``reports.document.response_entry``)."""
    return schemas.ResponseOut.model_validate(ids.response_entry(response, council))


def responses_out(session: Session, responses: list[CouncilResponse]) -> list[schemas.ResponseOut]:
    """``responses`` with their councils (one query for all of them)."""
    councils = {
        council.id: council
        for council in session.exec(
            select(Council).where(col(Council.id).in_({r.council_id for r in responses}))
        )
    }
    return [response_out(r, councils[r.council_id]) for r in responses]


def version_out(round_: Round, version: ReportVersion) -> schemas.ReportVersionOut:
    return schemas.ReportVersionOut(
        id=version.id or 0,
        number=version.number,
        published_at=version.published_at,
        sha256=version.sha256,
        document=url_for(
            "api.report", round_id=ids.round_id(round_), number=version.number, _external=True
        ),
    )


def _outcome_text(item: InboxItem, part: str) -> schemas.Text:
    """One part of an addressed outcome (``title``, ``text``, ``rationale``) with its
    translations."""
    return schemas.Text(
        lang=item.outcome.language,
        value=getattr(item.outcome, part),
        translations={
            language: schemas.Translation(
                value=translation.text, method=translation.origin, reviewed=translation.reviewed
            )
            for language, translation in sorted(item.translations.get(part, {}).items())
        },
    )


def addressed_outcome(item: InboxItem, council: Council) -> schemas.AddressedOutcome:
    """``item`` of ``council``'s inbox."""
    outcome = item.outcome
    current = item.current
    return schemas.AddressedOutcome(
        id=ids.outcome_id(outcome.id or 0),
        round=ids.round_id(item.round_),
        kind=outcome.kind,
        title=_outcome_text(item, "title"),
        text=_outcome_text(item, "text"),
        rationale=_outcome_text(item, "rationale") if outcome.rationale else None,
        response_due=outcome.response_due,
        overdue=item.overdue,
        current_response=response_out(current, council) if current is not None else None,
    )


# --- Decisions ------------------------------------------------------------------------------


def decisions_query(round_: Round) -> SelectOfScalar[Decision]:
    """A round's decisions past their draft, oldest first."""
    return (
        select(Decision)
        .where(Decision.round_id == round_.id, Decision.status != DecisionStatus.DRAFT)
        .order_by(col(Decision.id))
    )


def get_decision(session: Session, reference: str) -> tuple[Decision, Round]:
    """The decision of a ``dec:`` id, past its draft, and its round (a draft is its
    facilitators' business); not found otherwise."""
    number = _number_of(reference, "dec")
    decision = session.get(Decision, number) if number is not None else None
    round_ = session.get(Round, decision.round_id) if decision is not None else None
    if (
        decision is None
        or round_ is None
        or decision.status == DecisionStatus.DRAFT
        or round_.phase == Phase.DRAFT
    ):
        raise NotFound(_l("No decision has this id."))
    return decision, round_


def _outcome(value: Mapping[str, Any] | None) -> schemas.Outcome | None:
    return schemas.Outcome.model_validate(value) if value is not None else None


def _decision_result(
    session: Session, round_: Round, decision: Decision, tally: DecisionTally
) -> schemas.DecisionResult:
    """The stored tally as the outcome document writes it (``reports.motions``: territories
    and counts of people under k suppressed, territories by their document ids)."""
    slugs = [t.slug for t in round_territories(session, round_)]
    entry = decision_entry(session, round_, decision, tally, slugs=slugs, text=document_text)
    counts: dict[str, dict[str, int | float | None]] = {}
    for cell in entry["counts"]:
        counts.setdefault(cell["group_id"], {})[cell["option"]] = cell["value"]
    groups = {group["group_id"]: group for group in entry["group_results"]}
    overall = groups.pop(ALL)
    hidden = bool(overall["suppressed"])
    stored = tally.result
    unweighted = stored.get("unweighted")
    tie = stored.get("tie_break")
    return schemas.DecisionResult(
        computed_at=tally.computed_at,
        ballots=overall["ballots"],
        suppressed=hidden,
        result=_outcome(entry["result"]),
        winner=None if hidden else stored["winner"],
        tie_break=tie["rule"] if tie and not hidden else None,
        count_kind=entry["count_kind"],
        counts=counts.get(ALL, {}),
        weighting=entry["weighting"],
        unweighted=None
        if hidden or not isinstance(unweighted, dict)
        else _outcome({key: unweighted[key] for key in ("winners", "passed", "ranking")}),
        quorum=schemas.DecisionQuorum.model_validate(entry["quorum"]),
        by_territory={
            group_id: schemas.TerritoryResult(
                ballots=group["ballots"],
                result=_outcome(group["result"]),
                counts=counts.get(group_id, {}),
                suppressed=group["suppressed"],
            )
            for group_id, group in groups.items()
        },
        ballots_sha256=entry["ballots_sha256"],
        published_ballots=url_for(
            "decisions.published_ballots", decision_id=decision.id, _external=True
        ),
        published_sha256=tally.published_sha256,
    )


def decisions_out(
    session: Session, round_: Round, decisions: list[Decision]
) -> list[schemas.DecisionOut]:
    """``decisions`` of ``round_`` with their options and, once counted, their results."""
    out = []
    for decision in decisions:
        options = options_of(session, decision)
        translated = option_translations(session, options)
        tally = session.get(DecisionTally, decision.id)
        closed = decision.status == DecisionStatus.CLOSED
        shown = []
        for option in options:
            written = option_language(session, option, round_)
            titles = {
                lang: fields["title"]
                for (option_id, lang), fields in translated.items()
                if option_id == option.id and fields.get("title")
            }
            shown.append(
                schemas.DecisionOptionOut(
                    label=option.label,
                    title=schemas.Text.model_validate(document_text(written, option.title, titles)),
                    proposal=proposal_id(option.proposal_id) if option.proposal_id else None,
                )
            )
        out.append(
            schemas.DecisionOut(
                id=decision_id(decision.id or 0),
                round=ids.round_id(round_),
                title=schemas.Text.model_validate(
                    document_text(
                        written_language(round_),
                        decision.title,
                        title_translations(session, decision),
                    )
                ),
                method=decision.method,
                ballot=spec_of(decision).ballot.value,
                settings=dict(decision.settings),
                eligibility=decision.eligibility,
                status=decision.status,
                live_results=decision.live_results,
                receipts=decision.receipts,
                opens_at=decision.opens_at,
                closes_at=decision.closes_at,
                opened_at=decision.opened_at,
                closed_at=decision.closed_at,
                seed_sha256=decision.seed_sha256,
                seed=decision.seed_hex if closed else None,
                options=shown,
                results_page=url_for(
                    "decisions.results_page", decision_id=decision.id, _external=True
                ),
                result=_decision_result(session, round_, decision, tally)
                if closed and tally is not None
                else None,
            )
        )
    return out
