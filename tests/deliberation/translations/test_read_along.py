"""A card's shown translations read with the queue check (``shown_along``, PostgreSQL) give
the reading the reading rule gives when it queries them (``read_statements``)."""

from __future__ import annotations

from datetime import timedelta
from itertools import permutations

import pytest
from sqlmodel import Session

from deliberation.clock import utcnow
from deliberation.db import fetch
from deliberation.models import ModerationMode, StatementStatus, TranslationOrigin
from deliberation.services import routing, votes
from deliberation.translations.reading import Original, read_along, read_statements
from tests.factories import make_participant, make_round, make_statement, make_translation

pytestmark = pytest.mark.postgres

READERS = [
    [],
    *([*languages] for n in (1, 2, 3) for languages in permutations(["en", "fr", "de"], n)),
]


@pytest.mark.parametrize("mode", [ModerationMode.PRE, ModerationMode.POST])
def test_shown_along_reads_as_the_reading_rule(session: Session, mode: ModerationMode) -> None:
    round_ = make_round(session, languages=["en", "fr", "de"], moderation_mode=mode)
    plain = make_statement(session, round_, text="Plant trees", language="en")
    ranked = make_statement(session, round_, text="Mehr Bäume", language="de")
    # The one shown neither first nor last, whatever order they are read in.
    make_translation(session, ranked, text="participant", origin=TranslationOrigin.PARTICIPANT)
    make_translation(session, ranked, text="newer human", updated_at=utcnow() - timedelta(days=1))
    make_translation(
        session, ranked, text="machine", origin=TranslationOrigin.MACHINE, reviewed=False
    )
    make_translation(session, ranked, text="older human", updated_at=utcnow() - timedelta(days=2))
    make_translation(session, ranked, language="en", text="More trees")
    hidden = make_statement(session, round_, text="Moins de voitures", language="fr")
    make_translation(
        session, hidden, language="en", origin=TranslationOrigin.PARTICIPANT, reviewed=False
    )
    make_translation(session, hidden, language="de", text="pending", status=StatementStatus.PENDING)
    make_translation(
        session,
        hidden,
        language="de",
        text="rejected",
        status=StatementStatus.REJECTED,
        rejection_reason="x",
    )
    participant = make_participant(session, round_, reads=["en", "fr", "de"])
    statements = [plain, ranked, hidden]
    for statement in statements:
        # Each statement first in the queue in turn: only the first card's are read along.
        queue = [statement.id, *(s.id for s in statements if s is not statement)]
        check = routing.queued_check(round_, participant, queue, skip=None, postgres=True)  # type: ignore[arg-type]
        assert check is not None
        shown = check.shown(fetch(session, check.query, check.params))
        assert shown is not None
        assert set(shown) == {statement.id}
        original = Original(statement.id, statement.text, statement.language)  # type: ignore[arg-type]
        for languages in READERS:
            expected = read_statements(session, round_, [statement], languages)[statement.id]
            assert read_along(original, shown[statement.id], languages) == expected, (
                statement.text,
                languages,
            )


def test_only_the_first_open_card_is_read_along(session: Session) -> None:
    """The translations read along a queue check are the first open card's in the queue's
    order, that card being first among those still open, in the round and votable: the others
    go on as ids only, and the card shown is read along, not queried."""
    round_ = make_round(session, languages=["en", "fr"])
    other_round = make_statement(session, make_round(session, languages=["en", "fr"]))
    rejected = make_statement(
        session, round_, status=StatementStatus.REJECTED, rejection_reason="x"
    )
    voted, first, later = (make_statement(session, round_, language="fr") for _ in range(3))
    for statement in (other_round, rejected, voted, first, later):
        make_translation(session, statement, language="en" if statement.language == "fr" else "fr")
    participant = make_participant(session, round_, reads=["en"])
    votes.cast_vote(session, round_=round_, participant=participant, statement_id=voted.id, value=1)  # type: ignore[arg-type]
    session.commit()
    for closed in (other_round, rejected, voted):
        queue = [closed.id, first.id, later.id]
        check = routing.queued_check(round_, participant, queue, skip=None, postgres=True)  # type: ignore[arg-type]
        assert check is not None
        rows = fetch(session, check.query, check.params)
        assert [card.id for card in check.cards(rows)] == [first.id]
        assert check.rest == [later.id]
        shown = check.shown(rows)
        assert shown is not None
        assert list(shown) == [first.id]
        assert shown[first.id] is not None
        assert "en" in shown[first.id]
    check = routing.queued_check(
        round_, participant, [first.id, later.id], skip=None, postgres=True
    )  # type: ignore[arg-type]
    assert check is not None
    rows = fetch(session, check.query, check.params)
    assert [card.id for card in check.cards(rows)] == [first.id, later.id]
    assert list(check.shown(rows) or {}) == [first.id]
