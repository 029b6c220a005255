"""The demo's decisions, in its deciding round: one open Schulze decision among four
proposals, with ballots cast by part of the crowd, and one closed stance decision (consent with
double majority) that a block stops, sealed and counted, so its results show by territory.

The texts are data (``data/decisions.json``). Ballots follow each synthetic participant's latent
opinion group (``DemoRound.latent_groups``): each group has its own order of the proposals,
shuffled a little per person and sometimes truncated, and its own leaning on the stance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlmodel import Session, col, select

from deliberation.decisions.counting import store_tally
from deliberation.decisions.methods import default_settings
from deliberation.decisions.service import LABELS, close_decision, open_decision
from deliberation.demo import bulk
from deliberation.demo.report import translate_decision, write_selected_proposals
from deliberation.models import (
    Decision,
    DecisionBallot,
    DecisionOption,
    Participant,
    Round,
    User,
)
from voting.methods import REGISTRY

DATA = Path(__file__).resolve().parent / "data" / "decisions.json"
# Each latent group's order of the four proposals (option indices, best first).
GROUP_ORDERS = ((0, 2, 1, 3), (1, 3, 0, 2), (2, 0, 3, 1))
# Each latent group's chances of agree, abstain, disagree on the stance decision.
GROUP_STANCES = ((0.75, 0.1, 0.15), (0.55, 0.15, 0.3), (0.3, 0.2, 0.5))
SWAP = 0.25  # chance that a participant swaps two neighbours of their group's order
RANKED_SHARE = 0.7  # share of the crowd that has ranked the proposals so far
STANCE_SHARE = 0.6  # share of the crowd that took a stance


@dataclass(frozen=True)
class DemoDecisions:
    """The two decisions ``seed_decisions`` wrote."""

    ranked: Decision
    stance: Decision


def seed_decisions(
    session: Session,
    round_: Round,
    *,
    facilitator: User,
    latent_groups: dict[int, int],
    rng: np.random.Generator,
    now: datetime,
) -> DemoDecisions:
    """Write both decisions of the deciding round ``round_``; the caller commits."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    territory_of = dict(
        session.exec(
            select(Participant.id, Participant.territory_id).where(
                col(Participant.round_id) == round_.id
            )
        ).all()
    )
    people = sorted(latent_groups)

    ranked = _decision(
        session,
        round_,
        "schulze",
        data["ranked"],
        now - timedelta(days=2),
        facilitator=facilitator,
    )
    rows = []
    for person in people:
        if rng.random() >= RANKED_SHARE:
            continue
        order = list(GROUP_ORDERS[latent_groups[person]])
        for i in range(len(order) - 1):
            if rng.random() < SWAP:
                order[i], order[i + 1] = order[i + 1], order[i]
        kept = order[: int(rng.integers(2, len(order) + 1))]
        ranking = {"ranking": [[LABELS[x]] for x in kept]}
        rows.append(_ballot(ranked, person, territory_of[person], ranking, now))
    bulk.insert_rows(session, DecisionBallot, rows)

    stance = _decision(
        session,
        round_,
        "consent",
        data["stance"],
        now - timedelta(days=3),
        facilitator=facilitator,
        double_majority=True,
    )
    blocker = next(p for p in people if latent_groups[p] == 2)
    rows = []
    for person in people:
        choice: dict[str, Any]
        if person == blocker:
            choice = {"stance": "block", "reason": data["stance"]["block_reason"]}
        elif rng.random() < STANCE_SHARE:
            leaning = GROUP_STANCES[latent_groups[person]]
            choice = {"stance": ("agree", "abstain", "disagree")[int(rng.choice(3, p=leaning))]}
        else:
            continue
        rows.append(_ballot(stance, person, territory_of[person], choice, now))
    bulk.insert_rows(session, DecisionBallot, rows)
    close_decision(session, decision=stance, round_=round_, now=now - timedelta(hours=1))
    store_tally(session, stance)
    return DemoDecisions(ranked=ranked, stance=stance)


def _decision(
    session: Session,
    round_: Round,
    method: str,
    texts: dict[str, Any],
    opened: datetime,
    *,
    facilitator: User,
    **settings: Any,
) -> Decision:
    """An open decision with the options of ``texts`` (``options``, or the stance's one
    ``option``), each the round's proposal selected for it, translated by ``facilitator``
    (``texts``' ``title_translations`` and each option's ``translations``)."""
    decision = Decision(
        round_id=round_.id,  # type: ignore[arg-type]
        title=texts["title"],
        method=method,
        settings=default_settings(REGISTRY[method]) | settings,
    )
    session.add(decision)
    session.flush()
    options = texts["options"] if "options" in texts else [texts["option"]]
    proposals = write_selected_proposals(session, round_, options, statement_ids=[])
    session.add_all(
        DecisionOption(
            decision_id=decision.id,  # type: ignore[arg-type]
            label=label,
            title=option["title"],
            text=option["text"],
            proposal_id=proposal,
        )
        for label, option, proposal in zip(LABELS, options, proposals, strict=False)
    )
    session.flush()
    translate_decision(
        session, round_=round_, decision=decision, facilitator=facilitator, spec=texts
    )
    open_decision(session, decision=decision, now=opened)
    return decision


def _ballot(
    decision: Decision, person: int, territory_id: int, choice: dict[str, Any], now: datetime
) -> dict[str, Any]:
    return {
        "decision_id": decision.id,
        "participant_id": person,
        "territory_id": territory_id,
        "choice": choice,
        "cast_at": now,
    }
