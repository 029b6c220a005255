"""The demonstration round: a cross-border climate deliberation in the Eurodistrict
Strasbourg–Ortenau, with synthetic participants whose votes have real opinion structure.

``seed_demo`` writes it in bulk (a few thousand rows, about a second); ``describe`` lists
the facilitator sign-in and one invite link per territory. The texts below are demo *data*,
not interface strings, so they are not translated through Babel.

How the votes are drawn (deterministic for a given ``seed``):

- every participant belongs to one of three latent opinion groups; the group mix differs by
  territory (Strasbourg leans to the first, the Ortenau district to the third);
- every statement has a stance per group and an optional stance per territory, each one of
  ``A a . d D`` (strongly agree ... strongly disagree); a participant's score is the sum of
  the two, and turns into agree / disagree / pass probabilities (passes are likelier when the
  score is near zero);
- every participant votes on 10 to 40 statements among those visible when they joined (seed
  statements likelier, as routing shows them first), one vote every half minute or so; a few
  votes are changed once, so the event log holds more events than there are current votes.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert
from sqlmodel import Session, col, select

from deliberation.clock import utcnow
from deliberation.models import (
    Invite,
    ModerationLog,
    ModerationMode,
    Participant,
    Phase,
    Role,
    Round,
    RoundFacilitator,
    RoundTerritory,
    Statement,
    StatementStatus,
    Territory,
    TerritoryKind,
    TerritoryTwin,
    User,
    Vote,
    VoteEvent,
)
from deliberation.services.accounts import create_user
from deliberation.services.invites import create_invite, invite_token
from deliberation.services.moderation import Action
from deliberation.services.statements import normalize_text

DEMO_SLUG = "eurodistrict-climate"
FACILITATOR_EMAIL = "facilitator@palabre.example"
INVITE_LABEL = "Demo"
CHUNK = 5_000

STANCES = {"A": 2.5, "a": 1.2, ".": 0.0, "d": -1.2, "D": -2.5}
MIN_VOTES, MAX_VOTES = 10, 40
MEAN_SECONDS_BETWEEN_VOTES = 30.0
CHANGED_VOTE_SHARE = 0.04


@dataclass(frozen=True)
class TerritorySpec:
    """A demo territory: its row, its share of participants, their groups and languages."""

    fields: Mapping[str, Any]
    share: float
    group_mix: tuple[float, float, float]
    languages: Mapping[str, float]


@dataclass(frozen=True)
class StatementSpec:
    """A demo statement: ``groups`` and ``territories`` are three stance letters each (see the
    module docstring), for the three latent groups (0: urban transition, 1: cost of living,
    2: countryside and nature) and for the territories in ``TERRITORIES`` order."""

    text: str
    language: str
    groups: str
    territories: str = "..."


@dataclass(frozen=True)
class DemoRound:
    """What ``seed_demo`` created. ``password`` is the facilitator's password when the account
    was created now (None when it existed already); ``latent_groups`` maps each synthetic
    participant's id to its latent opinion group (0, 1 or 2, see ``StatementSpec``)."""

    round: Round
    password: str | None
    latent_groups: Mapping[int, int]


TERRITORIES: tuple[TerritorySpec, ...] = (
    TerritorySpec(
        fields={
            "slug": "strasbourg",
            "kind": TerritoryKind.MUNICIPALITY,
            "names": {
                "fr": "Strasbourg",
                "de": "Straßburg",
                "en": "Strasbourg",
                "es": "Estrasburgo",
            },
            "eurostat_lau": "67482",
            "lau_year": 2021,
            "nuts": "FRF11",
            "nuts_year": 2021,
            "wikidata": "Q6602",
        },
        share=0.45,
        group_mix=(0.55, 0.25, 0.20),
        languages={"fr": 0.82, "de": 0.08, "en": 0.07, "es": 0.03},
    ),
    TerritorySpec(
        fields={
            "slug": "kehl",
            "kind": TerritoryKind.MUNICIPALITY,
            "names": {"de": "Kehl", "fr": "Kehl", "en": "Kehl", "es": "Kehl"},
            "eurostat_lau": "08317057",
            "lau_year": 2021,
            "nuts": "DE134",
            "nuts_year": 2021,
            "population": 38154,
            "population_year": 2022,
        },
        share=0.25,
        group_mix=(0.35, 0.40, 0.25),
        languages={"de": 0.78, "fr": 0.15, "en": 0.05, "es": 0.02},
    ),
    TerritorySpec(
        fields={
            "slug": "ortenaukreis",
            "kind": TerritoryKind.DISTRICT,
            "names": {
                "de": "Ortenaukreis",
                "fr": "Arrondissement de l'Ortenau",
                "en": "Ortenau district",
                "es": "Distrito de Ortenau",
            },
            "nuts": "DE134",
            "nuts_year": 2021,
            "population": 429479,
            "population_year": 2018,
        },
        share=0.30,
        group_mix=(0.20, 0.35, 0.45),
        languages={"de": 0.90, "fr": 0.04, "en": 0.05, "es": 0.01},
    ),
)
TWINS = (("strasbourg", "kehl"),)

