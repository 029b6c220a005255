"""The demo's report: councils of Strasbourg and Kehl, the reported round's proposals and one
counted approval decision among them, outcomes addressed to the councils and derived from
statements, proposals and the decision, one of them translated (``data/report.json``), a published version of its
report, and one council answer that came after it (so the report page shows it under
"Responses since publication", and the next version carries it).

These texts are demo *data*, not interface strings: they are not translated through Babel.
"""

from __future__ import annotations

import json
from datetime import timedelta
from importlib.resources import files
from typing import Any

import numpy as np
from flask import current_app
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.decisions.counting import store_tally
from deliberation.decisions.methods import default_settings
from deliberation.decisions.service import (
    LABELS,
    close_decision,
    open_decision,
    options_of,
    translate_option,
    translate_title,
)
from deliberation.demo import bulk
from deliberation.models import (
    Council,
    CouncilOwner,
    Decision,
    DecisionBallot,
    DecisionOption,
    OutcomeKind,
    Participant,
    Proposal,
    ProposalStatement,
    ProposalStatus,
    ProposalVersion,
    ReportVersion,
    Round,
    Territory,
    User,
)
from deliberation.models.council_inputs import CouncilResponseInput
from deliberation.models.reports import OutcomeInput, OutcomeTranslationInput
from deliberation.reports.outcomes import create_outcome, translate_outcome
from deliberation.reports.publishing import publish_report
from deliberation.services.council_responses import record_response
from voting.methods import REGISTRY


def report_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        files("deliberation.demo").joinpath("data", "report.json").read_text("utf-8")
    )
    return data


def _councils(session: Session, facilitator: User, specs: list[dict[str, Any]]) -> dict[str, int]:
    """The id of each demo council by territory slug: the territory's first council if it has
    one already, else a new council that the facilitator owns."""
    ids: dict[str, int] = {}
    for spec in specs:
        territory = session.exec(select(Territory).where(Territory.slug == spec["territory"])).one()
        council = session.exec(
            select(Council).where(Council.territory_id == territory.id).order_by(Council.id)  # type: ignore[arg-type]
        ).first()
        if council is None:
            council = Council(
                slug=spec["slug"],
                names=spec["names"],
                territory_id=territory.id,  # type: ignore[arg-type]
                website=spec["website"],
                created_by_id=facilitator.id,
            )
            session.add(council)
            session.flush()
            session.add(CouncilOwner(council_id=council.id, user_id=facilitator.id))  # type: ignore[arg-type]
        ids[spec["territory"]] = council.id  # type: ignore[assignment]
    return ids


def write_selected_proposals(
    session: Session, round_: Round, specs: list[dict[str, Any]], statement_ids: list[int]
) -> list[int]:
    """The round's selected proposals, written by its facilitators (no participant author),
    linked to their statements; their ids in spec order."""
    ids = []
    for spec in specs:
        proposal = Proposal(
            round_id=round_.id,  # type: ignore[arg-type]
            title=spec["title"],
            text=spec["text"],
            language=spec["language"],
            status=ProposalStatus.SELECTED,
        )
        session.add(proposal)
        session.flush()
        assert proposal.id is not None
        session.add(
            ProposalVersion(
                proposal_id=proposal.id, number=1, title=spec["title"], text=spec["text"]
            )
        )
        session.add_all(
            ProposalStatement(proposal_id=proposal.id, statement_id=statement_ids[i])
            for i in spec["statements"]
        )
        ids.append(proposal.id)
    session.flush()
    return ids


def translate_decision(
    session: Session, *, round_: Round, decision: Decision, facilitator: User, spec: dict[str, Any]
) -> None:
    """The facilitator's translations of a draft ``decision``: its title into the languages of
    ``spec["title_translations"]``, its options (in label order) as ``spec["options"]``
    (``translations``: ``{language: {"title", "text"?}}``) or ``spec["option_translations"]``
    say."""
    for language, title in spec["title_translations"].items():
        translate_title(
            session,
            decision=decision,
            round_=round_,
            user=facilitator,
            language=language,
            title=title,
        )
    specs = spec.get("option_translations") or [
        option["translations"] for option in spec.get("options", [spec.get("option")])
    ]
    for option, translations in zip(options_of(session, decision), specs, strict=True):
        for language, parts in translations.items():
            translate_option(
                session,
                decision=decision,
                round_=round_,
                user=facilitator,
                option_id=option.id or 0,
                language=language,
                title=parts["title"],
                text=parts.get("text", ""),
            )


