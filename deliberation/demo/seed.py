"""Writing the demo: ``seed_demo`` creates the territories, the facilitator and one round per
phase in ``texts.ROUND_PHASES``, each with its invites, statements, moderation log and votes,
in bulk (a few thousand rows per round, about a second each); ``describe`` lists how to try it.

Each round is written by ``_seed_round``, which returns a ``DemoRound`` with the ids of what it
wrote, so that later steps (proposals, decisions, reports) can build on the matching round.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.demo import bulk, texts
from deliberation.demo.crowd import Ballots, Catalogue, Crowd
from deliberation.demo.decisions import seed_decisions
from deliberation.demo.proposals import seed_proposals
from deliberation.demo.report import seed_report
from deliberation.models import (
    ActorKind,
    AuditEntry,
    Invite,
    Participant,
    Phase,
    Role,
    Round,
    RoundFacilitator,
    RoundTerritory,
    Statement,
    StatementStatus,
    TargetKind,
    Territory,
    TerritoryOwner,
    TerritoryTwin,
    TextKind,
    Translation,
    TranslationOrigin,
    User,
)
from deliberation.opinions.snapshots import compute_snapshot
from deliberation.services.accounts import create_user
from deliberation.services.invites import create_invite, invite_token
from deliberation.services.moderation import AUDIT_ACTIONS, Action
from deliberation.services.rounds import JOINABLE
from deliberation.services.statements import normalize_text
from deliberation.translations.reading import (
    Original,
    choose,
    reader_languages,
    shown_translations,
)

FACILITATOR_EMAIL = "facilitator@palabre.example"
INVITE_LABEL = "Demo"
JOIN_MARGIN = timedelta(days=1)
SECOND_LANGUAGE = {"fr": "de", "de": "fr", "en": "fr", "es": "fr"}
"""The second language a bilingual demo participant reads, by their first."""
BILINGUAL_EVERY = 4
HELPER_EVERY = 12
"""One demo participant in ``BILINGUAL_EVERY`` reads a second language; one in
``HELPER_EVERY`` (all bilingual) offers to help translate."""


def _reads(index: int, language: str) -> list[str]:
    if index % BILINGUAL_EVERY == 0 and language in SECOND_LANGUAGE:
        return [language, SECOND_LANGUAGE[language]]
    return [language]


@dataclass(frozen=True)
class DemoRound:
    """One round ``seed_demo`` wrote: ``participant_ids`` in join order, ``statement_ids`` in
    the order of its spec's statements, and ``latent_groups`` mapping each synthetic
    participant's id to its latent opinion group (0, 1 or 2, see ``texts``)."""

    round: Round
    spec: texts.RoundSpec
    participant_ids: Sequence[int]
    statement_ids: Sequence[int]
    latent_groups: Mapping[int, int]


@dataclass(frozen=True)
class Demo:
    """What ``seed_demo`` wrote: one round per phase, and the facilitator with its password
    when the account was created now (None when it existed already)."""

    rounds: Mapping[Phase, DemoRound]
    facilitator: User
    password: str | None


def demo_slugs() -> list[str]:
    return [texts.round_spec(phase).slug for phase in texts.ROUND_PHASES]


def seed_demo(
    session: Session,
    *,
    participants: int = 300,
    seed: int = 2026,
    if_empty: bool = False,
    password: str | None = None,
) -> Demo | None:
    """Create the demo territories, facilitator and rounds (``participants`` synthetic
    participants each), with their invites, statements and votes; the drafting round also
    gets its proposals (``demo.proposals``), the deciding round its decisions, and the reported
    round its opinion snapshot (the worker computes only live rounds), proposals, a counted
    decision, outcomes addressed to the Strasbourg and Kehl councils, a published version of its
    report and a council answer that came after it (``demo.report``).

    Returns None, writing nothing, when ``if_empty`` is set and the database already has a
    round. Raises ``ValueError`` when ``participants`` is not positive or a demo round exists
    already. Territories with the demo's slugs and the facilitator account are reused when
    they exist; a new facilitator gets ``password`` when it is given, else a random one,
    returned in ``Demo.password``. The caller commits.
    """
    if if_empty and session.exec(select(Round.id).limit(1)).first() is not None:
        return None
    if participants < 1:
        raise ValueError("The demo needs at least one participant.")
    existing = session.exec(select(Round.slug).where(col(Round.slug).in_(demo_slugs()))).first()
    if existing is not None:
        raise ValueError(f"The demo round '{existing}' exists already.")
    facilitator, password = _facilitator(session, password)
    territory_ids = _territories(session, facilitator)
    now = utcnow().replace(microsecond=0)
    streams = np.random.SeedSequence(seed).spawn(len(texts.ROUND_PHASES))
    rounds = {
        phase: _seed_round(
            session,
            texts.round_spec(phase),
            rng=np.random.default_rng(stream),
            facilitator=facilitator,
            territory_ids=territory_ids,
            participants=participants,
            now=now,
        )
        for phase, stream in zip(texts.ROUND_PHASES, streams, strict=True)
    }
    session.flush()
    reported = rounds[Phase.REPORTED]
    compute_snapshot(session, reported.round)
    seed_report(
        session,
        round_=reported.round,
        statement_ids=list(reported.statement_ids),
        facilitator=facilitator,
        latent_groups=dict(reported.latent_groups),
        rng=np.random.default_rng(np.random.SeedSequence(seed).spawn(len(streams) + 2)[-1]),
    )
    deciding = rounds[Phase.DECIDING]
    seed_decisions(
        session,
        deciding.round,
        facilitator=facilitator,
        latent_groups=dict(deciding.latent_groups),
        rng=np.random.default_rng(np.random.SeedSequence(seed).spawn(len(streams) + 1)[-1]),
        now=now,
    )
    seed_proposals(session, rounds[Phase.DRAFTING], facilitator)
    return Demo(rounds=rounds, facilitator=facilitator, password=password)


