"""Template helpers: partial-or-page rendering, safe Markdown, localised texts."""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping
from datetime import datetime
from functools import lru_cache
from types import MappingProxyType, SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import nh3
from babel import Locale, UnknownLocaleError, numbers
from babel.dates import format_date, format_time, get_timezone_location
from babel.support import NullTranslations
from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_app_context,
    has_request_context,
    render_template,
    url_for,
)
from flask.globals import request_ctx
from flask.templating import Environment as FlaskEnvironment
from flask.templating import _default_template_ctx_processor
from flask_babel import format_decimal, format_percent, get_locale, get_translations
from flask_babel import format_number as babel_format_number
from flask_babel import gettext as flask_gettext
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import csrf_meta_tag
from jinja2 import StrictUndefined, pass_context
from jinja2.runtime import Context
from markdown_it import MarkdownIt
from markupsafe import Markup

from deliberation.extensions import generate_csrf, htmx, select_babel_locale
from deliberation.models import VoteValue
from deliberation.qr import qr_svg
from deliberation.services.privacy import is_small


class Environment(FlaskEnvironment):
    """Flask's Jinja environment, where a template loaded without globals of its own reads
    the environment's globals through a read-only view rather than a ``ChainMap`` over them.

    Jinja builds a context for every render, include and import by copying its template's
    globals and listing their names: through a ``ChainMap`` (Jinja 3's default) that copy goes
    key by key in Python, each key missed first in the template's empty map, and cost more
    than the rest of a small partial (a vote's answer renders four of them). The view is the
    environment's own dict, so a global added later is seen as before; being read-only, it
    refuses the one write Jinja makes to template globals (``get_template`` given globals
    for a template already loaded, which Palabre never does) instead of letting it reach
    every template."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        if d:
            return super().make_globals(d)
        return cast(MutableMapping[str, Any], MappingProxyType(self.globals))


def _template_gettext(
    translations: NullTranslations,
) -> tuple[Callable[..., str], Callable[..., str]]:
    """Jinja's new-style ``gettext`` and ``ngettext`` (as installed by flask-babel: the result
    is a format string, escaped in an autoescaped template), bound to ``translations``: the
    catalog is looked up once per render, not through flask-babel's context in every string."""
    lookup = translations.ugettext
    plural_lookup = translations.ungettext

    @pass_context
    def gettext(context: Context, string: str, /, **variables: Any) -> str:
        text = lookup(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        if not variables and "%" not in text:
            return text  # what formatting would give, without formatting
        return text % variables  # type: ignore[no-any-return]

    @pass_context
    def ngettext(
        context: Context, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        text = plural_lookup(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables  # type: ignore[no-any-return]

    return gettext, ngettext


_Kept = tuple[Locale, str, NullTranslations, Callable[..., str], Callable[..., str]]


def _kept_i18n() -> _Kept | None:
    """The request's locale, its language code, its catalog and the templates' ``gettext``
    and ``ngettext``, kept in ``g``: looking the catalog up through flask-babel costs more than
    a whole template context. Checked against the locale at every use, since ``force_locale``
    renders some texts (notifications, reports) in another language. None outside the app."""
    if not has_app_context():
        return None
    store = g._get_current_object()
    kept: _Kept | None = getattr(store, "_palabre_i18n", None)
    # flask-babel keeps the request's locale, the forced one inside ``force_locale``, on its
    # namespace in ``g``: the same object as kept means the same language, without the three
    # context lookups of ``get_locale`` before each string of a page.
    babel_context = getattr(store, "_flask_babel", None)
    selected = getattr(babel_context, "babel_locale", None)
    if kept is not None and kept[0] is selected:
        return kept
    if selected is None and has_request_context():
        # The request's first look: what ``get_locale`` would choose and keep (the app's
        # selector, ``select_babel_locale``, which gives a ``Locale``), kept where it keeps it,
        # without its three context lookups.
        if babel_context is None:
            babel_context = store._flask_babel = SimpleNamespace()
        locale = babel_context.babel_locale = select_babel_locale()
    else:
        locale = get_locale()
        if locale is None:
            return None
    if kept is None or kept[0] is not locale:
        made = _i18n_for(locale)  # kept for an equal locale, perhaps another object
        kept = store._palabre_i18n = made if made[0] is locale else (locale, *made[1:])
    return kept


LOCALES_KEPT = 256
"""At most this many locales' catalogs and ``gettext`` kept per app by ``_i18n_for``."""


def _i18n_for(locale: Locale) -> _Kept:
    """What ``_kept_i18n`` keeps for ``locale``, made once per app and locale (flask-babel reads
    each catalog once per process too): looking it up through flask-babel and making the
    templates' ``gettext`` cost more than the rest of a vote's answer."""
    known: dict[Locale, _Kept] = current_app.extensions.setdefault("palabre.i18n", {})
    kept = known.get(locale)  # an equal locale reads the same catalog
    if kept is None:
        if len(known) >= LOCALES_KEPT:
            known.clear()
        translations = get_translations()
        kept = known[locale] = (
            locale,
            locale.language,
            translations,
            *_template_gettext(translations),
        )
    return kept


def gettext(string: str, **variables: Any) -> str:
    """flask-babel's ``gettext``, through the request's kept catalog."""
    kept = _kept_i18n()
    if kept is None:
        return str(flask_gettext(string, **variables))
    text: str = kept[2].ugettext(string)
    return text % variables if variables else text


@pass_context
def label_colon(context: Context, label: Any) -> str:
    """``label`` followed by the colon that separates a label from its value, as the current
    language writes it: "Quorum:" in English, "Quorum\u00a0:" in French (a no-break space
    before the colon). Templates write ``{{ label_colon(name) }} {{ value }}``, never a colon
    of their own. ``label`` is escaped in an autoescaped template (it may be text a person
    typed), kept as it is otherwise (Markdown, whose templates escape their own values)."""
    template = gettext("%(label)s:")
    if context.eval_ctx.autoescape:
        return Markup(template) % {"label": label}
    return template % {"label": label}


def lazy_gettext(string: str) -> LazyString:
    """flask-babel's ``lazy_gettext`` (the same ``LazyString``), through ``gettext`` above."""
    return LazyString(gettext, string)


_l = lazy_gettext

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
VOTE_BUTTONS = tuple((vote, vote.choice, vote.choice[0].upper()) for vote in VoteValue)
"""Each vote's value, its name in forms and classes, and its keyboard key, in button order."""
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


def current_locale() -> Locale | None:
    """The request's locale (the forced one inside ``force_locale``); None outside the app."""
    kept = _kept_i18n()
    return kept[0] if kept is not None else None


def current_language() -> str:
    """The interface language's code ("en" for the locale en_GB): catalogs, texts and
    ``<html lang>`` follow the language, formats follow the whole locale."""
    kept = _kept_i18n()
    return kept[1] if kept is not None else "en"


@lru_cache(maxsize=4096)
def _format_integer(number: int, locale: Locale) -> str:
    return numbers.format_decimal(number, locale=locale)


def format_number(number: Any) -> str:
    """flask-babel's ``format_number``, whole numbers remembered per locale (counts come back
    in every page: babel's formatting costs more than the rest of a progress line)."""
    kept = _kept_i18n()
    if type(number) is int and kept is not None:
        return _format_integer(number, kept[0])
    return babel_format_number(number)


PROGRESS_LABEL = _l("Statements voted: %(voted)s of %(total)s")


def progress_label(voted: int, total: int) -> Markup:
    """The progress line of a participant who voted on ``voted`` of ``total`` statements, in
    the current language: it comes with every vote, and formatting its two numbers cost more
    than the rest of its template. Kept per locale and pair of numbers."""
    kept = _kept_i18n()
    assert kept is not None, "a progress line is rendered within the app"
    return _progress_label(kept[0], voted, total)


@lru_cache(maxsize=8192)
def _progress_label(locale: Locale, voted: int, total: int) -> Markup:
    numbers = {"voted": _format_integer(voted, locale), "total": _format_integer(total, locale)}
    # As the templates' gettext: the catalog's string is markup, the numbers are escaped into it.
    return Markup(str(PROGRESS_LABEL)) % numbers


ROUND_URLS_KEPT = 4096
"""At most this many addresses kept per app by ``round_url`` (a round has few)."""


def round_url(endpoint: str, slug: str) -> str:
    """``url_for(endpoint, slug=slug)`` (a relative address), kept per app and per script root
    (the prefix the app is served under, ``SCRIPT_NAME``): building it costs as much as a
    small partial, and the card and the vote feedback need theirs with every vote."""
    return round_urls(slug, endpoint)[0]


def round_urls(slug: str, *endpoints: str) -> list[str]:
    """``round_url`` of each of ``endpoints``, the app's and the request's state read once."""
    current = request_ctx._get_current_object()  # type: ignore[attr-defined]
    urls: dict[tuple[str, str, str], str] = current.app.extensions.setdefault(
        "palabre.round_urls", {}
    )
    root = current.request.script_root
    found = []
    for endpoint in endpoints:
        key = (root, endpoint, slug)
        url = urls.get(key)
        if url is None:
            if len(urls) >= ROUND_URLS_KEPT:
                urls.clear()
            url = urls[key] = url_for(endpoint, slug=slug)
        found.append(url)
    return found


FRAGMENTS_KEPT = 1024
"""At most this many rendered fragments kept per app by ``language_fragment``."""
REQUEST_BOUND = (
    "request",
    "session",
    "g",
    "config",
    "csrf_token",
    "csrf_meta_tag",
    "get_flashed_messages",
    "url_for",
    "round_url",
)
"""Globals that read the request, the browser or the app: a kept fragment, shared by every
visitor in its language, cannot use them (rendering it fails instead)."""


def language_fragment(name: str, **constants: str | bool) -> Markup:
    """Template ``name`` rendered once per app, locale and ``constants``, then kept: markup
    that depends on the language alone, such as the vote buttons every card carries, or on a
    few constants besides (a language code, a flag: never user text). It is rendered with the
    language's strings, the vote constants (``vote_buttons``, ``vote_labels``) and
    ``constants`` only, never with a request's data: the globals that read one
    (``REQUEST_BOUND``) are undefined there, and markup that needs them is an include.
    Rendered again each time while templates reload (development)."""
    kept = _kept_i18n()
    assert kept is not None, "a fragment is rendered within the app"
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    fragments: dict[tuple[Any, ...], Markup] = app.extensions.setdefault("palabre.fragments", {})
    environment = app.jinja_env
    key = (name, kept[0], *constants.items())
    html = fragments.get(key)
    if html is None or environment.auto_reload:
        if len(fragments) >= FRAGMENTS_KEPT:
            fragments.clear()
        # Markup: a template of the app, autoescaped, with constants and the catalog's
        # strings only (no request, session or user text can reach it: see REQUEST_BOUND).
        html = fragments[key] = Markup(
            environment.get_template(name).render(
                {bound: StrictUndefined(name=bound) for bound in REQUEST_BOUND},
                vote_buttons=VOTE_BUTTONS,
                vote_labels=VOTE_LABELS,
                current_language=kept[1],
                gettext=kept[3],
                _=kept[3],
                ngettext=kept[4],
                **constants,
            )
        )
    return html


def render(
    template: str, fragment: str | None = None, *, status: int = 200, **context: Any
) -> Response:
    """Render ``fragment`` alone for an htmx request, else the full ``template`` page.

    Always sets ``Vary: HX-Request`` because the same URL answers with either.
    """
    current = request_ctx._get_current_object()  # type: ignore[attr-defined]
    environ = current.request.environ  # flask-htmx's ``htmx and not htmx.boosted``, at once
    wanted = environ.get("HTTP_HX_REQUEST") == "true" and environ.get("HTTP_HX_BOOSTED") != "true"
    name = fragment if fragment and wanted else template
    response_class = current.app.response_class
    return response_class(render_template(name, **context), status, {"Vary": "HX-Request"})


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["qr_svg"] = qr_svg
    app.jinja_env.globals.update(
        language_names=LANGUAGE_NAMES,
        language_name=language_name,
        round_url=round_url,
        format_number=format_number,
        format_percent=format_percent,
        format_decimal=format_decimal,
        format_datetime=format_local_datetime,
        is_small=is_small,
        label_colon=label_colon,
        language_fragment=language_fragment,
        progress_label=progress_label,
    )

    app.jinja_env.globals["csrf_token"] = generate_csrf
    constants = {
        "phase_names": PHASE_NAMES,
        "status_names": STATUS_NAMES,
        "text_kind_names": TEXT_KIND_NAMES,
        "vote_buttons": VOTE_BUTTONS,
        "vote_labels": VOTE_LABELS,
        # What flask-wtf's and flask-htmx's context processors give (see fold_context_processors).
        "csrf_token": generate_csrf,
        "csrf_meta_tag": csrf_meta_tag,
        "htmx": htmx,
    }

    @app.context_processor
    def _context() -> dict[str, Any]:
        kept = _kept_i18n()
        if kept is None:
            return {**constants, "current_language": "en", "current_user": g.get("user")}
        return {
            **constants,
            "current_language": kept[1],
            "current_user": g.get("user"),
            "gettext": kept[3],
            "_": kept[3],
            "ngettext": kept[4],
        }


_FOLDED_EXTENSIONS = ("flask_wtf.csrf", "flask_htmx.htmx")


def fold_context_processors(app: Flask) -> None:
    """Run two context processors per render instead of five; call once the blueprints are
    registered. Flask copies its default processor (g, request, session) into every
    blueprint's list, so a page of a blueprint ran it twice; flask-wtf's and flask-htmx's
    processors give constants, which ``init_app``'s processor gives too."""
    processors = app.template_context_processors
    for name in [name for name in processors if name is not None]:
        kept = [f for f in processors[name] if f is not _default_template_ctx_processor]
        if kept:
            processors[name] = kept
        else:
            del processors[name]
    processors[None] = [
        f for f in processors[None] if getattr(f, "__module__", None) not in _FOLDED_EXTENSIONS
    ]
