"""Routing by readable languages: nobody gets a statement they cannot read; untranslated
statements go first to readers of their language; no statement is starved."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
from sqlmodel import Session

from deliberation.models import Participant, Round, TranslationOrigin
from deliberation.services import routing
from deliberation.services.routing import UNTRANSLATED_BOOST, Priorities, next_statements
from tests.factories import make_participant, make_round, make_statement, make_translation


def _draws(
    session: Session,
    round_: Round,
    participant: Participant,
    priorities: Priorities | None,
    n: int,
) -> Counter[int | None]:
    drawn: Counter[int | None] = Counter()
    for i in range(n):
        cards = next_statements(
            session,
            round_=round_,
            participant=participant,
            rng=random.Random(i),
            priorities=priorities,
        )
        drawn[cards[0].id if cards else None] += 1
    return drawn


def _even(ids: list[int]) -> Priorities:
    return Priorities(
        ids=np.array(ids, dtype=np.int64), weights=np.ones(len(ids), dtype=np.float64)
    )


def test_nobody_is_sent_a_statement_they_cannot_read(session: Session) -> None:
    round_ = make_round(session, languages=["fr", "de", "en"])
    untranslated = make_statement(session, round_, language="de", is_seed=False)
    translated = make_statement(session, round_, language="de", is_seed=False)
    make_translation(session, translated, language="fr")
    machine = make_statement(session, round_, language="en", is_seed=False)
    make_translation(
        session, machine, language="fr", origin=TranslationOrigin.MACHINE, reviewed=False
    )
    unreviewed = make_statement(session, round_, language="en", is_seed=False)
    make_translation(
        session, unreviewed, language="fr", origin=TranslationOrigin.PARTICIPANT, reviewed=False
    )
    french = make_statement(session, round_, language="fr", is_seed=False)
    reader = make_participant(session, round_, language="fr", reads=["fr"])
    readable = {translated.id, machine.id, french.id}
    everything = [untranslated.id, translated.id, machine.id, unreviewed.id, french.id]
    for priorities in (None, _even(everything)):
        assert set(_draws(session, round_, reader, priorities, 200)) == readable
    polyglot = make_participant(session, round_, language="fr", reads=["fr", "de", "en"])
    assert set(_draws(session, round_, polyglot, _even(everything), 300)) == set(everything)


def test_nothing_left_when_only_unreadable_statements_remain(session: Session) -> None:
    round_ = make_round(session, languages=["fr", "de"])
    german = make_statement(session, round_, language="de")
    reader = make_participant(session, round_, language="fr", reads=["fr"])
    assert _draws(session, round_, reader, _even([german.id]), 5) == Counter({None: 5})


def test_untranslated_statements_go_first_to_readers_of_their_language(
    session: Session,
) -> None:
    round_ = make_round(session, languages=["fr", "de", "en"])
    untranslated = make_statement(session, round_, language="de", is_seed=False)
    done = make_statement(session, round_, language="de", is_seed=False)
    make_translation(session, done, language="fr")
    make_translation(session, done, language="en")
    german_reader = make_participant(session, round_, language="de", reads=["de"])
    drawn = _draws(session, round_, german_reader, _even([untranslated.id, done.id]), 1200)
    share = drawn[untranslated.id] / 1200
    expected = UNTRANSLATED_BOOST / (UNTRANSLATED_BOOST + 1)
    assert abs(share - expected) < 0.05

    french_reader = make_participant(session, round_, language="fr", reads=["fr"])
    assert set(_draws(session, round_, french_reader, _even([untranslated.id, done.id]), 50)) == {
        done.id
    }


def test_a_draw_counts_translations_only_where_it_may_boost(session: Session) -> None:
    """A draw weighs a statement's translations only for readers of its language: for a
    reader of others it is read in translation, and its count is not read at all."""
    round_ = make_round(session, languages=["fr", "de", "en"])
    german = make_statement(session, round_, language="de", is_seed=False)
    make_translation(session, german, language="fr")
    french = make_statement(session, round_, language="fr", is_seed=False)
    counts = {}
    for reads in (["fr"], ["fr", "de", "en"]):
        reader = make_participant(session, round_, language="fr", reads=reads)
        _first, sampled = routing._candidates(
            session, round_=round_, participant=reader, ids=[german.id, french.id], skip=None
        )
        counts[len(reads)] = {row.id: row.translated for row in sampled}
    assert counts[1] == {german.id: None, french.id: 0}
    assert counts[3] == {german.id: 1, french.id: 0}


def test_the_boost_never_starves_a_statement(session: Session) -> None:
    round_ = make_round(session, languages=["fr", "de"])
    untranslated = [make_statement(session, round_, language="de", is_seed=False) for _ in range(6)]
    translated = make_statement(session, round_, language="de", is_seed=False)
    make_translation(session, translated, language="fr")
    reader = make_participant(session, round_, language="de", reads=["de", "fr"])
    ids = [s.id for s in untranslated] + [translated.id]
    drawn = _draws(session, round_, reader, _even(ids), 600)
    assert set(drawn) == set(ids)
    expected = 1 / (6 * UNTRANSLATED_BOOST + 1)
    assert drawn[translated.id] / 600 > expected / 2