def _seed_round(
    session: Session,
    spec: texts.RoundSpec,
    *,
    rng: np.random.Generator,
    facilitator: User,
    territory_ids: Sequence[int],
    participants: int,
    now: datetime,
) -> DemoRound:
    """One demo round with its participants, statements, moderation log and votes."""
    round_ = Round(
        **spec.fields,
        phase=spec.phase,
        opens_at=now - timedelta(days=spec.opened_days_ago),
        closes_at=now + timedelta(days=spec.closes_in_days),
    )
    session.add(round_)
    session.flush()
    round_id = _key(round_.id)
    session.add(RoundFacilitator(round_id=round_id, user_id=_key(facilitator.id)))
    session.add_all(RoundTerritory(round_id=round_id, territory_id=t) for t in territory_ids)
    origin = now - timedelta(days=spec.opened_days_ago)
    last_join = min(now, now + timedelta(days=spec.closes_in_days)) - JOIN_MARGIN
    territory_specs = texts.territories()
    crowd = Crowd.draw(
        rng, territory_specs, participants, span=(last_join - origin).total_seconds()
    )
    catalogue = Catalogue.build(
        rng, crowd, spec.statements, [territory.slug for territory in territory_specs]
    )
    ballots = Ballots.draw(rng, crowd, catalogue)

    def at(seconds: float) -> datetime:
        return origin + timedelta(seconds=round(float(seconds), 3))

    invites = _invites(session, round_id, territory_ids, crowd)
    participant_ids = bulk.insert_returning_ids(
        session,
        Participant,
        [
            {
                "round_id": round_id,
                "territory_id": invites[territory].territory_id,
                "invite_id": invites[territory].id,
                "language": language,
                "reads": _reads(index, language),
                "translates": index % HELPER_EVERY == 0,
                "created_at": at(joined),
            }
            for index, (territory, language, joined) in enumerate(
                zip(crowd.territories, crowd.languages, crowd.joined, strict=True)
            )
        ],
    )
    statement_ids = bulk.insert_returning_ids(
        session,
        Statement,
        [
            _statement_row(
                round_id,
                statement,
                index,
                catalogue=catalogue,
                participant_ids=participant_ids,
                territory_ids=territory_ids,
                at=at,
            )
            for index, statement in enumerate(catalogue.specs)
        ],
    )
    bulk.insert_rows(
        session,
        Translation,
        _translation_rows(
            round_id,
            catalogue.specs,
            statement_ids,
            translators=_translators(participant_ids, crowd.languages),
            at=at(catalogue.created.max()) if len(catalogue.created) else origin,
        ),
    )
    bulk.insert_rows(
        session,
        AuditEntry,
        (
            {
                "actor_kind": ActorKind.ACCOUNT.value,
                "actor_user_id": facilitator.id,
                "action": AUDIT_ACTIONS[
                    Action.ACCEPT if statement.status == StatementStatus.ACCEPTED else Action.REJECT
                ].value,
                "target_kind": TargetKind.STATEMENT.value,
                "target_id": statement_ids[index],
                "round_id": round_id,
                "details": (
                    {"reason": statement.rejection_reason} if statement.rejection_reason else {}
                ),
                "created_at": at(catalogue.moderated[index]),
            }
            for index, statement in enumerate(catalogue.specs)
            if not np.isnan(catalogue.moderated[index])
        ),
    )
    bulk.write_votes(
        session,
        round_id=round_id,
        participant=np.asarray(participant_ids)[ballots.voters],
        statement=np.asarray(statement_ids)[ballots.statements],
        value=ballots.values,
        times=[at(time) for time in ballots.times],
        languages=_shown_languages(
            session,
            round_,
            crowd=crowd,
            catalogue=catalogue,
            ballots=ballots,
            statement_ids=statement_ids,
        ),
    )
    return DemoRound(
        round=round_,
        spec=spec,
        participant_ids=participant_ids,
        statement_ids=statement_ids,
        latent_groups=dict(zip(participant_ids, (int(g) for g in crowd.groups), strict=True)),
    )


