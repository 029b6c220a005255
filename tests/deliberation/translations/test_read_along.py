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
from deliberation.services import routing
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
    check = routing.queued_check(
        round_,
        participant,
        [s.id for s in statements],  # type: ignore[misc]
        skip=None,
        postgres=True,
    )
    assert check is not None
    rows = fetch(session, check.query, check.params)
    shown = check.shown(rows)
    assert set(shown) == {s.id for s in statements}
    for statement in statements:
        original = Original(statement.id, statement.text, statement.language)  # type: ignore[arg-type]
        for languages in READERS:
            expected = read_statements(session, round_, [statement], languages)[statement.id]
            assert read_along(original, shown[statement.id], languages) == expected, (
                statement.text,
                languages,
            )
