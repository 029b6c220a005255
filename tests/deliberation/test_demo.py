"""The demo: one round per phase on the same territories, with languages, statements and votes
with real opinion structure."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import pairwise

import numpy as np
import pytest
from flask import Flask, url_for
from markupsafe import escape
from sqlalchemy import func
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.demo import crowd, texts
from deliberation.demo import seed as demo
from deliberation.models import (
    AuditAction,
    AuditEntry,
    Invite,
    OpinionSnapshot,
    Participant,
    Phase,
    Round,
    RoundTerritory,
    Statement,
    StatementStatus,
    TargetKind,
    Territory,
    TerritoryOwner,
    Translation,
    TranslationOrigin,
    User,
    Vote,
    VoteEvent,
)
from deliberation.services.rounds import JOINABLE
from deliberation.translations.coverage import readable_shares
from deliberation.translations.participants import ReviewTask, next_task
from tests.factories import sign_in_as

Rates = dict[int, dict[object, float]]


@pytest.fixture
def demo_seed(session: Session) -> demo.Demo:
    created = demo.seed_demo(session, participants=300, seed=7, password="a demo password")
    assert created is not None
    session.commit()
    return created


@pytest.fixture
def seeded(demo_seed: demo.Demo) -> demo.DemoRound:
    """The open round."""
    return demo_seed.rounds[Phase.OPEN]


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
        select(Statement).where(
            Statement.round_id == round_.id, Statement.status == StatementStatus.PENDING
        )
    ).all()
    assert pending
    assert all(s.author_participant_id for s in pending)
    assert session.exec(select(User).where(User.email == demo.FACILITATOR_EMAIL)).one()


def test_the_demo_has_one_round_per_phase_on_the_same_territories(
    session: Session, demo_seed: demo.Demo
) -> None:
    assert demo_seed.password == "a demo password"
    assert list(demo_seed.rounds) == list(texts.ROUND_PHASES)
    territories = set()
    for phase, seeded in demo_seed.rounds.items():
        round_ = session.get(Round, seeded.round.id)
        assert round_ is not None
        assert round_.phase == phase
        assert {"fr", "de", "en", "es"} <= set(round_.title)
        taking_part = session.exec(
            select(RoundTerritory.territory_id).where(RoundTerritory.round_id == round_.id)
        ).all()
        territories.add(frozenset(taking_part))
        votes = session.exec(
            select(func.count()).select_from(Vote).where(Vote.round_id == round_.id)
        ).one()
        assert votes > 10 * len(seeded.participant_ids) / 2
        assert len(seeded.statement_ids) == len(seeded.spec.statements)
        if phase != Phase.OPEN:
            assert round_.closes_at is not None
            assert not round_.accepts_contributions
    assert len(territories) == 1
    assert len(next(iter(territories))) == len(texts.territories())
    snapshots = session.exec(select(OpinionSnapshot.round_id)).all()
    assert snapshots == [demo_seed.rounds[Phase.REPORTED].round.id], "the worker skips it"


def test_demo_counters_and_events_are_consistent(session: Session, demo_seed: demo.Demo) -> None:
    participants = session.exec(select(Participant)).all()
    assert len(participants) >= 200
    per_participant = dict(
        session.exec(select(Vote.participant_id, func.count()).group_by(Vote.participant_id)).all()
    )
    assert all(p.vote_count == per_participant.get(p.id, 0) for p in participants)
    assert all(p.vote_count >= crowd.MIN_VOTES for p in participants)
    per_statement = dict(
        session.exec(select(Vote.statement_id, func.count()).group_by(Vote.statement_id)).all()
    )
    for statement in session.exec(select(Statement)).all():
        assert statement.vote_count == per_statement.get(statement.id, 0)
    events = session.exec(select(VoteEvent).order_by(col(VoteEvent.id))).all()
    assert len(events) > sum(per_statement.values()), "some votes were changed"
    for seeded in demo_seed.rounds.values():
        in_round = [e for e in events if e.round_id == seeded.round.id]
        assert in_round
        assert all(a.created_at <= b.created_at for a, b in pairwise(in_round))
        assert seeded.round.opens_at is not None
        assert seeded.round.opens_at <= in_round[0].created_at
        assert in_round[-1].created_at <= min(utcnow(), seeded.round.closes_at or utcnow())
    latest = {(e.participant_id, e.statement_id): e.value for e in events}
    votes = session.exec(select(Vote)).all()
    assert latest == {(v.participant_id, v.statement_id): v.value for v in votes}
    invites = session.exec(select(Invite)).all()
    assert sum(i.uses for i in invites) == len(participants)
    for event in events:
        assert event.round_id == session.get(Participant, event.participant_id).round_id


def test_demo_votes_have_opinion_structure(session: Session, seeded: demo.DemoRound) -> None:
    rows = session.exec(
        select(Vote.statement_id, Participant.territory_id, Participant.id, Vote.value)
        .join(Participant, col(Participant.id) == Vote.participant_id)
        .where(Vote.round_id == seeded.round.id)
    ).all()
    by_territory = _agree_rates((sid, territory, value) for sid, territory, _, value in rows)
    by_group = _agree_rates((sid, seeded.latent_groups[pid], value) for sid, _, pid, value in rows)
    territory_count = len(texts.territories())
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


def test_seeding_again_with_if_empty_does_nothing(session: Session, demo_seed: demo.Demo) -> None:
    votes_before = session.exec(select(func.count()).select_from(Vote)).one()
    assert demo.seed_demo(session, participants=300, seed=7, if_empty=True) is None
    assert session.exec(select(func.count()).select_from(Round)).one() == len(texts.ROUND_PHASES)
    assert session.exec(select(func.count()).select_from(Vote)).one() == votes_before
    with pytest.raises(ValueError, match="exists already"):
        demo.seed_demo(session, participants=300, seed=7)


def test_votes_are_deterministic_given_the_seed() -> None:
    spec = texts.round_spec(Phase.OPEN)
    territories = texts.territories()
    slugs = [territory.slug for territory in territories]

    def draw(seed: int) -> list[np.ndarray]:
        rng = np.random.default_rng(seed)
        people = crowd.Crowd.draw(rng, territories, 50, span=86_400.0)
        catalogue = crowd.Catalogue.build(rng, people, spec.statements, slugs)
        ballots = crowd.Ballots.draw(rng, people, catalogue)
        return [people.groups, ballots.voters, ballots.statements, ballots.values, ballots.times]

    assert all(np.array_equal(a, b) for a, b in zip(draw(3), draw(3), strict=True))
    assert not all(
        len(a) == len(b) and np.array_equal(a, b) for a, b in zip(draw(3), draw(4), strict=True)
    )


def test_describe_reuses_the_invites(app: Flask, session: Session, demo_seed: demo.Demo) -> None:
    invites_before = session.exec(select(func.count()).select_from(Invite)).one()
    session.expire_all()  # describe reads the rounds as stored, as the command does
    with app.test_request_context(base_url="http://127.0.0.1:5000"):
        first = list(demo.describe(session, url_for))
        second = list(demo.describe(session, url_for))
    assert first == second
    assert session.exec(select(func.count()).select_from(Invite)).one() == invites_before
    assert invites_before == len(texts.territories()) * len(texts.ROUND_PHASES)
    links = [line.split(": ", 1)[1] for line in first if "/join/" in line]
    joinable = [phase for phase in texts.ROUND_PHASES if phase in JOINABLE]
    assert len(joinable) == 3, "open, drafting and deciding take new participants"
    assert len(links) == len(texts.territories()) * len(joinable)
    assert any(demo.FACILITATOR_EMAIL in line for line in first)
    for seeded in demo_seed.rounds.values():
        assert any(f"/r/{seeded.round.slug}/map" in line for line in first)


def test_each_demo_round_has_its_pages(app: Flask, session: Session, demo_seed: demo.Demo) -> None:
    client = app.test_client()
    sign_in_as(client, demo_seed.facilitator)
    for seeded in demo_seed.rounds.values():
        page = client.get(f"/facilitate/rounds/{seeded.round.id}")
        assert page.status_code == 200
        assert str(escape(seeded.round.title["en"])) in page.text
        assert client.get(f"/r/{seeded.round.slug}/map").status_code == 200


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
    session: Session, demo_seed: demo.Demo
) -> None:
    actions = set(
        session.exec(
            select(AuditEntry.action).where(
                col(AuditEntry.round_id).is_not(None),
                AuditEntry.target_kind == TargetKind.STATEMENT,
            )
        )
    )
    assert actions == {AuditAction.STATEMENT_ACCEPT, AuditAction.STATEMENT_REJECT}


def test_the_demo_facilitator_owns_the_demo_territories(
    session: Session, demo_seed: demo.Demo
) -> None:
    facilitator = session.exec(select(User).where(User.email == demo.FACILITATOR_EMAIL)).one()
    territories = session.exec(select(Territory.id)).all()
    owned = session.exec(
        select(TerritoryOwner.territory_id).where(TerritoryOwner.user_id == facilitator.id)
    ).all()
    assert territories
    assert sorted(owned) == sorted(territories)


def test_the_open_round_reads_in_every_language_with_bilingual_helpers(
    session: Session, seeded: demo.DemoRound
) -> None:
    round_ = seeded.round
    origins = Counter(
        (t.origin, t.reviewed)
        for t in session.exec(select(Translation).where(Translation.round_id == round_.id))
    )
    assert origins[(TranslationOrigin.HUMAN, True)] > 100
    assert origins[(TranslationOrigin.MACHINE, False)] > 0
    assert origins[(TranslationOrigin.PARTICIPANT, True)] > 0
    assert origins[(TranslationOrigin.PARTICIPANT, False)] > 0
    shares = readable_shares(session, round_)
    assert all(shares[language] >= 0.8 for language in ("fr", "de", "en")), shares
    people = session.exec(select(Participant).where(Participant.round_id == round_.id)).all()
    helpers = [p for p in people if p.translates]
    assert helpers
    assert all(len(p.reading_languages) == 2 for p in helpers)
    # A helper who reads French and German, and wrote none of them, has a review to do.
    authors = {
        t.author_participant_id
        for t in session.exec(select(Translation).where(Translation.round_id == round_.id))
    }
    reviewer = next(
        p for p in helpers if set(p.reading_languages) == {"fr", "de"} and p.id not in authors
    )
    assert isinstance(next_task(session, round_=round_, participant=reviewer), ReviewTask)


def test_demo_votes_record_the_language_each_statement_was_shown_in(
    session: Session, seeded: demo.DemoRound
) -> None:
    round_ = seeded.round
    events = session.exec(
        select(VoteEvent.language, Statement.language)
        .join(Statement, col(Statement.id) == VoteEvent.statement_id)
        .where(VoteEvent.round_id == round_.id)
    ).all()
    assert events
    assert all(shown in round_.languages for shown, _ in events)
    read_in_translation = sum(shown != original for shown, original in events)
    assert 0 < read_in_translation < len(events)
    current = session.exec(select(Vote.language).where(Vote.round_id == round_.id)).all()
    assert None not in current
