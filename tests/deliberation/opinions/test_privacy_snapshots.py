"""Privacy of the opinion map: withdrawal leaves every view at once, small groups are not shown,
snapshot JSON cells and representative statistics follow the round's threshold."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import OpinionSnapshot, Participant, Round, RoundFacilitator, User
from deliberation.models.inputs import RoundInput
from deliberation.opinions.matrix import marks
from deliberation.opinions.snapshots import compute_snapshot, due_rounds, invalidate_results
from deliberation.polis.export import export_round
from deliberation.services import participation, round_admin
from deliberation.services.votes import record_vote
from tests.deliberation.opinions.rounds import planted_round
from tests.factories import (
    act_as,
    make_participant,
    make_round,
    make_statement,
    make_territory,
    make_user,
    sign_in_as,
)

HTMX = {"HX-Request": "true"}


def _facilitate(client: FlaskClient, session: Session, round_: Round) -> User:
    facilitator = make_user(session)
    session.add(RoundFacilitator(round_id=round_.id, user_id=facilitator.id))
    session.commit()
    sign_in_as(client, facilitator)
    return facilitator


def _seen_total(document: dict[str, Any]) -> int:
    return sum(s["seen"] for s in document["statements"])


def _polis_voters(folder: Path) -> set[str]:
    with (folder / "participants-votes.csv").open(encoding="utf-8") as handle:
        return {row["participant"] for row in csv.DictReader(handle)}


def test_withdrawal_leaves_every_view_download_and_export_at_once(
    client: FlaskClient, session: Session, tmp_path: Path
) -> None:
    round_ = planted_round(session)
    before = compute_snapshot(session, round_)
    session.commit()
    assert before is not None
    _facilitate(client, session, round_)
    leaving = session.exec(
        select(Participant).where(Participant.round_id == round_.id).order_by(Participant.id)
    ).first()
    assert leaving is not None
    assert leaving.id in before.document["participants"]["ids"]
    key = marks(session, round_.id)

    participation.withdraw(session, leaving)
    session.commit()

    assert marks(session, round_.id) != key, "the snapshot key moved although no vote was cast"
    assert due_rounds(session, min_age=timedelta(hours=1)) == [round_]
    page = client.get(f"/r/{round_.slug}/map")
    assert "being recomputed" in page.text
    assert "Where people stand" not in page.text
    assert client.get(f"/r/{round_.slug}/map/snapshot.json").status_code == 409
    export_round(session, round_, tmp_path / "stale")
    with (tmp_path / "stale" / "comment-groups.csv").open(encoding="utf-8") as handle:
        assert not any(name.startswith("group-") for name in next(csv.reader(handle)))
    assert len(_polis_voters(tmp_path / "stale")) == 39

    after = compute_snapshot(session, round_)
    session.commit()
    assert after is not None
    assert leaving.id not in after.document["participants"]["ids"]
    assert _seen_total(after.document) == _seen_total(before.document) - 16
    assert session.exec(select(OpinionSnapshot.id)).all() == [after.id], "older ones are gone"
    download = client.get(f"/r/{round_.slug}/map/snapshot.json")
    assert download.status_code == 200
    assert leaving.id not in download.json["participants"]["ids"]
    assert "Where people stand" in client.get(f"/r/{round_.slug}/map").text
    export_round(session, round_, tmp_path / "fresh")
    with (tmp_path / "fresh" / "comment-groups.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sum(int(row["total-votes"]) for row in rows) == 39 * 16
    assert any(name.startswith("group-a-") for name in rows[0])


def test_privacy_settings_change_the_snapshot_key(session: Session) -> None:
    round_ = planted_round(session, participants=8, statements=4)
    facilitator = make_user(session)
    session.add(RoundFacilitator(round_id=round_.id, user_id=facilitator.id))
    session.commit()
    assert compute_snapshot(session, round_) is not None
    session.commit()
    key = marks(session, round_.id)
    fields = RoundInput(
        slug=round_.slug,
        title=round_.title,
        question=round_.question,
        framing=round_.framing,
        topic=round_.topic,
        languages=("en", "fr"),
        opens_at=None,
        closes_at=None,
        phase=round_.phase,
        moderation_mode=round_.moderation_mode,
        privacy_k=round_.privacy_k + 1,
    )
    round_admin.update_round(session, round_=round_, user=facilitator, fields=fields)
    session.commit()
    assert marks(session, round_.id) != key
    snapshot = compute_snapshot(session, round_)
    session.commit()
    assert snapshot is not None
    assert snapshot.document["parameters"]["privacy_k"] == 4
    key = marks(session, round_.id)
    round_admin.update_round(session, round_=round_, user=facilitator, fields=fields)
    assert marks(session, round_.id) == key, "saving the same settings recomputes nothing"


def _lopsided_round(session: Session, *, big: int, small: int, k: int) -> Round:
    """Two opposed camps of ``big`` and ``small`` people over two towns."""
    towns = [make_territory(session), make_territory(session)]
    round_ = make_round(session, territories=towns, privacy_k=k)
    items = [make_statement(session, round_) for _ in range(12)]
    rng = np.random.default_rng(3)
    for n in range(big + small):
        camp = 0 if n < big else 1
        person = make_participant(session, round_, territory_id=towns[n % 2].id)
        for j, statement in enumerate(items):
            value = 1 if (j % 2 == camp) or j >= 10 else -1
            if rng.random() < 0.05:
                value = 0
            record_vote(
                session,
                round_id=round_.id,
                participant_id=person.id,
                statement_id=statement.id,
                value=value,
            )
    session.commit()
    return round_


def test_a_group_smaller_than_k_is_not_shown_at_all(client: FlaskClient, session: Session) -> None:
    round_ = _lopsided_round(session, big=30, small=6, k=8)
    snapshot = compute_snapshot(session, round_)
    session.commit()
    assert snapshot is not None
    document = snapshot.document
    assert document["k"] == 1
    assert [g["size"] for g in document["groups"]] == [30]
    participants = document["participants"]
    assert len(participants["ids"]) == 30, "the small camp has no dot"
    assert set(participants["group"]) == {0}
    assert all(len(s["groups"]) == 1 for s in document["statements"])
    assert sum(t["participants"] for t in document["territories"]) == 30
    small_camp = session.exec(
        select(Participant).where(Participant.round_id == round_.id).order_by(Participant.id)
    ).all()[-1]
    act_as(client, small_camp)
    page = client.get(f"/r/{round_.slug}/map").text
    assert "Group A" in page
    assert "Group B" not in page
    assert page.count('fill-opacity="0.12"') == 1, "one outline"
    assert page.count('r="3"') == 30, "30 dots"
    assert "groups of fewer than 8 people are not shown" in page
    assert ">You</text>" not in page, "not placed: not marked"


def test_no_best_k_nor_silhouette_tells_of_a_hidden_group(session: Session) -> None:
    round_ = _lopsided_round(session, big=30, small=6, k=8)
    document = compute_snapshot(session, round_).document
    session.commit()
    assert document["k"] == 1
    assert document["best_k"] is None
    assert document["silhouettes"] is None
    round_.privacy_k = 2
    invalidate_results(session, round_)
    session.commit()
    document = compute_snapshot(session, round_).document
    session.commit()
    assert document["k"] == 2, "both camps shown"
    assert document["best_k"] == 2
    assert document["silhouettes"]["2"] > 0.5


def test_snapshot_cells_and_representative_counts_follow_k(session: Session) -> None:
    round_ = planted_round(session, participants=24, statements=8)
    round_.privacy_k = 7
    session.add(round_)
    session.commit()
    snapshot = compute_snapshot(session, round_)
    session.commit()
    assert snapshot is not None
    document = snapshot.document
    for group in document["groups"]:
        assert group["size"] >= 7
        for rep in group["representative"]:
            assert rep["n_trials"] >= 7
    for statement in document["statements"]:
        cells = statement["groups"]
        hidden = [c["suppressed"] for c in cells]
        assert sum(hidden) != 1, "a lone hidden cell could be derived from the total"
        if any(hidden):
            assert statement["group_informed_consensus"] is None
        for cell in cells + list(statement["territories"].values()):
            assert cell["seen"] is None or cell["seen"] == 0 or cell["seen"] >= 7
        territory_hidden = [c["suppressed"] for c in statement["territories"].values()]
        if any(territory_hidden):
            assert statement["bridging"] is None
            assert statement["lowest_territory_agree_rate"] is None


def test_the_map_says_when_every_group_is_too_small(client: FlaskClient, session: Session) -> None:
    round_ = planted_round(session, participants=8, statements=8)
    round_.privacy_k = 50
    session.add(round_)
    session.commit()
    document = compute_snapshot(session, round_).document
    session.commit()
    assert document["groups"] == []
    assert document["participants"]["ids"] == [], "no dot of a group or of fewer than k unplaced"
    cells = [c for s in document["statements"] for c in s["territories"].values()]
    assert cells
    assert all(c["suppressed"] and c["agree"] is None for c in cells)
    act_as(client, session.exec(select(Participant)).first())
    page = client.get(f"/r/{round_.slug}/map")
    assert "Group A" not in page.text
    assert "hidden" in page.text


def test_when_the_last_voter_withdraws_no_snapshot_is_left(
    client: FlaskClient, session: Session
) -> None:
    round_ = planted_round(session, participants=1, statements=3)
    assert compute_snapshot(session, round_) is not None
    session.commit()
    only = session.exec(select(Participant).where(Participant.round_id == round_.id)).one()
    participation.withdraw(session, only)
    session.commit()
    assert only.session_key_hash is None
    assert due_rounds(session, min_age=timedelta(hours=1)) == [round_]
    assert compute_snapshot(session, round_) is None
    session.commit()
    assert session.exec(select(OpinionSnapshot)).all() == []
    assert due_rounds(session, min_age=timedelta(hours=1)) == []
    _facilitate(client, session, round_)
    assert "appears once enough people have voted" in client.get(f"/r/{round_.slug}/map").text
