"""Closing seals the ballots, the worker counts them, the results page explains them, and the
published ballots can be recounted and verified."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import flask_babel
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from deliberation.clock import utcnow
from deliberation.decisions import worker
from deliberation.decisions.counting import rank_array
from deliberation.decisions.results import _percent
from deliberation.decisions.service import (
    cast_ballot,
    close_decision,
    open_decision,
    receipt_sha256,
)
from deliberation.models import (
    Decision,
    DecisionBallot,
    DecisionLiveCount,
    DecisionSeal,
    DecisionStatus,
    DecisionTally,
    Participant,
    Phase,
    Round,
    Territory,
)
from deliberation.services.participation import withdraw
from tests.factories import (
    act_as,
    make_decision,
    make_participant,
    make_round,
    make_territory,
    make_user,
    sign_in_as,
)
from voting.methods import MethodError


def vote(
    session: Session,
    decision: Decision,
    round_: Round,
    territory: Territory,
    choice: dict[str, Any],
) -> Participant:
    participant = make_participant(session, round_, territory_id=territory.id)
    cast_ballot(
        session,
        decision=decision,
        round_=round_,
        participant=participant,
        choice=choice,
        now=utcnow(),
    )
    session.commit()
    return participant


def opened(session: Session, round_: Round, **overrides: Any) -> Decision:
    decision = make_decision(session, round_, **overrides)
    open_decision(session, decision=decision, now=utcnow())
    session.commit()
    return decision


def test_close_seals_the_ballots_and_the_worker_counts_them(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    town = make_territory(session)
    round_ = make_round(session, facilitators=[user], territories=[town], phase=Phase.DECIDING)
    decision = opened(session, round_, options=["Parc", "Piscine", "Ombre"])
    for _ in range(2):
        vote(session, decision, round_, town, {"ranking": [["B"], ["A"]]})
    vote(session, decision, round_, town, {"ranking": [["A"], ["C"]]})
    gone = vote(session, decision, round_, town, {"ranking": [["C"]]})
    withdraw(session, gone)
    session.commit()
    # Withdrawing removes the ballot at once, as the privacy notice says, not only at close.
    assert session.exec(select(func.count()).select_from(DecisionBallot)).one() == 3
    sign_in_as(client, user)
    assert (
        client.post(
            f"/facilitate/decisions/{decision.id}/close", data={"confirmed": "yes"}
        ).status_code
        == 303
    )
    session.expire_all()
    assert session.exec(select(DecisionBallot)).all() == []
    seal = session.get(DecisionSeal, decision.id)
    assert seal is not None
    assert seal.ballots == 3
    assert b"participant" not in seal.document
    waiting = client.get(f"/decisions/{decision.id}/results").get_data(as_text=True)
    assert "being counted" in waiting
    assert worker.run_once(session, now=utcnow()) == 1
    assert worker.run_once(session, now=utcnow()) == 0
    tally = session.get(DecisionTally, decision.id)
    assert tally is not None
    assert tally.result["winners"] == ["B"]
    assert tally.result["ballots"]["cast"] == 3
    page = client.get(f"/decisions/{decision.id}/results").get_data(as_text=True)
    assert "Winner: Piscine" in page
    assert decision.seed_hex is not None
    assert decision.seed_hex in page
    assert "<svg" in page
    assert "Smith set" in page
    download = client.get(f"/decisions/{decision.id}/ballots.json")
    assert download.data == tally.published
    assert hashlib.sha256(download.data).hexdigest() == tally.published_sha256
    assert client.post(f"/facilitate/decisions/{decision.id}/close").status_code == 409


def test_an_open_decision_past_its_closing_time_is_closed_by_the_worker(
    session: Session,
) -> None:
    town = make_territory(session)
    round_ = make_round(session, territories=[town], phase=Phase.DECIDING)
    decision = opened(session, round_, options=["Parc", "Piscine"])
    vote(session, decision, round_, town, {"ranking": [["A"]]})
    decision.closes_at = utcnow() - timedelta(minutes=1)
    session.add(decision)
    session.commit()
    draft = make_decision(
        session, round_, options=["Lac", "Mer"], opens_at=utcnow() - timedelta(minutes=1)
    )
    assert worker.run_once(session, now=utcnow()) == 1
    session.expire_all()
    assert session.get(Decision, decision.id).status == DecisionStatus.CLOSED  # type: ignore[union-attr]
    assert session.get(DecisionTally, decision.id) is not None
    assert session.get(Decision, draft.id).status == DecisionStatus.OPEN  # type: ignore[union-attr]


def three_territories(session: Session, user: Any) -> tuple[Round, list[Territory]]:
    towns = [
        make_territory(session, slug="nord", population=10_000),
        make_territory(session, slug="sud", population=2_500),
        make_territory(session, slug="est", population=900),
    ]
    round_ = make_round(
        session, facilitators=[user], territories=towns, phase=Phase.DECIDING, privacy_k=2
    )
    return round_, towns


def test_territory_weighting_through_the_app_and_suppressed_small_territories(
    client: FlaskClient, session: Session, app: Flask, tmp_path: Path
) -> None:
    user = make_user(session)
    round_, (nord, sud, est) = three_territories(session, user)
    decision = opened(
        session,
        round_,
        options=["Parc", "Piscine"],
        settings={"weighting": "equal_territory"},
    )
    for _ in range(4):
        vote(session, decision, round_, nord, {"ranking": [["A"], ["B"]]})
    for _ in range(2):
        vote(session, decision, round_, sud, {"ranking": [["B"], ["A"]]})
    vote(session, decision, round_, est, {"ranking": [["B"], ["A"]]})
    close_decision(session, decision=decision, round_=round_, now=utcnow())
    session.commit()
    worker.run_once(session, now=utcnow())
    tally = session.get(DecisionTally, decision.id)
    assert tally is not None
    assert tally.result["winners"] == ["B"]
    assert tally.result["unweighted"]["winners"] == ["A"]
    page = client.get(f"/decisions/{decision.id}/results").get_data(as_text=True)
    assert "the outcome differs" in page
    assert "(2 ballots at least) are not shown separately" in page
    assert est.name("en") not in page
    assert nord.name("en") in page
    published = json.loads(tally.published)
    assert {entry[1] for entry in published["ballots"]} == {"nord", "sud", "other"}

    runner = app.test_cli_runner()
    path = tmp_path / "ballots.json"
    path.write_bytes(tally.published)
    checked = runner.invoke(args=["decisions", "verify", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "unweighted count" in checked.output
    tampered = published | {"ballots": [[e[0], e[1], e[2], e[3] + 1] for e in published["ballots"]]}
    path.write_bytes(json.dumps(tampered, separators=(",", ":"), sort_keys=True).encode())
    refused = runner.invoke(args=["decisions", "verify", str(path)])
    assert refused.exit_code != 0
    recount = runner.invoke(args=["decisions", "tally", str(decision.id)])
    assert recount.exit_code == 0, recount.output
    assert "matches" in recount.output


def test_verify_checks_the_whole_result_when_no_territory_is_relabelled(
    session: Session, app: Flask, tmp_path: Path
) -> None:
    town = make_territory(session)
    round_ = make_round(session, territories=[town], phase=Phase.DECIDING, privacy_k=1)
    decision = opened(session, round_, method="approval", options=["Parc", "Piscine"])
    vote(session, decision, round_, town, {"approved": ["A"]})
    vote(session, decision, round_, town, {"approved": ["A", "B"]})
    close_decision(session, decision=decision, round_=round_, now=utcnow())
    session.commit()
    worker.run_once(session, now=utcnow())
    tally = session.get(DecisionTally, decision.id)
    assert tally is not None
    assert hashlib.sha256(tally.published).hexdigest() == tally.published_sha256
    assert tally.result["ballots_sha256"] == hashlib.sha256(tally.published).hexdigest()
    path = tmp_path / "ballots.json"
    path.write_bytes(tally.published)
    checked = app.test_cli_runner().invoke(args=["decisions", "verify", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "whole result" in checked.output


def test_a_share_is_written_as_the_readers_locale_writes_a_percentage(app: Flask) -> None:
    written = {}
    for language in ("en-GB", "fr-FR", "de-DE"):
        with app.test_request_context(headers={"Accept-Language": language}):
            flask_babel.refresh()  # the test's app context may hold another locale
            written[language] = _percent("4/7")
    assert written["en-GB"] == "57.1%"
    assert written["fr-FR"] in {"57,1\u202f%", "57,1\u00a0%"}
    assert written["de-DE"] in {"57,1\u202f%", "57,1\u00a0%"}


def test_double_majority_stance_with_a_block_through_the_app(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    round_, (nord, sud, est) = three_territories(session, user)
    decision = opened(
        session,
        round_,
        method="consent",
        options=["Parc"],
        settings={"double_majority": True, "territory_threshold": "1/2"},
    )
    for _ in range(4):
        vote(session, decision, round_, nord, {"stance": "agree"})
    for _ in range(2):
        vote(session, decision, round_, sud, {"stance": "disagree"})
    vote(session, decision, round_, est, {"stance": "disagree"})
    close_decision(session, decision=decision, round_=round_, now=utcnow())
    session.commit()
    worker.run_once(session, now=utcnow())
    tally = session.get(DecisionTally, decision.id)
    assert tally is not None
    assert tally.result["explanation"]["share"] == "4/7"
    assert tally.result["passed"] is False  # in favour in only one territory of three
    page = client.get(f"/decisions/{decision.id}/results").get_data(as_text=True)
    assert "The proposal does not pass." in page
    assert "or block: 57.1% (required: more than 50.0%)" in page
    assert "territories in favour 33.3% (required: more than 50.0%)" in page

    blocked = opened(session, round_, method="consent", options=["Piscine"])
    vote(session, blocked, round_, nord, {"stance": "agree"})
    vote(session, blocked, round_, sud, {"stance": "block", "reason": "Trop d'eau <b>"})
    close_decision(session, decision=blocked, round_=round_, now=utcnow())
    session.commit()
    worker.run_once(session, now=utcnow())
    page = client.get(f"/decisions/{blocked.id}/results").get_data(as_text=True)
    assert "Trop d&#39;eau &lt;b&gt;" in page
    assert "The proposal does not pass." in page


def test_facilitators_never_see_an_individual_ballot(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    town = make_territory(session)
    round_ = make_round(session, facilitators=[user], territories=[town], phase=Phase.DECIDING)
    decision = opened(session, round_, method="consent", options=["Parc"])
    vote(session, decision, round_, town, {"stance": "block", "reason": "Secret reason"})
    sign_in_as(client, user)
    for url in (
        f"/facilitate/decisions/{decision.id}",
        f"/facilitate/rounds/{round_.id}/decisions",
        f"/decisions/{decision.id}/results",
    ):
        assert "Secret reason" not in client.get(url).get_data(as_text=True)
    assert client.get(f"/decisions/{decision.id}/ballots.json").status_code == 404


def test_live_results_are_hidden_by_default_and_provisional_when_shown(
    client: FlaskClient, session: Session
) -> None:
    town = make_territory(session)
    round_ = make_round(session, territories=[town], phase=Phase.DECIDING, privacy_k=1)
    hidden = opened(session, round_, options=["Parc", "Piscine"])
    shown = opened(session, round_, options=["Parc", "Piscine"], live_results=True)
    for decision in (hidden, shown):
        vote(session, decision, round_, town, {"ranking": [["B"], ["A"]]})
    gone = vote(session, shown, round_, town, {"ranking": [["A"]]})
    vote(session, shown, round_, town, {"ranking": [["A"]]})
    withdraw(session, gone)
    session.commit()
    worker.run_once(session, now=utcnow())
    assert session.get(DecisionLiveCount, hidden.id) is None
    live = session.get(DecisionLiveCount, shown.id)
    assert live is not None
    assert live.result["winners"] == ["A", "B"]  # the withdrawn ballot left the count
    page = client.get(f"/decisions/{shown.id}/results").get_data(as_text=True)
    assert "Live count (provisional)" in page
    assert "Leading so far: Parc, Piscine" in page
    assert shown.seed_hex is not None
    assert shown.seed_hex not in page
    assert "Several options tied" not in page
    closed = client.get(f"/decisions/{hidden.id}/results").get_data(as_text=True)
    assert "results stay hidden until it closes" in closed
    assert "Piscine" not in closed
    computed = live.computed_at
    worker.run_once(session, now=utcnow())
    session.refresh(live)
    assert live.computed_at == computed  # unchanged ballots are not recounted


def test_receipts_are_off_by_default_and_let_a_voter_find_their_ballot(
    client: FlaskClient, session: Session
) -> None:
    town = make_territory(session)
    round_ = make_round(session, territories=[town], phase=Phase.DECIDING)
    plain = opened(session, round_, options=["Parc", "Piscine"])
    assert (
        cast_ballot(
            session,
            decision=plain,
            round_=round_,
            participant=make_participant(session, round_),
            choice={"ranking": [["A"]]},
            now=utcnow(),
        )
        is None
    )
    decision = opened(session, round_, options=["Parc", "Piscine", "Ombre"], receipts=True)
    voter = make_participant(session, round_, territory_id=town.id)
    act_as(client, voter)
    url = f"/r/{round_.slug}/decisions/{decision.id}"
    first = client.post(url, data={"rank_A": "1"}, follow_redirects=True).get_data(as_text=True)
    old_code = re.search(r"Your receipt code: ([0-9a-f-]+)\.", first)
    assert old_code is not None
    second = client.post(
        url, data={"rank_C": "1", "rank_B": "2", "rank_A": "2"}, follow_redirects=True
    )
    code = re.search(r"Your receipt code: ([0-9a-f-]+)\.", second.get_data(as_text=True))
    assert code is not None
    assert code.group(1) != old_code.group(1)
    stored = session.exec(
        select(DecisionBallot).where(DecisionBallot.decision_id == decision.id)
    ).one()
    assert stored.receipt_sha256 == receipt_sha256(code.group(1))
    assert code.group(1) not in str(stored.choice)
    close_decision(session, decision=decision, round_=round_, now=utcnow())
    session.commit()
    worker.run_once(session, now=utcnow())
    results = f"/decisions/{decision.id}/results"
    found = client.get(results, query_string={"receipt": code.group(1).upper()}).get_data(
        as_text=True
    )
    assert "reads: 1. Ombre; 2. Parc = Piscine" in found
    stale = client.get(results, query_string={"receipt": old_code.group(1)}).get_data(as_text=True)
    assert "No published ballot carries this receipt." in stale
    published = client.get(f"/decisions/{decision.id}/receipts.json").get_json()
    assert published == {
        "candidates": ["A", "B", "C"],
        "receipts": [[receipt_sha256(code.group(1)), [2, 2, 1]]],
    }
    assert client.get(f"/decisions/{plain.id}/receipts.json").status_code == 404


def closed_and_counted(
    session: Session, method: str, choices: list[dict[str, Any]], **overrides: Any
) -> Decision:
    town = make_territory(session)
    round_ = make_round(session, territories=[town], phase=Phase.DECIDING, privacy_k=1)
    decision = opened(session, round_, method=method, options=["Parc", "Piscine", "Ombre"])
    for choice in choices:
        vote(session, decision, round_, town, choice)
    close_decision(session, decision=decision, round_=round_, now=utcnow())
    session.commit()
    worker.run_once(session, now=utcnow())
    return decision


def test_results_explain_instant_runoff_star_and_majority_judgment(
    client: FlaskClient, session: Session
) -> None:
    irv = closed_and_counted(
        session,
        "instant_runoff",
        [{"ranking": [["A"], ["B"]]}] * 2
        + [{"ranking": [["B"]]}] * 2
        + [{"ranking": [["C"], ["B"]]}],
    )
    page = client.get(f"/decisions/{irv.id}/results").get_data(as_text=True)
    assert "Instant-runoff rounds" in page
    assert "Ombre is eliminated" in page
    assert "Piscine is elected" in page
    star = closed_and_counted(
        session, "star", [{"scores": {"A": 5, "B": 4}}, {"scores": {"B": 5, "C": 1}}] * 2
    )
    page = client.get(f"/decisions/{star.id}/results").get_data(as_text=True)
    assert "Automatic runoff between the two highest totals" in page
    assert "No preference" in page
    graded = closed_and_counted(
        session,
        "majority_judgment",
        [{"scores": {"A": 5, "B": 3, "C": 0}}, {"scores": {"A": 2, "B": 3, "C": 1}}],
    )
    page = client.get(f"/decisions/{graded.id}/results").get_data(as_text=True)
    assert "Merit profiles" in page
    assert 'role="img"' in page
    assert "<title>Excellent: 50%</title>" in page


def test_rank_array_reads_stored_rankings_as_the_decoder_does() -> None:
    """Sealing reads ranked ballots from their JSON texts without decoding them one by one:
    ties, truncation, an empty ranking and gaps in the labels come out as decoding gives."""
    labels = ["A", "C", "D", "T"]
    choices = [
        {"ranking": [["C"], ["A", "T"]]},
        {"ranking": []},
        {"ranking": [["T"], ["D"], ["C"], ["A"]]},
        {"ranking": [["D", "A", "C", "T"]]},
    ]
    expected = [
        [next((d for d, g in enumerate(c["ranking"], 1) if label in g), 0) for label in labels]
        for c in choices
    ]
    text = "\n".join(json.dumps(c) for c in choices)
    assert rank_array(text, labels).tolist() == expected
    with pytest.raises(MethodError):
        rank_array('{"ranking": [["B"]]}', labels)
