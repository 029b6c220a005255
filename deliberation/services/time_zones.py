"""The time zone a territory keeps, from the country its identifiers name, to propose as a
round's time zone (a round of territories in one country, or on one clock, keeps their time);
wall-clock times that a zone's clocks skip."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo

from deliberation.clock import utcnow
from deliberation.models import Territory

NUTS_COUNTRIES = {"EL": "GR", "UK": "GB"}
"""The NUTS country prefixes that differ from ISO 3166-1."""


def _zone_table() -> str:
    """The IANA ``zone.tab``: from the system's time zone folders, else the tzdata package."""
    for folder in TZPATH:
        path = Path(folder) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")


@cache
def country_time_zones() -> dict[str, str]:
    """The main time zone of each country (ISO 3166-1 alpha-2 code), the first ``zone.tab``
    lists for it (for example ES: Europe/Madrid rather than Atlantic/Canary)."""
    zones: dict[str, str] = {}
    for line in _zone_table().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        country, _coordinates, zone = line.split("\t")[:3]
        zones.setdefault(country, zone)
    return zones


def territory_time_zone(territory: Territory) -> str | None:
    """The main time zone of the territory's country (from its ISO 3166-2 code, else its NUTS
    code); None when neither names a known country."""
    if territory.iso_3166_2:
        country = territory.iso_3166_2[:2].upper()
    elif territory.nuts:
        country = NUTS_COUNTRIES.get(territory.nuts[:2].upper(), territory.nuts[:2].upper())
    else:
        return None
    return country_time_zones().get(country)


def _same_clock(first: str, second: str, year: int) -> bool:
    """Whether two zones show the same time in winter and in summer of ``year``."""
    moments = (datetime(year, 1, 15, 12), datetime(year, 7, 15, 12))  # wall-clock times
    return all(
        moment.replace(tzinfo=ZoneInfo(first)).utcoffset()
        == moment.replace(tzinfo=ZoneInfo(second)).utcoffset()
        for moment in moments
    )


def shared_time_zone(territories: Iterable[Territory]) -> str | None:
    """The time zone of ``territories``: the most common of their zones (the first on a tie),
    provided that every other one keeps the same clock (Strasbourg and Kehl: Europe/Paris and
    Europe/Berlin); None when their clocks differ or no territory has a known zone."""
    zones = [zone for t in territories if (zone := territory_time_zone(t)) is not None]
    if not zones:
        return None
    main = Counter(zones).most_common(1)[0][0]
    year = utcnow().year
    return main if all(_same_clock(main, zone, year) for zone in set(zones)) else None


def skipped_local_time(value: datetime, time_zone: str) -> bool:
    """Whether the naive wall-clock ``value`` never shows on the clocks of ``time_zone``: it
    falls in the hour they skip when they go forward (02:30 on 29 March 2026 in Europe/Paris,
    where 02:00 becomes 03:00). A time they show twice, when they go back, is not skipped."""
    zone = ZoneInfo(time_zone)
    shown = value.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return shown.replace(tzinfo=None) != value