ROUND_FIELDS: Mapping[str, Any] = {
    "slug": DEMO_SLUG,
    "topic": "climate",
    "languages": ["fr", "de", "en", "es"],
    "moderation_mode": ModerationMode.PRE,
    "time_zone": "Europe/Paris",
    "title": {
        "fr": "Un climat commun des deux côtés du Rhin",
        "de": "Ein gemeinsames Klima auf beiden Seiten des Rheins",
        "en": "One climate on both banks of the Rhine",
        "es": "Un mismo clima a ambas orillas del Rin",
    },
    "question": {
        "fr": "Comment Strasbourg, Kehl et l'Ortenau doivent-ils s'adapter ensemble à un climat "
        "plus chaud, et réduire ensemble leurs émissions ?",
        "de": "Wie sollen sich Straßburg, Kehl und die Ortenau gemeinsam an ein heißeres Klima "
        "anpassen und gemeinsam ihre Emissionen senken?",
        "en": "How should Strasbourg, Kehl and the Ortenau adapt together to a hotter climate, "
        "and cut their emissions together?",
        "es": "¿Cómo deben Estrasburgo, Kehl y el Ortenau adaptarse juntos a un clima más "
        "cálido y reducir juntos sus emisiones?",
    },
    "framing": {
        "fr": "La plaine du **Rhin supérieur** compte déjà parmi les régions les plus chaudes "
        "d'Allemagne, et les canicules s'allongent sur les deux rives. Le tram relie Strasbourg à Kehl depuis 2017, mais la plupart des "
        "trajets quotidiens entre les deux rives se font encore en voiture.\n\n"
        "Lisez les propositions une par une et dites si vous êtes d'accord, pas d'accord, "
        "ou si vous passez. Vous pouvez aussi écrire les vôtres : elles seront relues par "
        "l'équipe d'animation avant d'être montrées aux autres.",
        "de": "Der **Oberrhein** gehört schon heute zu den wärmsten Regionen Deutschlands, "
        "und die Hitzewellen werden auf beiden Ufern länger. Die Tram verbindet Straßburg seit 2017 mit Kehl, doch die meisten "
        "täglichen Wege zwischen den beiden Ufern werden noch mit dem Auto zurückgelegt.\n\n"
        "Lesen Sie die Aussagen nacheinander und sagen Sie, ob Sie zustimmen, nicht "
        "zustimmen oder passen. Sie können auch eigene schreiben: Das Moderationsteam liest "
        "sie, bevor sie anderen gezeigt werden.",
        "en": "The **Upper Rhine** plain is already one of the warmest parts of Germany, and "
        "heatwaves are growing longer on both banks. The tram has linked Strasbourg and Kehl since 2017, yet most daily trips "
        "between the two banks are still made by car.\n\n"
        "Read the statements one at a time and say whether you agree, disagree or pass. "
        "You can write your own too: the facilitators read them before others see them.",
        "es": "La llanura del **Alto Rin** ya es una de las regiones más cálidas de Alemania, y "
        "las olas de calor se alargan en ambas orillas. El tranvía une Estrasburgo y Kehl desde 2017, pero la mayoría de los "
        "trayectos diarios entre las dos orillas se siguen haciendo en coche.\n\n"
        "Lea las afirmaciones una a una y diga si está de acuerdo, en desacuerdo o si pasa. "
        "También puede escribir las suyas: el equipo de facilitación las lee antes de "
        "mostrarlas.",
    },
}