def _translators(
    participant_ids: Sequence[int], languages: Sequence[str]
) -> dict[frozenset[str], int]:
    """A helper participant per pair of languages they read, to author demo translations."""
    found: dict[frozenset[str], int] = {}
    for index, (participant_id, language) in enumerate(
        zip(participant_ids, languages, strict=True)
    ):
        if index % HELPER_EVERY == 0:
            found.setdefault(frozenset(_reads(index, language)), participant_id)
    return found


def _shown_languages(
    session: Session,
    round_: Round,
    *,
    crowd: Crowd,
    catalogue: Catalogue,
    ballots: Ballots,
    statement_ids: Sequence[int],
) -> list[str]:
    """The language each demo vote's statement was shown in, by the app's reading rule for
    the voter's languages and the translations shown (so counts by language have data)."""
    translations = shown_translations(
        session, round_, kind=TextKind.STATEMENT, text_ids=list(statement_ids)
    )
    originals = [
        Original(statement_id, spec.text, spec.language)
        for spec, statement_id in zip(catalogue.specs, statement_ids, strict=True)
    ]
    shown: dict[tuple[int, int], str] = {}
    for voter, statement in zip(ballots.voters.tolist(), ballots.statements.tolist(), strict=True):
        if (voter, statement) not in shown:
            original = originals[statement]
            languages = reader_languages(
                crowd.languages[voter], _reads(voter, crowd.languages[voter])
            )
            shown[voter, statement] = choose(
                original, translations.get(original.id, {}), languages
            ).language
    return [
        shown[voter, statement]
        for voter, statement in zip(
            ballots.voters.tolist(), ballots.statements.tolist(), strict=True
        )
    ]


def _translation_rows(
    round_id: int,
    specs: Sequence[texts.StatementSpec],
    statement_ids: Sequence[int],
    *,
    translators: Mapping[frozenset[str], int],
    at: datetime,
) -> list[dict[str, object]]:
    """The demo's translations: facilitators' and participants' reviewed ones shown at once;
    participants' awaiting review pending (in the moderation queue and helpers' tasks);
    machine ones shown with their label."""
    rows: list[dict[str, object]] = []
    for spec, statement_id in zip(specs, statement_ids, strict=True):
        for translation in spec.translations:
            by_participant = translation.origin == TranslationOrigin.PARTICIPANT
            rows.append(
                {
                    "round_id": round_id,
                    "kind": TextKind.STATEMENT,
                    "text_id": statement_id,
                    "language": translation.language,
                    "text": translation.text,
                    "origin": translation.origin,
                    "reviewed": translation.reviewed,
                    "status": StatementStatus.ACCEPTED
                    if translation.reviewed or not by_participant
                    else StatementStatus.PENDING,
                    "author_participant_id": translators.get(
                        frozenset({spec.language, translation.language})
                    )
                    if by_participant
                    else None,
                    "created_at": at,
                    "updated_at": at,
                    "reviewed_at": at if translation.reviewed else None,
                }
            )
    return rows


def _statement_row(
    round_id: int,
    spec: texts.StatementSpec,
    index: int,
    *,
    catalogue: Catalogue,
    participant_ids: Sequence[int],
    territory_ids: Sequence[int],
    at: Callable[[float], datetime],
) -> dict[str, object]:
    author = int(catalogue.authors[index])
    moderated = catalogue.moderated[index]
    slugs = [territory.slug for territory in texts.territories()]
    return {
        "round_id": round_id,
        "text": spec.text,
        "normalized_text": normalize_text(spec.text),
        "language": spec.language,
        "is_seed": spec.is_seed,
        "is_meta": spec.is_meta,
        "status": spec.status,
        "rejection_reason": spec.rejection_reason,
        "author_participant_id": participant_ids[author] if author >= 0 else None,
        "author_territory_id": None
        if spec.author_territory is None
        else territory_ids[slugs.index(spec.author_territory)],
        "created_at": at(catalogue.created[index]),
        "moderated_at": None if np.isnan(moderated) else at(moderated),
    }


