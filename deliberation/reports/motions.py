"""The proposals (Popolo ``Motion``) and decisions (Popolo ``VoteEvent``) of the outcome document.

A decision is written from its stored tally (``Result.to_dict()``, fractions as ``"p/q"``): its
options, method, settings, weighting, dates, quorum, result, and ``counts[{option, value,
group_id}]`` overall (``group_id`` ``all``) and per territory, with each territory's result in
``group_results``. Privacy follows ``deliberation.services.privacy``: a territory with fewer than
k ballots is hidden as a whole (its counts and result), with its complement on the line of
ballots per territory; where the counts are counts of people (first preferences, approvals and
stances, unweighted) a count under k is hidden too, with its complements in the table of
territories by options. A hidden value is ``null`` with ``"suppressed": true``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from flask_babel import force_locale
from sqlmodel import Session, col, select

from deliberation.decisions.methods import METHOD_DESCRIPTIONS
from deliberation.decisions.service import options_of, title_translations, written_language
from deliberation.models import (
    Decision,
    DecisionTally,
    Proposal,
    ProposalStatement,
    Round,
    TextKind,
)
from deliberation.services.privacy import complementary, is_small, suppress_line
from deliberation.translations.texts import human_translations

PEOPLE_COUNTS = frozenset({"first_preferences", "approvals", "stance_weight"})
ALL = "all"

Text = Callable[..., dict[str, Any]]


def proposal_id(proposal: int) -> str:
    return f"prp:{proposal}"


def decision_id(decision: int) -> str:
    return f"dec:{decision}"


def _number(value: Any) -> int | float:
    """A stored count (``"p/q"`` or int) as a JSON number: an integer when it is one."""
    exact = Fraction(str(value))
    return exact.numerator if exact.denominator == 1 else round(float(exact), 6)


def _moment(value: Any) -> str | None:
    return value.isoformat() if value else None


def proposals_section(
    session: Session,
    proposals: Sequence[Proposal],
    *,
    quoted: set[int],
    text: Text,
) -> list[dict[str, Any]]:
    """``proposals`` as OUTCOME.md ``proposals[]``; ``origin_statements`` lists the linked
    statements the document quotes (``quoted``). No author is written."""
    links: dict[int, list[int]] = {}
    for proposal, statement in session.exec(
        select(ProposalStatement.proposal_id, ProposalStatement.statement_id)
        .where(col(ProposalStatement.proposal_id).in_([p.id for p in proposals]))
        .order_by(col(ProposalStatement.statement_id))
    ):
        links.setdefault(proposal, []).append(statement)
    return [
        {
            "id": proposal_id(p.id or 0),
            "title": text(p.language, p.title),
            "text": text(p.language, p.text),
            "version": p.version,
            "origin_statements": [f"stm:{s}" for s in links.get(p.id or 0, []) if s in quoted],
            "status": str(p.status),
            "merged_into": proposal_id(p.merged_into_id) if p.merged_into_id else None,
        }
        for p in proposals
    ]


def _explanation(method: str, languages: Sequence[str], text: Text) -> dict[str, Any]:
    """The method's description in each of the round's languages (the interface's own
    translations)."""
    described = {}
    for language in languages:
        with force_locale(language):
            described[language] = str(METHOD_DESCRIPTIONS.get(method, method))
    first = languages[0] if languages else "en"
    return text(first, described.get(first, method), described)


def _result(local: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "winners": list(local["winners"]),
        "passed": local["passed"],
        "ranking": [list(tier) for tier in local["ranking"]],
    }


def decision_entry(
    session: Session,
    round_: Round,
    decision: Decision,
    tally: DecisionTally,
    *,
    slugs: Sequence[str],
    text: Text,
) -> dict[str, Any]:
    """One decision of ``round_`` as OUTCOME.md ``decisions[]`` (see the module docstring);
    ``slugs`` are the round's territories in document order. Its title is written in the
    round's first language, an option's in its proposal's; both carry the facilitators'
    translations."""
    k = round_.privacy_k
    result = tally.result
    options = options_of(session, decision)
    language = written_language(round_)
    option_titles = human_translations(
        session, kind=TextKind.OPTION_TITLE, text_ids=[o.id or 0 for o in options]
    )
    written_in = dict(
        session.exec(
            select(Proposal.id, Proposal.language).where(
                col(Proposal.id).in_([o.proposal_id for o in options])
            )
        ).all()
    )
    keys = list(result["counts"])
    locals_ = result["territories"]
    present = [slug for slug in slugs if slug in locals_]
    cast = [int(locals_[slug]["ballots"]["cast"]) for slug in present]
    shown_cast = suppress_line(cast, k)
    people = result["count_kind"] in PEOPLE_COUNTS and result["weighting"]["mode"] == "none"
    table = [[_number(locals_[slug]["counts"].get(key, 0)) for key in keys] for slug in present]
    hidden = [
        [
            shown_cast[row] is None or (people and isinstance(v, int) and is_small(v, k))
            for v in values
        ]
        for row, values in enumerate(table)
    ]
    if people:
        hidden = complementary([[int(v) for v in values] for values in table], hidden)
    overall = [_number(result["counts"][key]) for key in keys]
    overall_shown: list[int | float | None] = list(overall)
    if people and all(isinstance(v, int) for v in overall):
        overall_shown = list(suppress_line([int(v) for v in overall], k))
    total = int(result["ballots"]["cast"])
    total_hidden = is_small(total, k)
    counts = [
        {
            "option": key,
            "value": None if total_hidden or value is None else value,
            "group_id": ALL,
            "suppressed": total_hidden or value is None,
        }
        for key, value in zip(keys, overall_shown, strict=True)
    ]
    group_results = [
        {
            "group_id": ALL,
            "ballots": None if total_hidden else total,
            "result": None if total_hidden else _result(result),
            "suppressed": total_hidden,
        }
    ]
    for row, slug in enumerate(present):
        territory = f"ter:{slug}"
        row_hidden = shown_cast[row] is None
        counts += [
            {
                "option": key,
                "value": None if hidden[row][column] else table[row][column],
                "group_id": territory,
                "suppressed": hidden[row][column],
            }
            for column, key in enumerate(keys)
        ]
        group_results.append(
            {
                "group_id": territory,
                "ballots": None if row_hidden else cast[row],
                "result": None if row_hidden else _result(locals_[slug]),
                "suppressed": row_hidden,
            }
        )
    quorum = result["quorum"]
    return {
        "id": decision_id(decision.id or 0),
        "title": text(language, decision.title, title_translations(session, decision)),
        "options": [
            {
                "option": option.label,
                "title": text(
                    written_in.get(option.proposal_id, language),
                    option.title,
                    option_titles.get(option.id or 0, {}),
                ),
                "proposal": proposal_id(option.proposal_id) if option.proposal_id else None,
            }
            for option in options
        ],
        "proposals": sorted(
            {proposal_id(o.proposal_id) for o in options if o.proposal_id is not None}
        ),
        "method": decision.method,
        "settings": dict(decision.settings),
        "weighting": result["weighting"]["mode"],
        "dates": {
            "opens_at": _moment(decision.opens_at),
            "closes_at": _moment(decision.closes_at),
            "opened_at": _moment(decision.opened_at),
            "closed_at": _moment(decision.closed_at),
        },
        "quorum": {
            "min_ballots": int(quorum["min_ballots"]),
            "min_share": float(Fraction(str(quorum["min_share"]))),
            "met": bool(quorum["met"]),
        },
        "result": _result(result) if not total_hidden else None,
        "count_kind": result["count_kind"],
        "counts": counts,
        "group_results": group_results,
        "explanation": _explanation(decision.method, round_.languages, text),
        "ballots_sha256": result["ballots_sha256"],
    }