SEED_STATEMENTS: tuple[StatementSpec, ...] = (
    # Heat and trees: broad agreement.
    StatementSpec(
        "Il faut planter beaucoup plus d'arbres dans les cours d'école, des deux côtés du Rhin.",
        "fr",
        "AAA",
    ),
    StatementSpec(
        "Hitzewarnungen sollten in Straßburg, Kehl und der Ortenau gleichzeitig und "
        "zweisprachig verschickt werden.",
        "de",
        "AAA",
    ),
    StatementSpec(
        "Flood warnings for the Rhine should reach every household on both banks, in French "
        "and in German.",
        "en",
        "AAA",
    ),
    StatementSpec(
        "Les fontaines d'eau potable devraient rester ouvertes et gratuites tout l'été.",
        "fr",
        "AaA",
    ),
    StatementSpec(
        "Feuerwehr und Katastrophenschutz sollten jedes Jahr gemeinsam über die Grenze hinweg "
        "für Hochwasser und Hitze üben.",
        "de",
        "AAA",
    ),
    StatementSpec(
        "La nappe phréatique du Rhin est notre réserve d'eau commune : il faut la protéger "
        "ensemble des pollutions.",
        "fr",
        "AAA",
    ),
    StatementSpec(
        "Older people living alone need someone to check on them during heatwaves, whichever "
        "side of the border they live on.",
        "en",
        "AAA",
    ),
    StatementSpec(
        "Schulhöfe sollten entsiegelt und begrünt werden, damit sie im Sommer nicht zu "
        "Hitzeinseln werden.",
        "de",
        "AAa",
    ),
    StatementSpec(
        "Les trains entre Strasbourg et Offenburg devraient circuler au moins toutes les "
        "demi-heures, le soir et le week-end compris.",
        "fr",
        "AaA",
    ),
    StatementSpec(
        "Ein grenzüberschreitendes Ticket für Bus, Tram und Bahn zu einem einzigen Preis "
        "würde viele Autofahrten ersparen.",
        "de",
        "Aaa",
    ),
    # Transport and cars: divides the urban-transition and cost-of-living groups.
    StatementSpec(
        "Il faut interdire les voitures diesel et essence dans le centre de Strasbourg d'ici 2030.",
        "fr",
        "ADd",
    ),
    StatementSpec(
        "Eine City-Maut für Autos in Straßburg und Kehl wäre gerecht, wenn das Geld in Bus "
        "und Tram fließt.",
        "de",
        "aDd",
    ),
    StatementSpec(
        "La zone à faibles émissions pénalise surtout les ménages modestes des communes "
        "voisines qui n'ont pas d'alternative à la voiture.",
        "fr",
        "DAa",
    ),
    StatementSpec(
        "Parkplätze in der Kehler Innenstadt sollten zugunsten von Bäumen und Radwegen wegfallen.",
        "de",
        "ADd",
        territories="..d",
    ),
    StatementSpec(
        "The tram line to Kehl should be extended all the way to Offenburg.",
        "en",
        "Ada",
        territories=".aA",
    ),
    StatementSpec(
        "Une piste cyclable express continue entre Strasbourg et Kehl, séparée des voitures, "
        "doit être la priorité.",
        "fr",
        "A.d",
    ),
    StatementSpec(
        "Auf Landstraßen in der Ortenau sollte Tempo 80 gelten, um Sprit und CO2 zu sparen.",
        "de",
        "aDD",
    ),
    StatementSpec(
        "Park-and-ride car parks at tram terminals should be free for everyone.",
        "en",
        "dAA",
    ),
    StatementSpec(
        "Les poids lourds qui évitent le péage allemand en passant par l'Alsace devraient "
        "payer une taxe régionale.",
        "fr",
        "Aa.",
        territories="Aa.",
    ),
    # Energy.
    StatementSpec(
        "Windräder auf den Höhen des Schwarzwalds sind ein notwendiger Beitrag zur Energiewende.",
        "de",
        "AaD",
    ),
    StatementSpec(
        "La fermeture de la centrale nucléaire de Fessenheim a été une erreur pour le climat.",
        "fr",
        "DA.",
    ),
    StatementSpec(
        "Every new roof on both sides of the border, public or private, should carry solar panels.",
        "en",
        "Ada",
    ),
    StatementSpec(
        "Die Abwärme der Industrie im Hafen von Kehl und Straßburg sollte ein gemeinsames "
        "Fernwärmenetz speisen.",
        "de",
        "AAa",
    ),
    StatementSpec(
        "Il faut éteindre l'éclairage public au cœur de la nuit pour économiser l'énergie.",
        "fr",
        "Aad",
    ),
    StatementSpec(
        "Die Ortenau sollte ihren Strom selbst erzeugen, statt ihn aus Frankreich zu beziehen.",
        "de",
        "aaA",
        territories="D.A",
    ),
    StatementSpec(
        "Energy prices matter more to my household than climate targets.",
        "en",
        "DAa",
    ),
    # Water, the Rhine and floods.
    StatementSpec(
        "Restoring the Rhine's floodplains is worth giving up some farmland.",
        "en",
        "AdD",
    ),
    StatementSpec(
        "Landwirte sollten dafür bezahlt werden, dass ihre Felder bei Starkregen Wasser "
        "zurückhalten.",
        "de",
        "a.A",
    ),
    StatementSpec(
        "L'arrosage du maïs devrait être limité en été quand la nappe du Rhin est basse.",
        "fr",
        "AdD",
    ),
    StatementSpec(
        "Bei Dürre sollte Trinkwasser immer Vorrang vor Landwirtschaft und Industrie haben.",
        "de",
        "AaA",
    ),
    StatementSpec(
        "Il ne faut plus construire aucun logement en zone inondable, même protégée par des "
        "digues.",
        "fr",
        "Ada",
    ),
    StatementSpec(
        "Swimming in the Rhine should be made safe and allowed at a few places, as in Basel.",
        "en",
        "A.a",
    ),
    # Housing and construction.
    StatementSpec(
        "La rénovation énergétique devrait être obligatoire avant toute vente d'un logement "
        "mal isolé.",
        "fr",
        "AD.",
    ),
    StatementSpec(
        "Mieter dürfen nicht die Kosten der Wärmedämmung tragen, die vor allem den "
        "Eigentümern nützt.",
        "de",
        "aAa",
    ),
    StatementSpec(
        "New homes should be built densely near tram and train stations rather than on "
        "fields at the edge of villages.",
        "en",
        "AdD",
    ),
    StatementSpec(
        "Les aides à l'isolation devraient être les mêmes pour les habitants des deux côtés "
        "de la frontière.",
        "fr",
        "Aa.",
        territories="aAa",
    ),
    StatementSpec(
        "Einfamilienhäuser sollten auch künftig in jedem Dorf der Ortenau gebaut werden dürfen.",
        "de",
        "DaA",
    ),
    # Governance of the Eurodistrict, divisive across territories.
    StatementSpec(
        "L'Eurodistrict devrait avoir son propre budget climat, décidé par les habitants des "
        "deux pays.",
        "fr",
        "Add",
        territories="a.d",
    ),
    StatementSpec(
        "Straßburg sollte Klimaprojekte in Kehl aus dem eigenen Haushalt mitfinanzieren.",
        "de",
        "a..",
        territories="DAa",
    ),
    StatementSpec(
        "Le stationnement à Kehl devrait coûter plus cher aux voitures qui viennent de "
        "Strasbourg faire leurs courses.",
        "fr",
        ".a.",
        territories="DAa",
    ),
    StatementSpec(
        "Decisions about the Rhine should be taken by the towns on its banks, not in Paris "
        "or Stuttgart.",
        "en",
        "aaA",
        territories="dAA",
    ),
    # Food, consumption, everyday life.
    StatementSpec(
        "Les cantines scolaires devraient servir des produits locaux des deux rives, bio "
        "autant que possible.",
        "fr",
        "AaA",
    ),
    StatementSpec(
        "Ein vegetarischer Tag pro Woche in allen Kantinen wäre ein guter Anfang.",
        "de",
        "AdD",
    ),
    StatementSpec(
        "Les marchés de producteurs devraient pouvoir s'installer librement des deux côtés "
        "du pont de l'Europe.",
        "fr",
        "aaA",
    ),
    StatementSpec(
        "Cheap flights from Strasbourg and Baden-Airpark should be taxed to fund night trains.",
        "en",
        "ADd",
    ),
    StatementSpec(
        "Klimaschutz darf nicht dazu führen, dass sich junge Familien das Leben in der Stadt "
        "nicht mehr leisten können.",
        "de",
        "aAA",
    ),
    StatementSpec(
        "On devrait pouvoir faire ses démarches d'aide à la rénovation en français à Kehl et "
        "en allemand à Strasbourg.",
        "fr",
        "aaa",
        territories="aAa",
    ),
)