def _decision(
    session: Session,
    round_: Round,
    spec: dict[str, Any],
    proposals: list[int],
    *,
    facilitator: User,
    latent_groups: dict[int, int],
    rng: np.random.Generator,
) -> int:
    """An approval decision among ``proposals``, opened, voted by part of the crowd after its
    latent group's leanings, closed and counted; its id."""
    now = utcnow()
    decision = Decision(
        round_id=round_.id,  # type: ignore[arg-type]
        title=spec["title"],
        method=spec["method"],
        settings=default_settings(REGISTRY[spec["method"]]),
    )
    session.add(decision)
    session.flush()
    titles = dict(
        session.exec(
            select(Proposal.id, Proposal.title).where(col(Proposal.id).in_(proposals))
        ).all()
    )
    session.add_all(
        DecisionOption(
            decision_id=decision.id,  # type: ignore[arg-type]
            label=label,
            title=titles[proposal],
            proposal_id=proposal,
        )
        for label, proposal in zip(LABELS, proposals, strict=False)
    )
    session.flush()
    translate_decision(
        session, round_=round_, decision=decision, facilitator=facilitator, spec=spec
    )
    open_decision(session, decision=decision, now=now - timedelta(days=12))
    territory_of = dict(
        session.exec(
            select(Participant.id, Participant.territory_id).where(
                col(Participant.round_id) == round_.id
            )
        ).all()
    )
    rows = []
    for person in sorted(latent_groups):
        if rng.random() >= spec["share"]:
            continue
        leaning = spec["approval"][latent_groups[person]]
        approved = [LABELS[i] for i, p in enumerate(leaning) if rng.random() < p]
        rows.append(
            {
                "decision_id": decision.id,
                "participant_id": person,
                "territory_id": territory_of[person],
                "choice": {"approved": approved},
                "cast_at": now - timedelta(days=10),
            }
        )
    bulk.insert_rows(session, DecisionBallot, rows)
    close_decision(session, decision=decision, round_=round_, now=now - timedelta(days=8))
    store_tally(session, decision)
    return decision.id  # type: ignore[return-value]


def seed_report(
    session: Session,
    *,
    round_: Any,
    statement_ids: list[int],
    facilitator: User,
    latent_groups: dict[int, int],
    rng: np.random.Generator,
) -> ReportVersion:
    """Write the demo councils, proposals, decision and outcomes of the reported round
    (``round_``, a ``DemoRound``'s round, whose statements are ``statement_ids`` in spec order
    and whose participants' latent groups are ``latent_groups``), publish its report, then
    record one council answer; returns the version. Needs an app context (the version's
    links)."""
    data = report_data()
    councils = _councils(session, facilitator, data["councils"])
    proposals = write_selected_proposals(session, round_, data["proposals"], statement_ids)
    decision = _decision(
        session,
        round_,
        data["decision"],
        proposals,
        facilitator=facilitator,
        latent_groups=latent_groups,
        rng=rng,
    )
    today = utcnow().date()
    outcomes = []
    for spec in data["outcomes"]:
        days = spec["response_due_days"]
        fields = OutcomeInput(
            kind=OutcomeKind(spec["kind"]),
            language=spec["language"],
            title=spec["title"],
            text=spec["text"],
            rationale=spec["rationale"],
            statement_ids=tuple(statement_ids[i] for i in spec["statements"]),
            proposal_ids=tuple(proposals[i] for i in spec["proposals"]),
            decision_ids=(decision,) if spec["decisions"] else (),
            council_ids=tuple(councils[t] for t in spec["councils"]),
            response_due=None if days is None else today + timedelta(days=days),
        )
        outcome = create_outcome(session, round_=round_, user=facilitator, fields=fields)
        for language, parts in spec["translations"].items():
            translate_outcome(
                session,
                round_=round_,
                user=facilitator,
                outcome=outcome,
                fields=OutcomeTranslationInput(language=language, **parts),
            )
        outcomes.append(outcome)
    version = publish_report(
        session, round_=round_, user=facilitator, commit=current_app.config["COMMIT"]
    )
    answer = data["response"]
    record_response(
        session,
        council=session.get_one(Council, councils[answer["council"]]),
        outcome_id=outcomes[answer["outcome"]].id or 0,
        fields=CouncilResponseInput(
            decision=answer["decision"],
            reason=answer["reason"],
            reference=answer["reference"],
            implementation_status=answer["implementation_status"],
            progress=answer["progress"],
        ),
        actor=facilitator,
    )
    return version
