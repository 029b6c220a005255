"""Configuration read from ``PALABRE_``-prefixed environment variables when the app is created.

Every setting has a documented default (see README.md). Nothing is read at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEVELOPMENT_SECRET = "palabre-development-only-secret"
MIN_SECRET_BYTES = 32
LANGUAGES = ("en", "fr", "es", "de")
ROOT = Path(__file__).resolve().parent.parent
PUBLIC_URL = "http://127.0.0.1:5000"


class ConfigurationError(RuntimeError):
    """The environment does not describe a safe, working configuration."""


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_path(environ: Mapping[str, str] | None = None) -> str:
    """The instance folder (SQLite database): ``PALABRE_INSTANCE_PATH``, else ``./instance``
    beside the code."""
    env = os.environ if environ is None else environ
    return env.get("PALABRE_INSTANCE_PATH") or str(ROOT / "instance")


def load_config(
    instance_path: str,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the Flask config from ``environ`` (default ``os.environ``), then ``overrides``.

    Only ``PALABRE_ENV=development`` may run with the built-in development secret. In every
    other mode (production, and any other value: there is no "testing" way around this), the
    secret, from the environment or ``overrides``, must be set, not the development one, and
    at least ``MIN_SECRET_BYTES`` long. The test suite passes its secret in ``overrides``.
    Raises ``ConfigurationError`` otherwise.
    """
    env = os.environ if environ is None else environ
    mode = env.get("PALABRE_ENV", "production")
    development = mode == "development"
    secret = (
        (overrides or {}).get("SECRET_KEY")
        or env.get("PALABRE_SECRET_KEY")
        or env.get("SECRET_KEY")
    )
    if not secret:
        if not development:
            raise ConfigurationError(
                "PALABRE_SECRET_KEY is not set: refusing to start outside development "
                "with the default secret (set PALABRE_ENV=development for local use)."
            )
        secret = DEVELOPMENT_SECRET
    elif not development:
        if secret == DEVELOPMENT_SECRET:
            raise ConfigurationError("PALABRE_SECRET_KEY is the development secret.")
        if len(str(secret).encode()) < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"PALABRE_SECRET_KEY is shorter than {MIN_SECRET_BYTES} bytes: use a long "
                "random value, for example: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'"
            )
    database_url = (
        env.get("PALABRE_DATABASE_URL")
        or env.get("DATABASE_URL")
        or f"sqlite:///{Path(instance_path) / 'palabre.sqlite3'}"
    )
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    translate_url = env.get("PALABRE_TRANSLATE_URL", "")
    if translate_url and not translate_url.startswith(("http://", "https://")):
        raise ConfigurationError("PALABRE_TRANSLATE_URL must be an http:// or https:// URL.")
    config = {
        "ENV_MODE": mode,
        "SECRET_KEY": secret,
        "DATABASE_URL": database_url,
        "SQL_ECHO": _flag(env.get("PALABRE_SQL_ECHO", "")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": LANGUAGES,
        "RATELIMIT_ENABLED": _flag(env.get("PALABRE_RATELIMIT_ENABLED", "true")),
        "RATELIMIT_STORAGE_URI": env.get("PALABRE_RATELIMIT_STORAGE_URI", "palabre-memory://"),
        "RATELIMIT_JOIN": env.get("PALABRE_RATELIMIT_JOIN", "30 per hour"),
        "RATELIMIT_VOTE": env.get("PALABRE_RATELIMIT_VOTE", "120 per minute"),
        "RATELIMIT_STATEMENT": env.get("PALABRE_RATELIMIT_STATEMENT", "10 per hour"),
        "RATELIMIT_SIGNIN": env.get("PALABRE_RATELIMIT_SIGNIN", "10 per minute"),
        "RATELIMIT_API": env.get("PALABRE_RATELIMIT_API", "300 per minute"),
        "ROUTING_SEED": int(env["PALABRE_ROUTING_SEED"]) if "PALABRE_ROUTING_SEED" in env else None,
        "VOTABLE_COUNT_SECONDS": float(env.get("PALABRE_VOTABLE_COUNT_SECONDS", "2")),
        "VISIT_KEPT_SECONDS": float(env.get("PALABRE_VISIT_KEPT_SECONDS", "60")),
        "PUBLIC_URL": env.get("PALABRE_PUBLIC_URL") or PUBLIC_URL,
        "PROXY_FIX": int(env.get("PALABRE_PROXY_FIX", "0")),
        "NODE_MODULES": env.get("PALABRE_NODE_MODULES", str(ROOT / "node_modules")),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": int(env.get("PALABRE_MAX_UPLOAD_BYTES", str(8 * 1024 * 1024))),
        # The API takes small JSON documents: its largest valid body, a council's answer with
        # every character escaped as a surrogate pair, is about 70 KB.
        "API_MAX_BODY_BYTES": int(env.get("PALABRE_API_MAX_BODY_BYTES", str(256 * 1024))),
        "OPINIONS_WORKER": env.get("PALABRE_OPINIONS_WORKER", "thread"),
        "OPINIONS_MIN_INTERVAL": float(env.get("PALABRE_OPINIONS_MIN_INTERVAL", "5")),
        "OPINIONS_POLL": float(env.get("PALABRE_OPINIONS_POLL", "2")),
        "OPINIONS_SEED": int(env.get("PALABRE_OPINIONS_SEED", "0")),
        "TRANSLATE_URL": translate_url,
        "TRANSLATE_API_KEY": env.get("PALABRE_TRANSLATE_API_KEY", ""),
        "TRANSLATE_TIMEOUT": float(env.get("PALABRE_TRANSLATE_TIMEOUT", "10")),
        "TRANSLATE_BATCH": int(env.get("PALABRE_TRANSLATE_BATCH", "50")),
        "ACCOUNT_LINK_HOURS": float(env.get("PALABRE_ACCOUNT_LINK_HOURS", "72")),
        "DEMO_PASSWORD": env.get("PALABRE_DEMO_PASSWORD", ""),
        "COMMIT": env.get("PALABRE_COMMIT", "unknown"),
        "SMTP_HOST": env.get("PALABRE_SMTP_HOST", ""),
        "SMTP_PORT": int(env.get("PALABRE_SMTP_PORT", "25")),
        "SMTP_STARTTLS": _flag(env.get("PALABRE_SMTP_STARTTLS", "")),
        "SMTP_USERNAME": env.get("PALABRE_SMTP_USERNAME", ""),
        "SMTP_PASSWORD": env.get("PALABRE_SMTP_PASSWORD", ""),
        "MAIL_FROM": env.get("PALABRE_MAIL_FROM", "palabre@localhost"),
    }
    config.update(overrides or {})
    return config
