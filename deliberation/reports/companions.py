"""The CSV companions of a published version, written from its outcome document only.

* ``outcomes_by_territory.csv``: RFC 4180 (comma, CRLF, UTF-8), one row per outcome and
  territory, the same figures as the document (suppressed ones empty, ``suppressed`` = true).
* ``outcomes.decidim-accountability.<council>.csv``: ``;``-separated UTF-8 in Decidim's
  accountability import columns, one row per outcome addressed to that council. ``id``,
  ``status/id`` and ``proposal_urls`` stay empty (Decidim updates rows whose id matches and
  mangles proposal urls); our ``out:`` id and the support per territory go into each
  description, written in that column's language.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from deliberation import csv_files
from deliberation.reports.text import localized

LEVEL_NAMES = {
    "strong": _l("strong"),
    "moderate": _l("moderate"),
    "contested": _l("contested"),
}
STANCE_NAMES = {
    "endorse": _l("endorse"),
    "mixed": _l("mixed"),
    "reject": _l("reject"),
}
TERRITORY_COLUMNS = [
    "outcome_id",
    "outcome_type",
    "outcome_title",
    "support",
    "bridging",
    "lowest_territory_agree_rate",
    "territory_id",
    "territory",
    "agree_rate",
    "n",
    "stance",
    "suppressed",
]


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _territory_names(document: Mapping[str, Any], language: str) -> dict[str, str]:
    return {t["id"]: localized(t["name"], language) for t in document["territories"]}


def outcomes_by_territory(document: Mapping[str, Any], language: str) -> str:
    """``outcomes_by_territory.csv`` of ``document``, names in ``language`` where known."""
    names = _territory_names(document, language)
    buffer = io.StringIO(newline="")
    writer = csv_files.writer(buffer)
    writer.writerow(TERRITORY_COLUMNS)
    for outcome in document["outcomes"]:
        support = outcome["support"]
        for row in outcome["territory_support"]:
            writer.writerow(
                [
                    outcome["id"],
                    outcome["type"],
                    localized(outcome["title"], language),
                    support["level"],
                    _blank(support["bridging"]),
                    _blank(support["lowest_territory_agree_rate"]),
                    row["territory"],
                    names.get(row["territory"], row["territory"]),
                    _blank(row["agree_rate"]),
                    _blank(row["n"]),
                    _blank(row["stance"]),
                    "true" if row["suppressed"] else "false",
                ]
            )
    return buffer.getvalue()


def _description(
    outcome: Mapping[str, Any], names: Mapping[str, str], language: str, k: int
) -> str:
    """The outcome's text, then its id and support, in ``language``."""
    support = outcome["support"]
    lines = [
        localized(outcome["text"], language),
        "",
        gettext("Outcome %(id)s", id=outcome["id"]),
        gettext("Support: %(level)s", level=LEVEL_NAMES[support["level"]]),
    ]
    for row in outcome["territory_support"]:
        name = names.get(row["territory"], row["territory"])
        if row["suppressed"]:
            lines.append(
                gettext("%(territory)s: hidden, fewer than %(k)d people", territory=name, k=k)
            )
        else:
            lines.append(
                gettext(
                    "%(territory)s: %(stance)s, %(rate)s%% agree (n = %(n)s)",
                    territory=name,
                    stance=STANCE_NAMES[row["stance"]],
                    rate=f"{100 * row['agree_rate']:.1f}",
                    n=row["n"],
                )
            )
    return "\n".join(lines)


def decidim_accountability(document: Mapping[str, Any], council: str) -> str:
    """``outcomes.decidim-accountability.<council>.csv``: the outcomes addressed to council
    id ``council`` (``cnl:...``), one title and description column per document language."""
    locales: Sequence[str] = document["languages"]
    header = ["id", "parent/id"]
    header += [f"title/{locale}" for locale in locales]
    header += [f"description/{locale}" for locale in locales]
    header += ["start_date", "end_date", "status/id", "progress", "proposal_urls"]
    buffer = io.StringIO(newline="")
    writer = csv_files.writer(buffer, delimiter=";")
    writer.writerow(header)
    published = document["round"]["dates"]["published_at"][:10]
    for outcome in document["outcomes"]:
        if council not in outcome["addressed_councils"]:
            continue
        titles, descriptions = [], []
        for locale in locales:
            names = _territory_names(document, locale)
            with force_locale(locale):
                titles.append(localized(outcome["title"], locale))
                descriptions.append(_description(outcome, names, locale, document["privacy"]["k"]))
        writer.writerow(
            ["", "", *titles, *descriptions, published, outcome["response_due"] or "", "", "", ""]
        )
    return buffer.getvalue()
