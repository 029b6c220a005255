"""Token authentication of ``/api/v1``: ``Authorization: Bearer <token>``.

The API reads no cookie: a token is its only credential, so its blueprint is exempt from CSRF
(a browser cannot be tricked into sending a bearer token). Each live token has its own rate
limit (``rate_limit_key``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address

from deliberation.db import get_session
from deliberation.errors import Forbidden, Unauthorized
from deliberation.models import ApiToken, TokenScope
from deliberation.services import api_tokens

P = ParamSpec("P")
R = TypeVar("R")


def bearer_secret() -> str | None:
    """The token the request sends, if any."""
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def live_token() -> ApiToken | None:
    """The live token the request sends, else None."""
    secret = bearer_secret()
    return api_tokens.authenticate(get_session(), secret) if secret else None


def rate_limit_key() -> str:
    """Requests with a live token share its limit; others, with no token or an unknown or
    revoked one, share their address's (made-up tokens buy no extra requests)."""
    token = live_token()
    return f"token:{token.id}" if token is not None else f"ip:{get_remote_address()}"


def current_token() -> ApiToken:
    token: ApiToken = g.api_token
    return token


def token_required(scope: TokenScope) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A live token is required (else 401); ``respond`` endpoints need a ``respond`` token
    (else 403). The token is ``current_token()`` in the view."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            token = live_token()
            if token is None:
                raise Unauthorized(
                    _l("A valid API token is required: Authorization: Bearer <token>.")
                )
            if scope == TokenScope.RESPOND and token.scope != TokenScope.RESPOND:
                raise Forbidden(_l("This token may read but not respond."))
            g.api_token = token
            return view(*args, **kwargs)

        return wrapped

    return decorate