@dataclass(frozen=True)
class ParticipantStatementSpec:
    """A statement a synthetic participant wrote: its text, language, stances and fate."""

    statement: StatementSpec
    status: StatementStatus
    author_territory: int
    is_meta: bool = False
    rejection_reason: str | None = None


PARTICIPANT_STATEMENTS: tuple[ParticipantStatementSpec, ...] = (
    ParticipantStatementSpec(
        StatementSpec(
            "Die Tram nach Kehl sollte nachts wenigstens am Wochenende fahren.", "de", "Aaa"
        ),
        StatementStatus.ACCEPTED,
        1,
    ),
    ParticipantStatementSpec(
        StatementSpec(
            "Il faudrait des îlots de fraîcheur ouverts la nuit dans chaque quartier pendant "
            "les canicules.",
            "fr",
            "AaA",
        ),
        StatementStatus.ACCEPTED,
        0,
    ),
    ParticipantStatementSpec(
        StatementSpec(
            "Car sharing should work across the border with one membership.", "en", "Aa."
        ),
        StatementStatus.ACCEPTED,
        0,
    ),
    ParticipantStatementSpec(
        StatementSpec(
            "Die Dörfer am Rhein brauchen höhere Dämme, bevor man Auenwälder flutet.",
            "de",
            "dAA",
        ),
        StatementStatus.ACCEPTED,
        2,
    ),
    ParticipantStatementSpec(
        StatementSpec(
            "Les bus de rabattement vers le tram devraient passer toutes les 15 minutes dans "
            "les villages.",
            "fr",
            "aAA",
        ),
        StatementStatus.ACCEPTED,
        0,
    ),
    ParticipantStatementSpec(
        StatementSpec("Photovoltaik auf Äckern ist besser als Windräder im Wald.", "de", "daA"),
        StatementStatus.ACCEPTED,
        2,
    ),
    ParticipantStatementSpec(
        StatementSpec("Ce questionnaire devrait aussi exister en alsacien.", "fr", "a.a"),
        StatementStatus.ACCEPTED,
        0,
        is_meta=True,
    ),
    ParticipantStatementSpec(
        StatementSpec(
            "Les cours d'eau couverts de Strasbourg devraient être rouverts pour rafraîchir "
            "la ville.",
            "fr",
            "Ad.",
        ),
        StatementStatus.PENDING,
        0,
    ),
    ParticipantStatementSpec(
        StatementSpec(
            "Kehl braucht mehr schattige Radabstellplätze an der Tramhaltestelle Rathaus.",
            "de",
            "Aa.",
        ),
        StatementStatus.PENDING,
        1,
    ),
    ParticipantStatementSpec(
        StatementSpec(
            "Heat pumps should get the same subsidy in France and in Germany.", "en", "Aa."
        ),
        StatementStatus.PENDING,
        1,
    ),
    ParticipantStatementSpec(
        StatementSpec(
            "Die Ortenau sollte Regenwasser in Zisternen für trockene Sommer sammeln.",
            "de",
            "aaA",
        ),
        StatementStatus.PENDING,
        2,
    ),
    ParticipantStatementSpec(
        StatementSpec(
            "Les toitures des centres commerciaux devraient être végétalisées.", "fr", "Aa."
        ),
        StatementStatus.PENDING,
        0,
    ),
    ParticipantStatementSpec(
        StatementSpec("Achetez vos panneaux solaires chez nous, prix imbattables !", "fr", "DDD"),
        StatementStatus.REJECTED,
        0,
        rejection_reason="Publicité, sans rapport avec la question.",
    ),
)


