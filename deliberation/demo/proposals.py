"""The demo's proposals: drafted in the drafting round through the proposal services, with
co-authors, versions, amendments (accepted, rejected, open), endorsements per territory and one
merge by the facilitator, who translated two of them. The texts are data
(``data/proposals.json``).

Authors and amenders are taken from the end of each territory's participants, endorsers and
supporters from its start, so the same people endorse several proposals, as people do, and the
merged proposal counts each of them once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from deliberation.models import Participant, Proposal, ProposalStatus, Territory, User
from deliberation.models.proposals import (
    AmendmentInput,
    EditInput,
    MergeInput,
    ProposalInput,
    ProposalTranslationInput,
    RejectionInput,
)
from deliberation.proposals import amendments, curation, drafting, endorsements, translating
from deliberation.proposals.drafting import Drafter

if TYPE_CHECKING:  # seed imports this module to write the proposals
    from deliberation.demo.seed import DemoRound

DATA = Path(__file__).resolve().parent / "data" / "proposals.json"


class _People:
    """The round's participants per territory slug, in join order."""

    def __init__(self, session: Session, round_: DemoRound) -> None:
        rows = session.exec(
            select(Participant, Territory.slug)
            .join(Territory, col(Territory.id) == Participant.territory_id)
            .where(col(Participant.id).in_(round_.participant_ids))
            .order_by(col(Participant.id))
        )
        self.by_territory: dict[str, list[Participant]] = {}
        for participant, slug in rows:
            self.by_territory.setdefault(slug, []).append(participant)
        self.taken: dict[str, int] = {}

    def writer(self, territory: str) -> Drafter:
        """A participant of ``territory`` who has not written anything yet."""
        self.taken[territory] = self.taken.get(territory, 0) + 1
        return Drafter(self.by_territory[territory][-self.taken[territory]], None, False)

    def crowd(self, counts: dict[str, int]) -> list[Participant]:
        """The first ``counts[slug]`` participants of each territory."""
        return [p for slug, n in counts.items() for p in self.by_territory[slug][:n]]


def seed_proposals(session: Session, round_: DemoRound, facilitator: User) -> list[Proposal]:
    """Write the demo's proposals into ``round_`` (in its drafting phase); return them, the
    merged one last. The caller commits."""
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    people = _People(session, round_)
    drafted: dict[str, Proposal] = {}
    for spec in data["proposals"]:
        drafted[spec["key"]] = _draft(session, round_, people, spec)
        for language, parts in spec.get("translations", {}).items():
            translating.translate_proposal(
                session,
                round_=round_.round,
                drafter=Drafter(None, facilitator, True),
                proposal=drafted[spec["key"]],
                fields=ProposalTranslationInput(language=language, **parts),
            )
    merge = data["merge"]
    first, second = (drafted[key] for key in merge["proposals"])
    merged = curation.merge_proposals(
        session,
        round_=round_.round,
        user=facilitator,
        fields=MergeInput(
            first=first.id or 0,
            second=second.id or 0,
            title=merge["title"],
            language=merge["language"],
            text=merge["text"],
        ),
    )
    return [*drafted.values(), merged]


def _draft(session: Session, round_: DemoRound, people: _People, spec: dict[str, Any]) -> Proposal:
    author = people.writer(spec["author"]["territory"])
    proposal = drafting.create_proposal(
        session,
        round_=round_.round,
        drafter=author,
        fields=ProposalInput(
            title=spec["title"],
            text=spec["text"],
            language=spec["language"],
            display_name=spec["author"]["name"],
            statements=tuple(round_.statement_ids[i] for i in spec["statements"]),
        ),
    )
    writers = {"author": author}
    if "coauthor" in spec:
        coauthor = people.writer(spec["coauthor"]["territory"])
        invite = drafting.create_coauthor_invite(
            session, round_=round_.round, proposal=proposal, drafter=author
        )
        drafting.join_as_coauthor(session, round_=round_.round, invite=invite, drafter=coauthor)
        drafting.sign(session, coauthor, spec["coauthor"]["name"])
        writers["coauthor"] = coauthor
    for edit in spec["edits"]:
        drafting.edit_proposal(
            session,
            round_=round_.round,
            proposal=proposal,
            drafter=writers[edit["by"]],
            fields=EditInput(
                title=proposal.title,
                text=edit["text"],
                message=edit["message"],
                base_version=proposal.version,
            ),
        )
    for change in spec["amendments"]:
        _amend(
            session, round_=round_, people=people, proposal=proposal, author=author, change=change
        )
    for participant in people.crowd(spec["endorsers"]):
        endorsements.endorse(
            session, round_=round_.round, proposal=proposal, participant=participant
        )
    drafting.change_status(
        session,
        round_=round_.round,
        proposal=proposal,
        drafter=author,
        status=ProposalStatus(spec["status"]),
    )
    return proposal


def _amend(
    session: Session,
    *,
    round_: DemoRound,
    people: _People,
    proposal: Proposal,
    author: Drafter,
    change: dict[str, Any],
) -> None:
    amendment = amendments.propose_amendment(
        session,
        round_=round_.round,
        proposal=proposal,
        drafter=people.writer(change["by"]["territory"]),
        fields=AmendmentInput(
            paragraph=change["paragraph"],
            replacement=change["replacement"],
            rationale=change["rationale"],
        ),
    )
    for participant in people.crowd(change["supporters"]):
        amendments.support(
            session,
            round_=round_.round,
            proposal=proposal,
            amendment=amendment,
            participant=participant,
        )
    if change["decision"] == "accept":
        amendments.accept(
            session, round_=round_.round, proposal=proposal, amendment=amendment, drafter=author
        )
    elif change["decision"] == "reject":
        amendments.reject(
            session,
            round_=round_.round,
            proposal=proposal,
            amendment=amendment,
            drafter=author,
            fields=RejectionInput(reason=change["reason"]),
        )
