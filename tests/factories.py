"""Factories with valid defaults, so that a test states only what it cares about."""

from __future__ import annotations

import itertools
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import object_session
from sqlmodel import Session, select

from deliberation.clock import utcnow
from deliberation.decisions.counting import store_tally
from deliberation.decisions.methods import default_settings
from deliberation.decisions.service import close_decision, open_decision
from deliberation.models import (
    ApiToken,
    Council,
    CouncilOwner,
    Decision,
    DecisionBallot,
    DecisionOption,
    Invite,
    Outcome,
    OutcomeCouncil,
    OutcomeKind,
    Participant,
    Phase,
    Proposal,
    ProposalAuthor,
    ProposalStatement,
    ProposalVersion,
    Role,
    Round,
    RoundFacilitator,
    RoundTerritory,
    Statement,
    StatementStatus,
    Territory,
    TerritoryOwner,
    TextKind,
    TokenScope,
    Translation,
    TranslationOrigin,
    User,
)
from deliberation.services.accounts import create_user
from deliberation.services.api_tokens import token_hash
from deliberation.services.participation import NOTICE_VERSION, issue_session_key
from deliberation.services.statements import normalize_text
from voting.methods import REGISTRY

_counter = itertools.count(1)
PASSWORD = "correct horse battery"


def make_user(session: Session, **overrides: Any) -> User:
    fields: dict[str, Any] = {
        "email": f"facilitator{next(_counter)}@example.org",
        "password": PASSWORD,
        "role": Role.FACILITATOR,
    }
    fields.update(overrides)
    user = create_user(session, **fields)
    session.commit()
    return user


def make_territory(
    session: Session, *, owners: list[User] | None = None, **overrides: Any
) -> Territory:
    n = next(_counter)
    fields: dict[str, Any] = {"slug": f"town-{n}", "names": {"en": f"Town {n}", "fr": f"Ville {n}"}}
    fields.update(overrides)
    territory = Territory(**fields)
    session.add(territory)
    session.flush()
    for owner in owners or []:
        session.add(TerritoryOwner(territory_id=territory.id, user_id=owner.id))
    session.commit()
    return territory


def make_council(
    session: Session,
    *,
    territory: Territory | None = None,
    owners: list[User] | None = None,
    **overrides: Any,
) -> Council:
    n = next(_counter)
    territory = territory or make_territory(session)
    fields: dict[str, Any] = {
        "slug": f"council-{n}",
        "names": {"en": f"Council {n}", "fr": f"Conseil {n}"},
        "territory_id": territory.id,
    }
    fields.update(overrides)
    council = Council(**fields)
    session.add(council)
    session.flush()
    for owner in owners or []:
        session.add(CouncilOwner(council_id=council.id, user_id=owner.id))
    session.commit()
    return council


def make_token(
    session: Session,
    *,
    council: Council | None = None,
    scope: TokenScope = TokenScope.READ,
    revoked: bool = False,
) -> str:
    """A council API token's secret (the council made if not given)."""
    council = council or make_council(session)
    secret = f"plb_test{next(_counter)}"
    session.add(
        ApiToken(
            council_id=council.id,
            label="test",
            scope=scope,
            token_hash=token_hash(secret),
            prefix=secret[:12],
            revoked_at=utcnow() if revoked else None,
        )
    )
    session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def make_outcome(
    session: Session,
    *,
    round_: Round | None = None,
    councils: list[Council] | None = None,
    **overrides: Any,
) -> Outcome:
    """An outcome of a closed round, addressed to ``councils``."""
    round_ = round_ or make_round(session, phase=Phase.CLOSED)
    fields: dict[str, Any] = {
        "round_id": round_.id,
        "kind": OutcomeKind.RECOMMENDATION,
        "language": "en",
        "title": f"Shade the school yards {next(_counter)}",
        "text": "Plant trees in every school yard before next summer.",
    }
    fields.update(overrides)
    outcome = Outcome(**fields)
    session.add(outcome)
    session.flush()
    for council in councils or []:
        session.add(OutcomeCouncil(outcome_id=outcome.id, council_id=council.id))
    session.commit()
    return outcome


def make_round(
    session: Session,
    *,
    territories: list[Territory] | None = None,
    facilitators: list[User] | None = None,
    **overrides: Any,
) -> Round:
    n = next(_counter)
    fields: dict[str, Any] = {
        "slug": f"round-{n}",
        "title": {"en": f"Round {n}", "fr": f"Tour {n}"},
        "question": {"en": "How do we adapt to heat?", "fr": "Comment s'adapter à la chaleur ?"},
        "framing": {"en": "Summers are **hotter**.", "fr": "Les étés sont plus **chauds**."},
        "languages": ["en", "fr", "es", "de"],
        "phase": Phase.OPEN,
    }
    fields.update(overrides)
    round_ = Round(**fields)
    session.add(round_)
    session.flush()
    for territory in territories if territories is not None else [make_territory(session)]:
        session.add(RoundTerritory(round_id=round_.id, territory_id=territory.id))
    for user in facilitators or []:
        session.add(RoundFacilitator(round_id=round_.id, user_id=user.id))
    session.commit()
    return round_


def first_territory_id(session: Session, round_: Round) -> int:
    link = session.exec(select(RoundTerritory).where(RoundTerritory.round_id == round_.id)).first()
    assert link is not None
    return link.territory_id


def make_invite(session: Session, round_: Round, **overrides: Any) -> Invite:
    fields: dict[str, Any] = {
        "round_id": round_.id,
        "territory_id": first_territory_id(session, round_),
        "key": f"key-{next(_counter)}",
    }
    fields.update(overrides)
    invite = Invite(**fields)
    session.add(invite)
    session.commit()
    return invite


