"""Input models: what a use case accepts, with every limit and format written once.

An instance exists only if every rule holds, so a service that takes one takes only valid
input, and the form that builds it can never accept what the service refuses, nor the other
way round (``deliberation.services.validation``: a form shows every problem at once beside its
field). Each rule raises ``RuleBroken`` with a translatable message; rules across fields raise
``Problems`` naming their fields; a problem in ``title["fr"]`` belongs to the form field
``title_fr``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated, Any
from zoneinfo import available_timezones

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, model_validator

from deliberation.config import LANGUAGES
from deliberation.messages import lazy_message
from deliberation.models.decisions import Eligibility
from deliberation.models.rounds import ModerationMode, Phase
from deliberation.models.territories import TerritoryKind
from voting.methods import REGISTRY

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOPIC = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
# ISO 3166-2: a country code, a hyphen, one to three letters or digits (FR-67, DE-BW, ES-CT).
ISO_3166_2 = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
# NUTS: a two-letter country code then up to three letters or digits (FR, FRF, FRF1, FRF11).
NUTS = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")
# Eurostat LAU codes are national codes: letters and digits only (67482, 08111000, E09000).
LAU = re.compile(r"^[A-Z0-9]{1,20}$")
WIKIDATA = re.compile(r"^Q[1-9][0-9]*$")
MIN_YEAR, MAX_YEAR = 1900, 2100
# Dates of a schedule: wall-clock years MIN_YEAR..MAX_YEAR in any time zone (zones differ
# from UTC by at most 14 hours, so a day either side holds them all).
EARLIEST = datetime(MIN_YEAR, 1, 1, tzinfo=UTC) - timedelta(days=1)
LATEST = datetime(MAX_YEAR + 1, 1, 1, tzinfo=UTC) + timedelta(days=1)
# Characters Unicode files as letters or symbols although they draw nothing (Hangul fillers,
# the blank braille pattern): a text made of them is as empty as one made of spaces.
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds
MAX_COUNT = 2_000_000_000  # populations, caps: what an INTEGER column holds, with room
MIN_STATEMENT_LENGTH, MAX_STATEMENT_LENGTH = 20, 2000
MAX_PRIVACY_K = MAX_VOTES_FOR_MAP = 1000
MAX_RETENTION_DAYS = 36_500


class RuleBroken(ValueError):
    """A value breaks a rule; ``message`` says why, in the reader's language."""

    def __init__(self, message: str | LazyString) -> None:
        super().__init__(str(message))
        self.message = message


class Problems(ValueError):
    """Rules across fields broken: ``items`` holds (form field, message) pairs."""

    def __init__(self, items: list[tuple[str, str | LazyString]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in items))
        self.items = items


def _no_problems(items: list[tuple[str, str | LazyString]]) -> None:
    if items:
        raise Problems(items)


@cache
def time_zones() -> frozenset[str]:
    """The IANA time zone names this system knows."""
    return frozenset(available_timezones())


def has_control_characters(text: str) -> bool:
    """True when ``text`` holds a control character (NUL and friends; PostgreSQL refuses NUL)."""
    return any(unicodedata.category(c) == "Cc" for c in text if c not in "\t\n\r")


def has_visible_text(text: str | None) -> bool:
    """True when ``text`` shows something: a letter, digit, punctuation mark or symbol.

    A text made only of spaces, format characters (Unicode category Cf: zero-width spaces,
    BIDI marks, the word joiner), combining marks without a base, controls or the invisible
    fillers above is empty: every text that must not be empty is checked with this.
    """
    return any(
        unicodedata.category(c)[0] in "LNPS" and c not in INVISIBLE_LETTERS for c in text or ""
    )


def schedule_date_error(value: datetime | None) -> LazyString | None:
    """Why ``value`` (naive wall-clock time, or aware) cannot be in a schedule, or None.

    Far dates would overflow when moved between time zones: they are refused, with a message.
    """
    if value is None:
        return None
    within = EARLIEST <= value <= LATEST if value.tzinfo else MIN_YEAR <= value.year <= MAX_YEAR
    if within:
        return None
    return lazy_message(
        "A date between the years %(low)d and %(high)d.", low=MIN_YEAR, high=MAX_YEAR
    )


