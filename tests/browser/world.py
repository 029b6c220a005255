"""The data the browser scenarios start from, built with the factories and services."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from deliberation.models import ModerationMode, Round, Statement, User
from deliberation.services.invites import create_invite, invite_token
from deliberation.services.statements import add_seed_statement
from tests.factories import make_round, make_territory, make_user


@dataclass(frozen=True)
class TwinnedRound:
    """A pre-moderated round in two twinned towns, with seed statements and one invite each."""

    round: Round
    facilitator: User
    seeds: list[Statement]
    home_invite_url: str
    twin_invite_url: str


SEED_TEXTS = (
    "Every school yard should have trees for shade.",
    "Public fountains should stay open all summer.",
    "Cooling rooms should open in every district during heat waves.",
    "Car traffic should be limited in the town centre on the hottest days.",
    "New buildings should have green roofs.",
)


def build_twinned_round(session: Session) -> TwinnedRound:
    """Built through the factories and services, not the UI; needs an app context."""
    facilitator = make_user(session)
    home = make_territory(
        session, slug="chambery", names={"en": "Chambéry", "fr": "Chambéry", "it": "Ciamberì"}
    )
    twin = make_territory(
        session, slug="turin", names={"en": "Turin", "fr": "Turin", "it": "Torino"}
    )
    round_ = make_round(
        session,
        territories=[home, twin],
        facilitators=[facilitator],
        title={"en": "Heat in our towns", "fr": "La chaleur dans nos villes"},
        question={
            "en": "How should our towns adapt to hotter summers?",
            "fr": "Comment nos villes doivent-elles s'adapter aux étés plus chauds ?",
        },
        moderation_mode=ModerationMode.PRE,
    )
    seeds = [
        add_seed_statement(session, round_=round_, text=text, language="en") for text in SEED_TEXTS
    ]
    home_invite = create_invite(session, round_=round_, territory_id=home.id or 0)
    twin_invite = create_invite(session, round_=round_, territory_id=twin.id or 0)
    session.commit()
    return TwinnedRound(
        round=round_,
        facilitator=facilitator,
        seeds=seeds,
        home_invite_url=f"/join/{invite_token(home_invite)}",
        twin_invite_url=f"/join/{invite_token(twin_invite)}",
    )