def make_participant(session: Session, round_: Round, **overrides: Any) -> Participant:
    fields: dict[str, Any] = {
        "round_id": round_.id,
        "territory_id": first_territory_id(session, round_),
        "language": "en",
        "notice_version": NOTICE_VERSION,
    }
    fields.update(overrides)
    participant = Participant(**fields)
    session.add(participant)
    session.commit()
    return participant


def make_statement(session: Session, round_: Round, **overrides: Any) -> Statement:
    fields: dict[str, Any] = {
        "round_id": round_.id,
        "text": f"Statement number {next(_counter)}",
        "language": "en",
        "status": StatementStatus.ACCEPTED,
        "is_seed": True,
    }
    fields.update(overrides)
    fields.setdefault("normalized_text", normalize_text(fields["text"]))
    statement = Statement(**fields)
    session.add(statement)
    session.commit()
    return statement


def make_translation(session: Session, statement: Statement, **overrides: Any) -> Translation:
    """A reviewed facilitator's translation of ``statement`` into French unless told otherwise."""
    fields: dict[str, Any] = {
        "round_id": statement.round_id,
        "kind": TextKind.STATEMENT,
        "text_id": statement.id,
        "language": "fr",
        "text": f"Traduction de {statement.text}",
        "origin": TranslationOrigin.HUMAN,
        "reviewed": True,
        "status": StatementStatus.ACCEPTED,
    }
    fields.update(overrides)
    translation = Translation(**fields)
    session.add(translation)
    session.commit()
    return translation


def sign_in_as(client: FlaskClient, user: User) -> None:
    """Give ``client`` the session cookie of a sign-in as ``user`` (its current version)."""
    with client.session_transaction() as browser_session:
        browser_session["user_id"] = user.id
        browser_session["session_version"] = user.session_version


def act_as(client: FlaskClient, participant: Participant) -> None:
    """Make ``client`` the browser of ``participant`` (a new session key, committed)."""
    db = object_session(participant)
    assert db is not None, "act_as needs a participant of a live session"
    key = issue_session_key(participant)
    db.add(participant)
    db.commit()
    with client.session_transaction() as browser_session:
        browser_session["participants"] = {str(participant.round_id): key}


def make_decision(
    session: Session, round_: Round, *, options: list[str] | None = None, **overrides: Any
) -> Decision:
    """A draft decision (Schulze by default, registry defaults) with ``options`` titled as
    given (labelled A, B, ...)."""
    method = overrides.pop("method", "schulze")
    settings = default_settings(REGISTRY[method])
    settings.update(overrides.pop("settings", {}))
    decision = Decision(
        round_id=round_.id, title="Which project first?", method=method, settings=settings
    )
    for name, value in overrides.items():
        setattr(decision, name, value)
    session.add(decision)
    session.flush()
    for label, title in zip("ABCDEFGHIJ", options or [], strict=False):
        session.add(DecisionOption(decision_id=decision.id, label=label, title=title))
    session.commit()
    return decision


def make_counted_decision(
    session: Session,
    round_: Round,
    choices: list[tuple[Territory, dict[str, Any]]],
    **overrides: Any,
) -> Decision:
    """A decision of ``round_`` opened, with one ballot per ``(territory, choice)`` by a new
    participant there (stored as they are, whatever the round's phase), closed and counted.
    Options "Parc", "Piscine", "Ombre" by default."""
    options = overrides.pop("options", ["Parc", "Piscine", "Ombre"])
    decision = make_decision(session, round_, options=options, **overrides)
    open_decision(session, decision=decision, now=utcnow())
    for territory, choice in choices:
        participant = make_participant(session, round_, territory_id=territory.id)
        session.add(
            DecisionBallot(
                decision_id=decision.id,  # type: ignore[arg-type]
                participant_id=participant.id,  # type: ignore[arg-type]
                territory_id=territory.id,  # type: ignore[arg-type]
                choice=choice,
            )
        )
    session.flush()
    close_decision(session, decision=decision, round_=round_, now=utcnow())
    store_tally(session, decision)
    session.commit()
    return decision


def make_proposal(
    session: Session,
    round_: Round,
    *,
    author: Participant | User | None = None,
    statements: list[Statement] | None = None,
    **overrides: Any,
) -> Proposal:
    """A proposal of ``round_`` at version 1, by ``author`` (a participant or an account; a
    new participant of the round by default)."""
    author = author if author is not None else make_participant(session, round_)
    fields: dict[str, Any] = {
        "round_id": round_.id,
        "title": f"Proposal {next(_counter)}",
        "text": "Plant trees in every schoolyard.\n\nOpen cool rooms in summer.",
        "language": "en",
        "territory_id": author.territory_id if isinstance(author, Participant) else None,
    }
    fields.update(overrides)
    proposal = Proposal(**fields)
    session.add(proposal)
    session.flush()
    is_participant = isinstance(author, Participant)
    session.add(
        ProposalAuthor(
            proposal_id=proposal.id,
            participant_id=author.id if is_participant else None,
            user_id=None if is_participant else author.id,
            first=True,
        )
    )
    session.add(
        ProposalVersion(
            proposal_id=proposal.id,
            number=proposal.version,
            title=proposal.title,
            text=proposal.text,
            participant_id=author.id if is_participant else None,
            user_id=None if is_participant else author.id,
        )
    )
    for statement in statements or []:
        session.add(ProposalStatement(proposal_id=proposal.id, statement_id=statement.id))
    session.commit()
    return proposal
