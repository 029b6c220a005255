"""The demo round: territories, languages, statements and votes with real opinion structure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import pairwise

import numpy as np
import pytest
from flask import Flask, url_for
from sqlalchemy import func
from sqlmodel import Session, col, select

from deliberation import demo
from deliberation.models import (
    AuditAction,
    AuditEntry,
    Invite,
    Participant,
    Round,
    RoundTerritory,
    Statement,
    StatementStatus,
    Territory,
    User,
    Vote,
    VoteEvent,
)

Rates = dict[int, dict[object, float]]


@pytest.fixture
def seeded(session: Session, monkeypatch: pytest.MonkeyPatch) -> demo.DemoRound:
    monkeypatch.setenv("PALABRE_DEMO_PASSWORD", "a demo password")
    created = demo.seed_demo(session, participants=300, seed=7)
    assert created is not None
    return created


def _agree_rates(rows: Iterable[tuple[int, object, int]]) -> Rates:
    """Agree share per statement and per key (territory or group), over its current votes."""
    agrees: dict[int, dict[object, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[int, dict[object, int]] = defaultdict(lambda: defaultdict(int))
    for statement_id, key, value in rows:
        totals[statement_id][key] += 1
        agrees[statement_id][key] += value == 1
    return {
        sid: {key: agrees[sid][key] / n for key, n in by_key.items()}
        for sid, by_key in totals.items()
    }


def test_demo_round_spans_territories_and_languages(
    session: Session, seeded: demo.DemoRound
) -> None:
    round_ = seeded.round
    territories = session.exec(
        select(Territory)
        .join(RoundTerritory, col(RoundTerritory.territory_id) == Territory.id)
        .where(RoundTerritory.round_id == round_.id)
    ).all()
    assert len(territories) >= 3
    assert {"fr", "de"} <= set(round_.languages)
    for field in ("title", "question", "framing"):
        assert {"fr", "de", "en"} <= set(getattr(round_, field))
    seeds = session.exec(
        select(Statement).where(Statement.round_id == round_.id, col(Statement.is_seed))
    ).all()
    assert len(seeds) >= 40
    assert len({s.language for s in seeds}) >= 2
    pending = session.exec(
        select(Statement).where(Statement.status == StatementStatus.PENDING)
    ).all()
    assert pending
    assert all(s.author_participant_id for s in pending)
    assert seeded.password == "a demo password"
    assert session.exec(select(User).where(User.email == demo.FACILITATOR_EMAIL)).one()


def test_demo_counters_and_events_are_consistent(session: Session, seeded: demo.DemoRound) -> None:
    participants = session.exec(select(Participant)).all()
    assert len(participants) >= 200
    per_participant = dict(
        session.exec(select(Vote.participant_id, func.count()).group_by(Vote.participant_id)).all()
    )
    assert all(p.vote_count == per_participant.get(p.id, 0) for p in participants)
    assert all(p.vote_count >= demo.MIN_VOTES for p in participants)
    per_statement = dict(
        session.exec(select(Vote.statement_id, func.count()).group_by(Vote.statement_id)).all()
    )
    for statement in session.exec(select(Statement)).all():
        assert statement.vote_count == per_statement.get(statement.id, 0)
    events = session.exec(select(VoteEvent).order_by(col(VoteEvent.id))).all()
    assert len(events) > sum(per_statement.values()), "some votes were changed"
    assert all(a.created_at <= b.created_at for a, b in pairwise(events))
    latest = {(e.participant_id, e.statement_id): e.value for e in events}
    votes = session.exec(select(Vote)).all()
    assert latest == {(v.participant_id, v.statement_id): v.value for v in votes}
    invites = session.exec(select(Invite)).all()
    assert sum(i.uses for i in invites) == len(participants)


def test_demo_votes_have_opinion_structure(session: Session, seeded: demo.DemoRound) -> None:
    rows = session.exec(
        select(Vote.statement_id, Participant.territory_id, Participant.id, Vote.value).join(
            Participant, col(Participant.id) == Vote.participant_id
        )
    ).all()
    by_territory = _agree_rates((sid, territory, value) for sid, territory, _, value in rows)
    by_group = _agree_rates((sid, seeded.latent_groups[pid], value) for sid, _, pid, value in rows)
    territory_count = len(demo.TERRITORIES)
    consensus = [
        sid
        for sid, rates in by_territory.items()
        if len(rates) == territory_count and min(rates.values()) > 0.8
    ]
    assert len(consensus) >= 3, "several statements every territory agrees on"
    divisive = [
        sid for sid, rates in by_group.items() if max(rates.values()) - min(rates.values()) > 0.6
    ]
    assert len(divisive) >= 5, "groups agree within and disagree across"
    across_territories = [
        sid
        for sid, rates in by_territory.items()
        if max(rates.values()) - min(rates.values()) > 0.4
    ]
    assert across_territories, "a few statements divide the territories"
    group_sizes = defaultdict(set)
    for _, territory, pid, _ in rows:
        group_sizes[territory].add(seeded.latent_groups[pid])
    assert all(len(groups) >= 2 for groups in group_sizes.values()), "groups are not territories"


def test_seeding_again_with_if_empty_does_nothing(session: Session, seeded: demo.DemoRound) -> None:
    votes_before = session.exec(select(func.count()).select_from(Vote)).one()
    assert demo.seed_demo(session, participants=300, seed=7, if_empty=True) is None
    assert session.exec(select(func.count()).select_from(Round)).one() == 1
    assert session.exec(select(func.count()).select_from(Vote)).one() == votes_before
    with pytest.raises(ValueError, match="exists already"):
        demo.seed_demo(session, participants=300, seed=7)


def test_votes_are_deterministic_given_the_seed() -> None:
    def draw(seed: int) -> list[np.ndarray]:
        rng = np.random.default_rng(seed)
        crowd = demo._Crowd.draw(rng, 50, span=86_400.0)
        ballots = demo._Ballots.draw(rng, crowd, demo._Catalogue.build(rng, crowd))
        return [crowd.groups, ballots.voters, ballots.statements, ballots.values, ballots.times]

    assert all(np.array_equal(a, b) for a, b in zip(draw(3), draw(3), strict=True))
    assert not all(
        len(a) == len(b) and np.array_equal(a, b) for a, b in zip(draw(3), draw(4), strict=True)
    )


def test_describe_reuses_the_invites(app: Flask, session: Session, seeded: demo.DemoRound) -> None:
    with app.test_request_context(base_url="http://127.0.0.1:5000"):
        first = list(demo.describe(session, url_for))
        second = list(demo.describe(session, url_for))
    assert first == second
    assert session.exec(select(func.count()).select_from(Invite)).one() == len(demo.TERRITORIES)
    links = [line.split(": ", 1)[1] for line in first if "/join/" in line]
    assert len(links) == len(demo.TERRITORIES)
    assert any(demo.FACILITATOR_EMAIL in line for line in first)


def test_an_invite_from_describe_opens_the_round(
    app: Flask, session: Session, seeded: demo.DemoRound
) -> None:
    with app.test_request_context(base_url="http://localhost"):
        line = next(line for line in demo.describe(session, url_for) if "/join/" in line)
    path = line.split("http://localhost", 1)[1]
    client = app.test_client()
    assert client.get(path).status_code == 200
    joined = client.post(path, data={"language": "de", "accept": "y"})
    assert joined.status_code == 303
    page = client.get(joined.headers["Location"])
    assert page.status_code == 200
    assert any(title in page.text for title in seeded.round.title.values())
    assert 'id="card"' in page.text


def test_the_demo_moderation_log_uses_the_moderation_actions(
    session: Session, seeded: demo.DemoRound
) -> None:
    actions = set(
        session.exec(select(AuditEntry.action).where(AuditEntry.round_id == seeded.round.id))
    )
    assert actions == {AuditAction.STATEMENT_ACCEPT, AuditAction.STATEMENT_REJECT}
