"""Palabre's application factory: wiring only (config, extensions, blueprints, CLI)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from inspect import CO_COROUTINE
from pathlib import Path
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from jinja2 import BaseLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from deliberation import audit_details, cli, db, errors, request_log, security, templating, views
from deliberation.config import instance_path, load_config
from deliberation.cookie_session import CachedCookieSessionInterface
from deliberation.extensions import babel, csrf, htmx, limiter, select_babel_locale
from deliberation.opinions import worker as opinions_worker
from deliberation.template_inlining import InliningLoader
from deliberation.translations import detection
from deliberation.wsgi import Request, Response

ROOT = Path(__file__).resolve().parent


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a document nested deeper than the parser can follow is invalid
    JSON (a ``ValueError``, which requests answer as a bad body) rather than a
    ``RecursionError`` (a 500 for anyone who posts ``[[[[...]]]]``)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error


class Palabre(Flask):
    """Flask, rendering through ``deliberation.templating.Environment`` (includes inlined),
    its requests and responses ``deliberation.wsgi``'s."""

    jinja_environment = templating.Environment
    json_provider_class = JSONProvider
    request_class = Request
    response_class = Response

    def create_global_jinja_loader(self) -> BaseLoader:  # type: ignore[override]
        """Flask's loader, the includes inlined (``deliberation.template_inlining``)."""
        return InliningLoader(super().create_global_jinja_loader())

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask's, which it calls for each hook and view of every request: a plain function
        (its code not a coroutine's) is returned at once, without ``inspect``'s unwrapping;
        anything else goes through Flask's check."""
        code = getattr(func, "__code__", None)
        if code is not None and not code.co_flags & CO_COROUTINE:
            return func
        return super().ensure_sync(func)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app. ``config`` overrides the settings read from ``PALABRE_*`` variables."""
    app = Palabre(
        __name__,
        instance_path=instance_path(),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(app.instance_path, overrides=config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.session_interface = CachedCookieSessionInterface()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    db.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_babel_locale,
        default_translation_directories=str(ROOT / "translations"),
    )
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    security.init_app(app)
    if app.config["PROXY_FIX"]:  # outside the security headers: they see the proxied scheme
        hops = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    request_log.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    audit_details.init_app(app)
    views.register(app)
    templating.fold_context_processors(app)
    cli.register(app)
    opinions_worker.init_app(app)
    detection.init_app(app)
    return app
