"""Template helpers: partial-or-page rendering, safe Markdown, localised texts."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import nh3
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_timezone_location
from flask import Flask, Response, g, make_response, render_template
from flask_babel import format_decimal, format_number, format_percent, get_locale
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup

from deliberation.extensions import htmx
from deliberation.models import VoteValue
from deliberation.qr import qr_svg
from deliberation.services.privacy import is_small

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "de": "Deutsch"}
PHASE_NAMES = {
    "draft": _l("Draft"),
    "open": _l("Open"),
    "drafting": _l("Drafting proposals"),
    "deciding": _l("Deciding"),
    "closed": _l("Closed"),
    "reported": _l("Reported"),
}
VOTE_LABELS = {
    VoteValue.AGREE: _l("Agree"),
    VoteValue.DISAGREE: _l("Disagree"),
    VoteValue.PASS: _l("Pass / unsure"),
}
STATUS_NAMES = {
    "pending": _l("Awaiting review"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
}
TEXT_KIND_NAMES = {
    "statement": _l("Statement"),
    "proposal_title": _l("Proposal title"),
    "proposal_text": _l("Proposal text"),
    "amendment_text": _l("Amendment"),
    "amendment_rationale": _l("Amendment rationale"),
    "decision_title": _l("Decision title"),
    "option_title": _l("Option title"),
    "option_text": _l("Option text"),
    "outcome_title": _l("Outcome title"),
    "outcome_text": _l("Outcome text"),
    "outcome_rationale": _l("Outcome rationale"),
}
"""What each kind of translatable text is, for readers (``TextKind`` values)."""
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})
_ALLOWED_TAGS = {
    "p",
    "em",
    "strong",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h2",
    "h3",
    "h4",
    "br",
    "hr",
}


# Links go to an absolute http, https or mailto address: a relative or protocol-relative
# reference ("//evil.example") would pass a scheme check, and needs none to leave the site.
_LINK = re.compile(r"(?:https?|mailto):", re.IGNORECASE)


def _absolute_links_only(_element: str, attribute: str, value: str) -> str | None:
    if attribute == "href" and not _LINK.match(value):
        return None
    return value


def render_markdown(text: str) -> Markup:
    """Markdown to HTML with raw HTML disabled, then sanitised: safe for participant text too.
    Links keep their address only when it is absolute http, https or mailto."""
    html = _markdown.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        attribute_filter=_absolute_links_only,
        link_rel="nofollow noopener",
    )
    return Markup(cleaned)


def format_local_datetime(value: datetime, time_zone: str = "UTC") -> str:
    """``value`` (UTC) as people write it in ``time_zone`` and the current locale, region
    included, without seconds, then the zone as a place in the reader's words:
    "3 Dec 2026, 18:05 (Paris)" in en_GB, "Dec 3, 2026, 6:05 PM (Paris)" in en_US,
    "03.12.2026, 18:05 (Zürich)" in German. An unknown zone is shown as UTC."""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    locale = get_locale() or Locale("en")
    local = value.astimezone(zone)
    when = locale.datetime_formats["medium"].format(
        format_time(local, "short", locale=locale), format_date(local, "medium", locale=locale)
    )
    return f"{when} ({get_timezone_location(zone, locale=locale, return_city=True)})"


def language_name(code: str) -> str:
    """The name of language ``code`` in the interface language ("allemand" for ``de`` in French)."""
    try:
        return Locale.parse(code).get_display_name(get_locale()) or code
    except (UnknownLocaleError, ValueError):
        return code


def current_language() -> str:
    """The interface language's code ("en" for the locale en_GB): catalogs, texts and
    ``<html lang>`` follow the language, formats follow the whole locale."""
    locale = get_locale()
    return locale.language if locale else "en"


def render(
    template: str, fragment: str | None = None, *, status: int = 200, **context: Any
) -> Response:
    """Render ``fragment`` alone for an htmx request, else the full ``template`` page.

    Always sets ``Vary: HX-Request`` because the same URL answers with either.
    """
    name = fragment if (fragment and htmx and not htmx.boosted) else template
    response = make_response(render_template(name, **context), status)
    response.headers["Vary"] = "HX-Request"
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["qr_svg"] = qr_svg
    app.jinja_env.globals.update(
        language_names=LANGUAGE_NAMES,
        language_name=language_name,
        format_number=format_number,
        format_percent=format_percent,
        format_decimal=format_decimal,
        format_datetime=format_local_datetime,
        is_small=is_small,
    )

    @app.context_processor
    def _context() -> dict[str, Any]:
        return {
            "current_language": current_language(),
            "current_user": g.get("user"),
            "phase_names": PHASE_NAMES,
            "status_names": STATUS_NAMES,
            "text_kind_names": TEXT_KIND_NAMES,
            "vote_values": tuple(VoteValue),
            "vote_labels": VOTE_LABELS,
        }
