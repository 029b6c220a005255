"""Flask extensions, created here and bound to an app in ``create_app``."""

from __future__ import annotations

import time
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from flask import current_app, has_request_context, request, session
from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from limits.storage import MemoryStorage


class SweptMemoryStorage(MemoryStorage):
    """limits' in-process storage (``palabre-memory://``, the default), its expired windows
    swept at most once every ``SWEEP_SECONDS`` in the request that comes by rather than by a
    new thread 100 times a second: that sweep walks every key, and with a key per participant it
    cost each worker more CPU than the votes it limited. A window is dropped when read after it
    expired either way (``get``); the sweep only frees memory. Fixed windows only (the limiter's
    strategy), as ``incr`` is the one counting call that strategy makes."""

    STORAGE_SCHEME = ["palabre-memory"]  # noqa: RUF012 - the name limits registers
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._swept = time.monotonic()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        self.get(key)
        self._sweep()
        with self.locks[key]:
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = time.time() + expiry
        return self.storage.get(key, 0)

    def _sweep(self) -> None:
        if time.monotonic() - self._swept < self.SWEEP_SECONDS:
            return
        self._swept = time.monotonic()
        now = time.time()
        for key in [key for key, at in list(self.expirations.items()) if at <= now]:
            self.storage.pop(key, None)
            self.expirations.pop(key, None)
            self.locks.pop(key, None)


babel = Babel()
csrf = CSRFProtect()
htmx = HTMX()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@lru_cache(maxsize=256)
def parsed_locale(identifier: str) -> Locale:
    """The ``Locale`` of ``identifier``, one object per identifier for the process: its CLDR data
    is loaded once, not again in every request's first date or number (babel keeps what it read
    on the object). Identifiers come from ``Accept-Language``: the cache is bounded."""
    return Locale.parse(identifier)


def select_babel_locale() -> Locale:
    """``select_locale`` as the shared ``Locale`` object (the app's locale selector)."""
    return parsed_locale(select_locale())


def select_locale() -> str:
    """The session's chosen language, else the best match of ``Accept-Language``, else English
    (always English outside a request: command-line messages); with the region the browser
    asks for in that language, so dates and numbers read as there ("en_GB", "de_CH").

    Catalogs are per language: gettext falls back from "en_GB" to "en".
    """
    if not has_request_context():
        return "en"
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    language = (
        str(chosen)
        if chosen in languages
        else request.accept_languages.best_match(languages) or "en"
    )
    return _with_region(language)


def _with_region(language: str) -> str:
    """``language`` with the region of the first ``Accept-Language`` entry in that language
    that names a known one, else ``language`` alone."""
    for tag, _quality in request.accept_languages:
        parts = tag.replace("_", "-").split("-")
        if parts[0].lower() != language or len(parts) < 2:
            continue
        region = parts[-1].upper()
        try:
            locale = parsed_locale(f"{language}_{region}")
        except (UnknownLocaleError, ValueError):
            continue
        if locale.territory == region:  # not a region babel guessed for an unknown one
            return str(locale)
    return language