def seed_demo(
    session: Session, *, participants: int = 300, seed: int = 2026, if_empty: bool = False
) -> DemoRound | None:
    """Create the demo round, its territories, facilitator, invites, statements and votes.

    Returns None, writing nothing, when ``if_empty`` is set and the database already has a
    round. Raises ``ValueError`` when ``participants`` is not positive or the demo round exists
    already. Territories with the demo's slugs and the facilitator account are reused when
    they exist; a new facilitator gets ``PALABRE_DEMO_PASSWORD`` as password when it is set,
    else a random one, returned in ``DemoRound.password``. Everything but the account is
    written in one transaction.
    """
    if if_empty and session.exec(select(Round.id).limit(1)).first() is not None:
        return None
    if participants < 1:
        raise ValueError("The demo needs at least one participant.")
    if session.exec(select(Round.id).where(Round.slug == DEMO_SLUG)).first() is not None:
        raise ValueError(f"The demo round '{DEMO_SLUG}' exists already.")
    rng = np.random.default_rng(seed)
    facilitator, password = _facilitator(session)
    now = utcnow().replace(microsecond=0)
    round_ = _round(session, facilitator, now)
    clock = _Clock(round_.opens_at or now)
    territory_ids = _territories(session, round_)
    crowd = _Crowd.draw(rng, participants, span=(now - clock.origin).total_seconds() - 86_400)
    catalogue = _Catalogue.build(rng, crowd)
    ballots = _Ballots.draw(rng, crowd, catalogue)
    plan = _Plan(round_, facilitator, clock, territory_ids, crowd, catalogue, ballots)
    invites = _invites(session, round_, territory_ids, crowd)
    participant_ids = _insert_participants(session, plan, invites)
    statement_ids = _insert_statements(session, plan, participant_ids)
    _insert_moderation_log(session, plan, statement_ids)
    _insert_votes(session, plan, participant_ids, statement_ids)
    session.commit()
    groups = dict(zip(participant_ids, (int(g) for g in crowd.groups), strict=True))
    return DemoRound(round=round_, password=password, latent_groups=groups)


def describe(session: Session, url_for: Callable[..., str]) -> Iterator[str]:
    """Lines telling how to try the demo: the facilitator sign-in and one invite URL per
    territory. The demo's invite links are reused; one is created only for a territory that
    has no usable one left. ``url_for`` must build external URLs (inside a request context)."""
    round_ = session.exec(select(Round).where(Round.slug == DEMO_SLUG)).first()
    if round_ is None:
        yield "No demo round in this database (create it with: flask --app app demo seed)."
        return
    yield f"Facilitator sign-in: {url_for('auth.sign_in', _external=True)}"
    yield f"  email: {FACILITATOR_EMAIL}"
    yield "Invite links, one per territory:"
    for territory, invite in _territory_invites(session, round_):
        url = url_for("participate.join", token=invite_token(invite), _external=True)
        yield f"  {territory.name('en')}: {url}"


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


def _facilitator(session: Session) -> tuple[User, str | None]:
    """The demo facilitator account and its new password, or the existing account and None."""
    existing = session.exec(select(User).where(User.email == FACILITATOR_EMAIL)).first()
    if existing is not None:
        return existing, None
    password = os.environ.get("PALABRE_DEMO_PASSWORD") or secrets.token_urlsafe(12)
    user = create_user(session, email=FACILITATOR_EMAIL, password=password, role=Role.FACILITATOR)
    return user, password


def _round(session: Session, facilitator: User, now: datetime) -> Round:
    """The open demo round: opened two weeks ago, closing in 30 days."""
    round_ = Round(
        **ROUND_FIELDS,
        phase=Phase.OPEN,
        opens_at=now - timedelta(days=14),
        closes_at=now + timedelta(days=30),
    )
    session.add(round_)
    session.flush()
    session.add(RoundFacilitator(round_id=_key(round_.id), user_id=_key(facilitator.id)))
    return round_