def _schedule_date(value: datetime | None) -> datetime | None:
    message = schedule_date_error(value)
    if message is not None:
        raise RuleBroken(message)
    return value


def matches(pattern: re.Pattern[str], message: str | LazyString) -> AfterValidator:
    """The value (None passes) matches ``pattern``."""

    def check(value: str | None) -> str | None:
        if value is not None and not pattern.match(value):
            raise RuleBroken(message)
        return value

    return AfterValidator(check)


def at_most(length: int) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > length:
            raise RuleBroken(lazy_message("At most %(max)d characters.", max=length))
        return value

    return AfterValidator(check)


def between(low: int, high: int, message: str | LazyString | None = None) -> AfterValidator:
    def check(value: int | None) -> int | None:
        if value is not None and not low <= value <= high:
            raise RuleBroken(
                message or lazy_message("Between %(low)d and %(high)d.", low=low, high=high)
            )
        return value

    return AfterValidator(check)


def _printable(value: str) -> str:
    if has_control_characters(value):
        raise RuleBroken(_l("This text holds a character that is not allowed."))
    return value


def _time_zone(value: str) -> str:
    if value not in time_zones():
        raise RuleBroken(_l("This is not a known time zone (for example Europe/Paris)."))
    return value


def known_language(value: str) -> str:
    """One of the languages Palabre speaks (``LANGUAGES``)."""
    if value not in LANGUAGES:
        raise RuleBroken(_l("Choose one of the languages offered."))
    return value


def _languages(value: tuple[str, ...]) -> tuple[str, ...]:
    if not value or not set(value) <= set(LANGUAGES):
        raise RuleBroken(_l("Choose at least one of the languages offered."))
    return value


def _identifier(value: Any) -> Any:
    """Identifiers are stored upper-case and trimmed; empty means none."""
    if isinstance(value, str):
        return value.strip().upper() or None
    return value


Identifier = BeforeValidator(_identifier)
SLUG_MESSAGE = _l("Use lowercase letters, digits and single hyphens (for example heat-2026).")
Printable = AfterValidator(_printable)
Slug = Annotated[str, at_most(80), matches(SLUG, SLUG_MESSAGE)]
ScheduleDate = Annotated[datetime | None, AfterValidator(_schedule_date)]
Year = Annotated[
    int | None,
    between(
        MIN_YEAR,
        MAX_YEAR,
        lazy_message("A year between %(low)d and %(high)d.", low=MIN_YEAR, high=MAX_YEAR),
    ),
]


class RoundInput(BaseModel):
    """Everything a facilitator sets on a round. Dates are UTC-aware; ``title``, ``question``
    and ``framing`` map a language of ``languages`` to its text."""

    model_config = ConfigDict(frozen=True)

    slug: Slug
    title: dict[str, Annotated[str, at_most(200), Printable]]
    question: dict[str, Annotated[str, at_most(1000), Printable]]
    framing: dict[str, Annotated[str, at_most(20000), Printable]]
    topic: Annotated[str, matches(TOPIC, _l("Choose a commons topic."))]
    languages: Annotated[tuple[str, ...], AfterValidator(_languages)]
    opens_at: ScheduleDate
    closes_at: ScheduleDate
    phase: Phase
    moderation_mode: ModerationMode
    max_statement_length: Annotated[
        int,
        between(
            MIN_STATEMENT_LENGTH,
            MAX_STATEMENT_LENGTH,
            lazy_message(
                "Between %(low)d and %(high)d characters.",
                low=MIN_STATEMENT_LENGTH,
                high=MAX_STATEMENT_LENGTH,
            ),
        ),
    ] = 280
    time_zone: Annotated[str, AfterValidator(_time_zone)] = "UTC"
    privacy_k: Annotated[int, between(1, MAX_PRIVACY_K)] = 5
    min_votes_for_map: Annotated[int, between(1, MAX_VOTES_FOR_MAP)] = 7
    retention_days: Annotated[
        int | None,
        between(
            1,
            MAX_RETENTION_DAYS,
            lazy_message("Between %(low)d and %(high)d days.", low=1, high=MAX_RETENTION_DAYS),
        ),
    ] = None

    @model_validator(mode="after")
    def _across_fields(self) -> RoundInput:
        problems: list[tuple[str, str | LazyString]] = []
        for language in self.languages:
            for name in ("title", "question"):
                if not has_visible_text(getattr(self, name).get(language)):
                    problems.append(
                        (f"{name}_{language}", _l("Required for every language offered."))
                    )
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            problems.append(("closes_at", _l("The round must close after it opens.")))
        _no_problems(problems)
        return self


