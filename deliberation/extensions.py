"""Flask extensions, created here and bound to an app in ``create_app``."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
htmx = HTMX()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def select_locale() -> str:
    """The session's chosen language, else the best match of ``Accept-Language``, else English
    (always English outside a request: command-line messages)."""
    if not has_request_context():
        return "en"
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    return request.accept_languages.best_match(languages) or "en"
