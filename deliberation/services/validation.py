"""Checks shared by the facilitators' forms and services: slugs, time zones, identifiers.

Forms use these to show every error at once; services apply them again so that any caller
(CLI, demo, API) gets the same rules. ``FieldInvalid`` names the form field an error belongs to.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import available_timezones

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from deliberation.errors import Invalid
from deliberation.messages import lazy_message

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


class FieldInvalid(Invalid):
    """An ``Invalid`` input that belongs to one form field (``field`` is its name)."""

    def __init__(self, message: str | LazyString, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@cache
def time_zones() -> frozenset[str]:
    """The IANA time zone names this system knows."""
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    return name in time_zones()


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


def check_slug(value: str, *, field: str = "slug") -> str:
    if not SLUG.match(value) or len(value) > 80:
        raise FieldInvalid(
            lazy_message(
                "Use lowercase letters, digits and single hyphens (for example %(example)s).",
                example="heat-2026",
            ),
            field=field,
        )
    return value


def check_year(value: int | None, *, field: str) -> int | None:
    if value is not None and not MIN_YEAR <= value <= MAX_YEAR:
        raise FieldInvalid(
            lazy_message("A year between %(low)d and %(high)d.", low=MIN_YEAR, high=MAX_YEAR),
            field=field,
        )
    return value


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


def identifier_error(kind: str, value: str) -> LazyString | None:
    """Why ``value`` is not a valid identifier of ``kind`` (iso_3166_2, nuts, eurostat_lau,
    wikidata), or None when it is. ``value`` is expected already normalised (stripped, upper)."""
    if kind == "iso_3166_2" and not ISO_3166_2.match(value):
        return _l("An ISO 3166-2 code looks like FR-67 or DE-BW.")
    if kind == "nuts" and not NUTS.match(value):
        return _l("A NUTS code is a country code and up to three letters or digits, like FRF1.")
    if kind == "eurostat_lau" and not LAU.match(value):
        return _l("A LAU code has letters and digits only, like 67482.")
    if kind == "wikidata" and not WIKIDATA.match(value):
        return _l("A Wikidata identifier looks like Q90.")
    return None


def normalize_identifier(value: str | None) -> str | None:
    """Identifiers are stored upper-case and trimmed; empty means none."""
    value = (value or "").strip().upper()
    return value or None