MAX_INVITE_BATCH = 1000


class InviteBatchInput(BaseModel):
    """A batch of single-use invites (one per verified resident) for one territory of a
    round; ``label`` names the batch for the facilitators."""

    model_config = ConfigDict(frozen=True)

    territory_id: Annotated[int, between(1, MAX_ID, _l("Choose a territory of the round."))]
    count: Annotated[int, between(1, MAX_INVITE_BATCH)]
    label: Annotated[str, at_most(120), Printable] = ""


class TerritoryInput(BaseModel):
    """What a facilitator sets on a territory. ``names`` maps a language to the name there;
    identifiers are optional, upper-case, and a code or a population needs its year (codes
    change between versions)."""

    model_config = ConfigDict(frozen=True)

    slug: Slug
    names: dict[str, Annotated[str, at_most(120), Printable]]
    kind: TerritoryKind = TerritoryKind.MUNICIPALITY
    iso_3166_2: Annotated[
        str | None,
        Identifier,
        matches(ISO_3166_2, _l("An ISO 3166-2 code looks like FR-67 or DE-BW.")),
    ] = None
    eurostat_lau: Annotated[
        str | None,
        Identifier,
        matches(LAU, _l("A LAU code has letters and digits only, like 67482.")),
    ] = None
    lau_year: Year = None
    nuts: Annotated[
        str | None,
        Identifier,
        matches(
            NUTS, _l("A NUTS code is a country code and up to three letters or digits, like FRF1.")
        ),
    ] = None
    nuts_year: Year = None
    wikidata: Annotated[
        str | None, Identifier, matches(WIKIDATA, _l("A Wikidata identifier looks like Q90."))
    ] = None
    population: Annotated[int | None, between(0, MAX_COUNT, _l("Zero or more."))] = None
    population_year: Year = None
    twin_slugs: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _across_fields(self) -> TerritoryInput:
        problems: list[tuple[str, str | LazyString]] = []
        names = {lang for lang, name in self.names.items() if has_visible_text(name)}
        if not names or not names <= set(LANGUAGES):
            problems.append(("name_en", _l("A name in at least one language.")))
        for code, year in (
            ("eurostat_lau", "lau_year"),
            ("nuts", "nuts_year"),
            ("population", "population_year"),
        ):
            given = getattr(self, code) is not None
            if given and getattr(self, year) is None:
                problems.append((year, _l("Give the year this figure or code refers to.")))
            if not given and getattr(self, year) is not None:
                problems.append((year, _l("A year without a value above.")))
        _no_problems(problems)
        return self


def _method(value: str) -> str:
    if value not in REGISTRY:
        raise RuleBroken(_l("Choose one of the methods offered."))
    return value


class DecisionInput(BaseModel):
    """What a facilitator sets on a decision: ``settings`` as the registry's setting types
    read them (``deliberation.decisions.methods.read_settings``, which checks each against its
    bounds); times UTC-aware."""

    model_config = ConfigDict(frozen=True)

    title: Annotated[str, at_most(200), Printable]
    method: Annotated[str, AfterValidator(_method)]
    settings: dict[str, Any]
    eligibility: Eligibility
    live_results: bool = False
    receipts: bool = False
    opens_at: ScheduleDate = None
    closes_at: ScheduleDate = None

    @model_validator(mode="after")
    def _across_fields(self) -> DecisionInput:
        problems: list[tuple[str, str | LazyString]] = []
        if not has_visible_text(self.title):
            problems.append(("title", _l("Give the decision a title.")))
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            problems.append(("closes_at", _l("The closing time must come after the opening time.")))
        _no_problems(problems)
        return self
