"""Flask extensions, created here and bound to an app in ``create_app``."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import time
from collections.abc import Callable
from functools import lru_cache, partial, wraps
from typing import Any, TypeVar

from babel import Locale, UnknownLocaleError
from flask import Config, Flask, Request, current_app, g, has_request_context, request, session
from flask.globals import request_ctx
from flask.sessions import SessionMixin
from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from flask_wtf import csrf as flask_wtf_csrf
from flask_wtf.csrf import CSRFProtect, same_origin
from itsdangerous import BadData, URLSafeTimedSerializer
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from werkzeug.datastructures import LanguageAccept
from werkzeug.exceptions import TooManyRequests
from werkzeug.http import parse_accept_header
from wtforms import ValidationError


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
csrf_log = logging.getLogger("flask_wtf.csrf")


class PalabreCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF protection, every state-changing request checked as before, without
    redoing the same HMAC for the same token: a browser sends the one token its page carries
    with each of its votes. The token's signature is checked once per (secret, token) and its
    value kept (``_csrf_value``); each request still compares it with its session's token.
    Only without a time limit (Palabre's ``WTF_CSRF_TIME_LIMIT = None``), where a signature
    check does not depend on the time; with one, Flask-WTF's own check runs.

    Likewise the signed token pages carry (``csrf_token()``, ``generate_csrf``: the templates'
    global, see ``deliberation.templating``) is signed once per session token rather than on
    every response: without a time limit its timestamp is never read."""

    def protect(self, apply_exemptions: bool = False) -> None:
        # The request's context read once: each proxy read costs a context lookup, in every
        # state-changing request.
        context = request_ctx._get_current_object()  # type: ignore[attr-defined]
        config = context.app.config
        current = context.request
        if current.method not in config["WTF_CSRF_METHODS"]:
            return
        if apply_exemptions and (not current.endpoint or self._is_exempt()):
            return
        try:
            validate_csrf(self._get_csrf_token(config, current), context.app, context.session)
        except ValidationError as error:
            csrf_log.info(error.args[0])
            self._error_response(error.args[0])
        if current.is_secure and config["WTF_CSRF_SSL_STRICT"]:
            if not current.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(current.referrer, f"https://{current.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True

    def _is_exempt(self) -> bool:
        """Flask-WTF's: the request's blueprint or view marked exempt."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        current = request._get_current_object()  # type: ignore[attr-defined]
        if self._exempt_blueprints and app.blueprints.get(current.blueprint) in (
            self._exempt_blueprints
        ):
            return True
        view = app.view_functions.get(current.endpoint)
        return view is not None and f"{view.__module__}.{view.__name__}" in self._exempt_views

    def _get_csrf_token(self, config: Config, current: Request) -> str | None:
        """Flask-WTF's: the form's token field (or a prefixed one, ``<prefix>-csrf_token``),
        else the first token header."""
        form = current.form
        field_name = config["WTF_CSRF_FIELD_NAME"]
        token = form.get(field_name)
        if token:
            return str(token)
        for key, value in form.items():
            if key.endswith(field_name) and value:
                return str(value)
        headers = current.headers
        for name in config["WTF_CSRF_HEADERS"]:
            token = headers.get(name)
            if token:
                return str(token)
        return None


MAX_CACHED_TOKEN = 512
"""Longer tokens (never issued here) are checked without the cache (bounded memory)."""


def validate_csrf(data: str | None, app: Flask, browser: SessionMixin) -> None:
    """Flask-WTF's ``validate_csrf`` with ``app``'s settings, its signature check cached;
    ``browser``: the request's session."""
    config = app.config
    time_limit = config["WTF_CSRF_TIME_LIMIT"]
    secret_key = config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    field_name = config["WTF_CSRF_FIELD_NAME"]
    if time_limit is not None or not isinstance(data, str) or len(data) > MAX_CACHED_TOKEN:
        flask_wtf_csrf.validate_csrf(data)
        return
    if not data:
        raise ValidationError("The CSRF token is missing.")
    stored = browser.get(field_name)
    if stored is None:
        raise ValidationError("The CSRF session token is missing.")
    try:
        token = _csrf_value(secret_key, data)
    except BadData as error:
        raise ValidationError("The CSRF token is invalid.") from error
    if not hmac.compare_digest(stored, token):
        raise ValidationError("The CSRF tokens do not match.")


@lru_cache(maxsize=4096)
def _csrf_value(secret_key: str | bytes, data: str) -> Any:
    """The session token signed in ``data`` (``BadData`` when its signature is not valid:
    not cached)."""
    return URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token").loads(data)


def generate_csrf() -> str:
    """Flask-WTF's ``generate_csrf`` (the signed token of the session's), signed once per
    session token when tokens have no time limit. The request keeps it where Flask-WTF looks
    (``g``), so a form made after it carries the same token; a form made before it has one
    Flask-WTF signed itself, as valid."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    config = app.config
    field_name = config["WTF_CSRF_FIELD_NAME"]
    if config["WTF_CSRF_TIME_LIMIT"] is not None:
        return flask_wtf_csrf.generate_csrf()
    browser = session._get_current_object()  # type: ignore[attr-defined]
    raw = browser.get(field_name)
    if raw is None:  # as Flask-WTF: a new session token
        raw = browser[field_name] = hashlib.sha1(os.urandom(64)).hexdigest()
    if not isinstance(raw, str):
        return flask_wtf_csrf.generate_csrf()
    token = _signed_csrf(config.get("WTF_CSRF_SECRET_KEY") or app.secret_key, raw)
    setattr(g, field_name, token)
    return token


@lru_cache(maxsize=4096)
def _signed_csrf(secret_key: str | bytes, raw: str) -> str:
    return str(URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token").dumps(raw))


csrf = PalabreCSRFProtect()
htmx = HTMX()


View = TypeVar("View", bound=Callable[..., Any])


class PalabreLimiter(Limiter):
    """flask-limiter, the same limits, keys and storage, without a pass that finds nothing.

    flask-limiter checks every request twice: once before the view (application, default,
    meta and blueprint limits) and once in the decorator of a limited view (its own limits).
    Palabre declares no application, default or meta limit, so for a view outside a limited
    blueprint the first pass resolves an empty list of limits, at a cost close to a real
    check: it is skipped then. Any such limit, configured or declared, an endpoint hint, the
    in-memory fallback or a limit on the request's blueprint (the API's) brings it back."""

    def init_app(self, app: Flask) -> None:
        """flask-limiter's, without its hooks after each request while they can do nothing:
        with rate-limit headers off (Palabre sends none) and no limit deducted on a condition
        (``deduct_when``, refused below), the after-request hook only reads the request's
        limits, and the teardown clears them on a context that ends with the request anyway."""
        super().init_app(app)
        if self._headers_enabled:
            return
        inject = getattr(Limiter, "_Limiter__inject_headers")  # noqa: B009 - its private name
        release = getattr(self, "_Limiter__release_context")  # noqa: B009
        app.after_request_funcs[None] = [
            hook
            for hook in app.after_request_funcs.get(None, [])
            if not (isinstance(hook, partial) and hook.func is inject and hook.args == (self,))
        ]
        app.teardown_request_funcs[None] = [
            hook for hook in app.teardown_request_funcs.get(None, []) if hook != release
        ]

    def limit(self, *args: Any, **kwargs: Any) -> Any:
        _refuse_deductions(kwargs)
        return super().limit(*args, **kwargs)

    def shared_limit(self, *args: Any, **kwargs: Any) -> Any:
        _refuse_deductions(kwargs)
        return super().shared_limit(*args, **kwargs)

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        if in_middleware and self._nothing_before_the_view():
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def _nothing_before_the_view(self) -> bool:
        try:
            return self._no_limit_before_the_view()
        except AttributeError:  # another flask-limiter than the locked one: its own way
            return False

    def _no_limit_before_the_view(self) -> bool:
        manager = self.limit_manager
        current = request._get_current_object()  # type: ignore[attr-defined]
        endpoint = current.endpoint
        if (
            manager._application_limits
            or manager._default_limits
            or self._meta_limits
            or self._in_memory_fallback_enabled
            or (endpoint is not None and manager.has_hints(endpoint))
        ):
            return False
        blueprint = current.blueprint
        if blueprint is None or not manager._blueprint_limits:
            return True
        return not any(name in manager._blueprint_limits for name in blueprint.split("."))

    def bucket(
        self, limit_value: Callable[[], str], *, scope: str, key_func: Callable[[], str]
    ) -> Callable[[View], View]:
        """A limit shared by every view it decorates, one bucket per ``key_func()``: what
        ``shared_limit`` does, under the same storage key, with one hit of the storage instead
        of flask-limiter's evaluation of every limit a view could have (for the votes, where it
        cost more CPU than the vote's own statement). A broken limit raises ``TooManyRequests``
        with ``current_limit`` set, as flask-limiter does."""

        def decorate(view: View) -> View:
            @wraps(view)
            def limited(*args: Any, **kwargs: Any) -> Any:
                if self.enabled and self.initialized:
                    self._hit(_limit_item(limit_value()), scope, key_func())
                return view(*args, **kwargs)

            return limited  # type: ignore[return-value]

        return decorate

    def _hit(self, item: RateLimitItem, scope: str, key: str) -> None:
        args = [self._key_prefix, key, scope] if self._key_prefix else [key, scope]
        if self.limiter.hit(item, *args):
            return
        breached = RequestLimit(self, item, args, True, True)
        self.context.view_rate_limit = breached
        self.context.view_rate_limits = [breached]
        raise TooManyRequests()


def _refuse_deductions(options: dict[str, Any]) -> None:
    if options.get("deduct_when") is not None:
        raise TypeError("deduct_when needs flask-limiter's after-request hook, removed here")


@lru_cache(maxsize=64)
def _limit_item(value: str) -> RateLimitItem:
    """The parsed limit of a setting such as "120 per minute" (parsed once per value)."""
    return parse(value)


limiter = PalabreLimiter(key_func=get_remote_address, default_limits=[])


def retry_after(limit: RequestLimit) -> int:
    """Seconds until ``limit``, which this request broke, lets it through again: at least 1,
    and at most the limit's window (its fixed window began at the latest now; flask-limiter's
    ``reset_at`` rounds the window's end up to the next whole second and beyond, which would
    make "10 per minute" say 61 seconds, "2 minutes", when the window began just past a whole
    second and the request came within the same second)."""
    return max(1, min(math.ceil(limit.reset_at - time.time()), limit.limit.get_expiry()))


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
    current = request_ctx._get_current_object()  # type: ignore[attr-defined]
    languages = tuple(current.app.config["LANGUAGES"])
    chosen = current.session.get("lang")
    header = current.request.headers.get("Accept-Language")
    if header is not None and len(header) > MAX_CACHED_HEADER:
        return _locale_name(languages, chosen if isinstance(chosen, str) else None, header)
    return _cached_locale_name(languages, chosen if isinstance(chosen, str) else None, header)


MAX_CACHED_HEADER = 256
"""Longer ``Accept-Language`` headers are read without the cache (bounded memory)."""


@lru_cache(maxsize=4096)
def _cached_locale_name(languages: tuple[str, ...], chosen: str | None, header: str | None) -> str:
    return _locale_name(languages, chosen, header)


def _locale_name(languages: tuple[str, ...], chosen: str | None, header: str | None) -> str:
    """The locale of ``select_locale``: a function of the languages offered, the session's
    choice and the ``Accept-Language`` header only (so cached per value: parsing the header
    and asking babel about regions cost more than the rest of a vote's request handling)."""
    accepted = parse_accept_header(header, LanguageAccept)
    language = chosen if chosen in languages else accepted.best_match(languages) or "en"
    return _with_region(language, accepted)


def _with_region(language: str, accepted: LanguageAccept) -> str:
    """``language`` with the region of the first ``Accept-Language`` entry in that language
    that names a known one, else ``language`` alone."""
    for tag, _quality in accepted:
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