def describe(session: Session, url_for: Callable[..., str]) -> Iterator[str]:
    """Lines telling how to try the demo: the facilitator sign-in, then each demo round with
    its facilitator and citizens' pages and, for a round people can join (open, drafting,
    deciding), one invite URL per territory. The demo's invite links are reused; one is created only for a territory that
    has no usable one left. ``url_for`` must build external URLs (inside a request context)."""
    rounds = session.exec(
        select(Round).where(col(Round.slug).in_(demo_slugs())).order_by(col(Round.id))
    ).all()
    if not rounds:
        yield "No demo round in this database (create it with: flask --app app demo seed)."
        return
    yield f"Facilitator sign-in: {url_for('auth.sign_in', _external=True)}"
    yield f"  email: {FACILITATOR_EMAIL}"
    for round_ in rounds:
        yield f"Round '{round_.slug}' ({round_.phase}): {round_.text('title', 'en')}"
        yield f"  facilitate: {url_for('facilitate.round_page', round_id=round_.id, _external=True)}"
        yield f"  opinion map: {url_for('opinions.opinion_map', slug=round_.slug, _external=True)}"
        if round_.phase == Phase.REPORTED:
            yield f"  report: {url_for('reports.report_page', slug=round_.slug, _external=True)}"
        if round_.phase == Phase.DRAFTING:
            yield f"  proposals: {url_for('proposals.proposal_list', slug=round_.slug, _external=True)}"
        if round_.phase == Phase.DECIDING:
            yield (
                "  decisions: "
                + url_for("decisions.participant_decisions", slug=round_.slug, _external=True)
            )
        if round_.phase in JOINABLE:
            yield "  invite links, one per territory:"
            for territory, invite in _territory_invites(session, round_):
                url = url_for("participate.join", token=invite_token(invite), _external=True)
                yield f"    {territory.name('en')}: {url}"


def _territory_invites(session: Session, round_: Round) -> Iterator[tuple[Territory, Invite]]:
    """Each territory of the round with its first unrevoked, uncapped invite (made if none)."""
    territories = session.exec(
        select(Territory)
        .join(RoundTerritory, col(RoundTerritory.territory_id) == Territory.id)
        .where(RoundTerritory.round_id == round_.id)
        .order_by(col(Territory.id))
    ).all()
    for territory in territories:
        invite = session.exec(
            select(Invite)
            .where(
                Invite.round_id == round_.id,
                Invite.territory_id == territory.id,
                col(Invite.revoked_at).is_(None),
                col(Invite.single_use).is_(False),
                col(Invite.max_participants).is_(None),
            )
            .order_by(col(Invite.id))
        ).first()
        if invite is None:
            invite = create_invite(
                session, round_=round_, territory_id=_key(territory.id), label=INVITE_LABEL
            )
        yield territory, invite


def _facilitator(session: Session, password: str | None) -> tuple[User, str | None]:
    """The demo facilitator account and its new password (``password``, else a random one),
    or the existing account and None."""
    existing = session.exec(select(User).where(User.email == FACILITATOR_EMAIL)).first()
    if existing is not None:
        return existing, None
    password = password or secrets.token_urlsafe(12)
    user = create_user(session, email=FACILITATOR_EMAIL, password=password, role=Role.FACILITATOR)
    return user, password


def _territories(session: Session, facilitator: User) -> list[int]:
    """The ids of the demo territories (existing rows reused by slug), twinned as the data
    says, in the order of ``texts.territories()``; the facilitator owns the ones made here."""
    ids: dict[str, int] = {}
    for spec in texts.territories():
        territory = session.exec(select(Territory).where(Territory.slug == spec.slug)).first()
        if territory is None:
            territory = Territory(**spec.fields, created_by_id=facilitator.id)
            session.add(territory)
            session.flush()
            session.add(
                TerritoryOwner(territory_id=_key(territory.id), user_id=_key(facilitator.id))
            )
        ids[spec.slug] = _key(territory.id)
    for first, second in texts.twins():
        low, high = sorted((ids[first], ids[second]))
        if session.get(TerritoryTwin, (low, high)) is None:
            session.add(TerritoryTwin(territory_id=low, twin_id=high))
    session.flush()
    return [ids[spec.slug] for spec in texts.territories()]


def _key(value: int | None) -> int:
    """The primary key of a flushed row (raises ``ValueError`` if the row was not flushed)."""
    if value is None:
        raise ValueError("The row has no primary key yet: flush the session first.")
    return value


def _invites(
    session: Session, round_id: int, territory_ids: Sequence[int], crowd: Crowd
) -> list[Invite]:
    """One invite per territory, its ``uses`` counting the synthetic participants it admitted."""
    uses = np.bincount(crowd.territories, minlength=len(territory_ids))
    invites = [
        Invite(
            round_id=round_id,
            territory_id=territory_id,
            key=secrets.token_urlsafe(12),
            label=INVITE_LABEL,
            uses=int(count),
        )
        for territory_id, count in zip(territory_ids, uses, strict=True)
    ]
    session.add_all(invites)
    session.flush()
    return invites