def _territories(session: Session, round_: Round) -> list[int]:
    """The ids of ``TERRITORIES`` (existing rows reused by slug), attached to ``round_`` and
    twinned as ``TWINS`` says."""
    ids: dict[str, int] = {}
    for spec in TERRITORIES:
        slug = spec.fields["slug"]
        territory = session.exec(select(Territory).where(Territory.slug == slug)).first()
        if territory is None:
            territory = Territory(**spec.fields)
            session.add(territory)
            session.flush()
        ids[slug] = _key(territory.id)
        session.add(RoundTerritory(round_id=_key(round_.id), territory_id=_key(territory.id)))
    for first, second in TWINS:
        low, high = sorted((ids[first], ids[second]))
        if session.get(TerritoryTwin, (low, high)) is None:
            session.add(TerritoryTwin(territory_id=low, twin_id=high))
    session.flush()
    return [ids[spec.fields["slug"]] for spec in TERRITORIES]


def _key(value: int | None) -> int:
    """The primary key of a flushed row (raises ``ValueError`` if the row was not flushed)."""
    if value is None:
        raise ValueError("The row has no primary key yet: flush the session first.")
    return value


def _invites(
    session: Session, round_: Round, territory_ids: Sequence[int], crowd: _Crowd
) -> list[Invite]:
    """One invite per territory, its ``uses`` counting the synthetic participants it admitted.

    Written directly rather than through ``create_invite``, which counts no uses: the demo is
    written in one transaction."""
    uses = np.bincount(crowd.territories, minlength=len(territory_ids))
    invites = [
        Invite(
            round_id=_key(round_.id),
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


@dataclass(frozen=True)
class _Clock:
    """Turns offsets in seconds after the round opened into UTC datetimes."""

    origin: datetime

    def at(self, seconds: float) -> datetime:
        return self.origin + timedelta(seconds=round(float(seconds), 3))


def _categorical(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One draw per row of ``probabilities`` (n, k), rows summing to 1: an (n,) int array."""
    cumulative = np.cumsum(probabilities, axis=1)[:, :-1]
    return (rng.random(len(probabilities))[:, None] >= cumulative).sum(axis=1)


LANGUAGE_ORDER = ("fr", "de", "en", "es")


@dataclass(frozen=True)
class _Crowd:
    """The synthetic participants, in join order: territory index (into ``TERRITORIES``),
    latent group, language, and when they joined (seconds after the round opened)."""

    territories: np.ndarray
    groups: np.ndarray
    languages: list[str]
    joined: np.ndarray

    @classmethod
    def draw(cls, rng: np.random.Generator, n: int, *, span: float) -> _Crowd:
        shares = np.array([spec.share for spec in TERRITORIES])
        territories = _categorical(rng, np.tile(shares / shares.sum(), (n, 1)))
        mixes = np.array([spec.group_mix for spec in TERRITORIES])
        groups = _categorical(rng, mixes[territories])
        tongues = np.array(
            [[spec.languages.get(code, 0.0) for code in LANGUAGE_ORDER] for spec in TERRITORIES]
        )
        languages = _categorical(rng, tongues[territories])
        return cls(
            territories=territories,
            groups=groups,
            languages=[LANGUAGE_ORDER[i] for i in languages],
            joined=np.sort(rng.uniform(0.0, span, n)),
        )


def _stances(letters: str) -> list[float]:
    return [STANCES[letter] for letter in letters]


@dataclass(frozen=True)
class _Catalogue:
    """Every demo statement, seeds first. Times are seconds after the round opened;
    ``visible`` is when other participants could first vote on it (inf: never, as it is
    pending or rejected); ``authors`` holds crowd indexes, -1 for seed statements."""

    specs: list[StatementSpec]
    fates: list[ParticipantStatementSpec | None]
    authors: np.ndarray
    created: np.ndarray
    moderated: np.ndarray
    visible: np.ndarray
    group_scores: np.ndarray
    territory_scores: np.ndarray

    @classmethod
    def build(cls, rng: np.random.Generator, crowd: _Crowd) -> _Catalogue:
        specs = [*SEED_STATEMENTS, *(fate.statement for fate in PARTICIPANT_STATEMENTS)]
        fates = [None] * len(SEED_STATEMENTS) + list(PARTICIPANT_STATEMENTS)
        authors = [-1] * len(SEED_STATEMENTS)
        authors += [_author(rng, crowd, fate) for fate in PARTICIPANT_STATEMENTS]
        author_array = np.array(authors)
        created = np.where(author_array >= 0, crowd.joined[author_array] + 600.0, -86_400.0)
        reviewed = np.array(
            [fate is not None and fate.status != StatementStatus.PENDING for fate in fates]
        )
        moderated = np.where(reviewed, created + 4 * 3600.0, np.nan)
        accepted = np.array(
            [fate is None or fate.status == StatementStatus.ACCEPTED for fate in fates]
        )
        visible = np.where(accepted, np.where(reviewed, moderated, created), np.inf)
        return cls(
            specs=specs,
            fates=fates,
            authors=author_array,
            created=created,
            moderated=moderated,
            visible=visible,
            group_scores=np.array([_stances(spec.groups) for spec in specs]),
            territory_scores=np.array([_stances(spec.territories) for spec in specs]),
        )

    @property
    def is_seed(self) -> np.ndarray:
        return self.authors < 0


def _author(rng: np.random.Generator, crowd: _Crowd, fate: ParticipantStatementSpec) -> int:
    """A participant of the statement's territory: an early one for reviewed statements, a
    recent one for pending ones (falling back to anyone when the crowd is small)."""
    n = len(crowd.joined)
    order = np.arange(n)
    period = order < max(1, n // 2) if fate.status != StatementStatus.PENDING else order >= n * 0.85
    for candidates in (
        np.flatnonzero(period & (crowd.territories == fate.author_territory)),
        np.flatnonzero(period),
        order,
    ):
        if len(candidates):
            return int(rng.choice(candidates))
    raise ValueError("The demo needs at least one participant.")


@dataclass(frozen=True)
class _Ballots:
    """Every vote cast, as parallel arrays over events: voter (crowd index), statement
    (catalogue index), value and time. ``current`` marks each pair's last event, whose value
    is the current vote; ``first`` maps each event to its pair's first event time."""

    voters: np.ndarray
    statements: np.ndarray
    values: np.ndarray
    times: np.ndarray
    current: np.ndarray
    first: np.ndarray

    @classmethod
    def draw(cls, rng: np.random.Generator, crowd: _Crowd, catalogue: _Catalogue) -> _Ballots:
        voters, statements, times = _choices(rng, crowd, catalogue)
        values = _values(rng, crowd, catalogue, voters, statements)
        authored = np.flatnonzero(catalogue.authors >= 0)
        voters = np.concatenate([voters, catalogue.authors[authored]])
        statements = np.concatenate([statements, authored])
        values = np.concatenate([values, np.ones(len(authored), dtype=int)])
        times = np.concatenate([times, catalogue.created[authored]])
        return _with_changes(rng, voters, statements, values, times)


def _choices(
    rng: np.random.Generator, crowd: _Crowd, catalogue: _Catalogue
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which statements each participant votes on, and when: 10 to 40 of those visible when
    they joined (seeds three times likelier), about half a minute apart."""
    voters: list[np.ndarray] = []
    statements: list[np.ndarray] = []
    times: list[np.ndarray] = []
    for index, joined in enumerate(crowd.joined):
        eligible = np.flatnonzero(catalogue.visible < joined)
        if len(eligible) == 0:
            continue
        weights = np.where(catalogue.is_seed[eligible], 3.0, 1.0)
        k = min(int(rng.integers(MIN_VOTES, MAX_VOTES + 1)), len(eligible))
        chosen = rng.choice(eligible, size=k, replace=False, p=weights / weights.sum())
        voters.append(np.full(k, index))
        statements.append(chosen)
        times.append(joined + np.cumsum(rng.exponential(MEAN_SECONDS_BETWEEN_VOTES, k)))
    if not voters:
        empty = np.zeros(0, dtype=int)
        return empty, empty, np.zeros(0)
    return np.concatenate(voters), np.concatenate(statements), np.concatenate(times)


def _values(
    rng: np.random.Generator,
    crowd: _Crowd,
    catalogue: _Catalogue,
    voters: np.ndarray,
    statements: np.ndarray,
) -> np.ndarray:
    """+1, -1 or 0 per vote: the voter's group and territory stances plus a little personal
    noise give a score; passes are likelier when it is near zero."""
    score = (
        catalogue.group_scores[statements, crowd.groups[voters]]
        + catalogue.territory_scores[statements, crowd.territories[voters]]
        + rng.normal(0.0, 0.5, len(voters))
    )
    p_pass = 0.05 + 0.3 * np.exp(-np.abs(score))
    p_agree = (1.0 - p_pass) / (1.0 + np.exp(-1.6 * score))
    draw = rng.random(len(voters))
    return np.where(draw < p_agree, 1, np.where(draw < 1.0 - p_pass, -1, 0))


def _with_changes(
    rng: np.random.Generator,
    voters: np.ndarray,
    statements: np.ndarray,
    values: np.ndarray,
    times: np.ndarray,
) -> _Ballots:
    """Add a later, different vote for a few pairs (people change their minds), then sort
    every event by time."""
    changed = np.flatnonzero(rng.random(len(voters)) < CHANGED_VOTE_SHARE)
    new_values = (values[changed] + 1 + rng.integers(1, 3, len(changed))) % 3 - 1
    later = times[changed] + rng.uniform(3600.0, 12 * 3600.0, len(changed))
    first = np.concatenate([times, times[changed]])
    current = np.ones(len(voters) + len(changed), dtype=bool)
    current[changed] = False
    order = np.argsort(np.concatenate([times, later]), kind="stable")
    return _Ballots(
        voters=np.concatenate([voters, voters[changed]])[order],
        statements=np.concatenate([statements, statements[changed]])[order],
        values=np.concatenate([values, new_values])[order],
        times=np.concatenate([times, later])[order],
        current=current[order],
        first=first[order],
    )


@dataclass(frozen=True)
class _Plan:
    """Everything drawn for the demo, ready to be written."""

    round: Round
    facilitator: User
    clock: _Clock
    territory_ids: list[int]
    crowd: _Crowd
    catalogue: _Catalogue
    ballots: _Ballots


def _insert_participants(session: Session, plan: _Plan, invites: Sequence[Invite]) -> list[int]:
    """Insert the crowd in join order, vote counters set; returns their ids in that order."""
    round_, crowd, ballots, clock = plan.round, plan.crowd, plan.ballots, plan.clock
    counts = np.bincount(ballots.voters[ballots.current], minlength=len(crowd.joined))
    rows = [
        {
            "round_id": round_.id,
            "territory_id": invites[territory].territory_id,
            "invite_id": invites[territory].id,
            "language": language,
            "vote_count": int(count),
            "created_at": clock.at(joined),
        }
        for territory, language, count, joined in zip(
            crowd.territories, crowd.languages, counts, crowd.joined, strict=True
        )
    ]
    return _insert_returning_ids(session, Participant, rows)


def _insert_statements(session: Session, plan: _Plan, participant_ids: Sequence[int]) -> list[int]:
    """Insert the catalogue, vote counters set; returns the ids in catalogue order."""
    catalogue, ballots, clock = plan.catalogue, plan.ballots, plan.clock
    counts = np.bincount(ballots.statements[ballots.current], minlength=len(catalogue.specs))
    rows = []
    for index, (spec, fate) in enumerate(zip(catalogue.specs, catalogue.fates, strict=True)):
        author = int(catalogue.authors[index])
        moderated = catalogue.moderated[index]
        rows.append(
            {
                "round_id": plan.round.id,
                "text": spec.text,
                "normalized_text": normalize_text(spec.text),
                "language": spec.language,
                "is_seed": fate is None,
                "is_meta": fate is not None and fate.is_meta,
                "status": StatementStatus.ACCEPTED if fate is None else fate.status,
                "rejection_reason": None if fate is None else fate.rejection_reason,
                "author_participant_id": participant_ids[author] if author >= 0 else None,
                "author_territory_id": None
                if fate is None
                else plan.territory_ids[fate.author_territory],
                "vote_count": int(counts[index]),
                "created_at": clock.at(catalogue.created[index]),
                "moderated_at": None if np.isnan(moderated) else clock.at(moderated),
            }
        )
    return _insert_returning_ids(session, Statement, rows)


def _insert_moderation_log(session: Session, plan: _Plan, statement_ids: Sequence[int]) -> None:
    """One log entry per reviewed participant statement, by the demo facilitator."""
    catalogue, clock = plan.catalogue, plan.clock
    rows = [
        {
            "round_id": plan.round.id,
            "statement_id": statement_ids[index],
            "user_id": plan.facilitator.id,
            "action": Action.ACCEPT if fate.status == StatementStatus.ACCEPTED else Action.REJECT,
            "reason": fate.rejection_reason,
            "created_at": clock.at(catalogue.moderated[index]),
        }
        for index, fate in enumerate(catalogue.fates)
        if fate is not None and fate.status != StatementStatus.PENDING
    ]
    if rows:
        session.execute(insert(ModerationLog), rows)


def _insert_votes(
    session: Session, plan: _Plan, participant_ids: Sequence[int], statement_ids: Sequence[int]
) -> None:
    """Every event in time order (so event ids follow time), and each pair's current vote."""
    round_, ballots, clock = plan.round, plan.ballots, plan.clock
    pids = np.asarray(participant_ids)[ballots.voters]
    sids = np.asarray(statement_ids)[ballots.statements]
    events = [
        {
            "round_id": round_.id,
            "participant_id": int(pid),
            "statement_id": int(sid),
            "value": int(value),
            "created_at": clock.at(time),
        }
        for pid, sid, value, time in zip(pids, sids, ballots.values, ballots.times, strict=True)
    ]
    votes = [
        {
            **event,
            "created_at": clock.at(first),
            "updated_at": event["created_at"],
        }
        for event, first, current in zip(events, ballots.first, ballots.current, strict=True)
        if current
    ]
    for model, rows in ((VoteEvent, events), (Vote, votes)):
        for start in range(0, len(rows), CHUNK):
            session.execute(insert(model), rows[start : start + CHUNK])


def _insert_returning_ids(
    session: Session, model: type[Any], rows: list[dict[str, Any]]
) -> list[int]:
    """Bulk-insert ``rows`` into ``model``'s table; the new ids in the order of ``rows``."""
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        result = session.execute(
            insert(model).returning(model.id, sort_by_parameter_order=True),
            rows[start : start + CHUNK],
        )
        ids.extend(int(i) for i in result.scalars())
    return ids
