"""Flask's signed cookie session, without checking the same cookie's signature on every request.

A participant's browser sends the same session cookie with each of its votes (a vote does not
change the session: no new cookie is sent back). Flask checks its HMAC and builds its serializer
on every request; here the serializer is built once per secret key and the signature of a given
cookie checked once (``_verified``, a bounded cache of cookies that passed the check, with the
time they were signed) and its data decoded once (``_decoded``). Each request still checks
the cookie's age against the session's lifetime and gets its own copy of the data, so nothing
is shared between requests.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer

MAX_CACHED_COOKIE = 4096
"""Longer cookies (browsers keep at most 4 KB) are checked without the cache (bounded memory)."""


class CachedCookieSessionInterface(SecureCookieSessionInterface):
    """``SecureCookieSessionInterface`` with the same cookies, keys and lifetime rules."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[str | bytes, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            assert serializer is not None
            self._serializers = {keys: serializer}  # one app, one current set of keys
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        if len(value) > MAX_CACHED_COOKIE:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            payload, signed_at = _verified(serializer, value)
            age = int(time.time()) - signed_at
            if age > max_age or age < 0:  # as itsdangerous: expired, or signed in the future
                return self.session_class()
            return self.session_class(_copy(_decoded(serializer, payload)))
        except BadSignature:
            return self.session_class()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Flask's, with the common case made short: a session read but not changed (and not
        refreshed on each request) only adds ``Cookie`` to ``Vary``."""
        if session.modified or not session.accessed or self.should_set_cookie(app, session):
            super().save_session(app, session, response)
            return
        vary = response.headers.get("Vary")
        if vary is None:
            response.headers["Vary"] = "Cookie"
        elif "cookie" not in {value.strip().lower() for value in vary.split(",")}:
            response.headers["Vary"] = f"{vary}, Cookie"


@lru_cache(maxsize=4096)
def _decoded(serializer: URLSafeTimedSerializer, payload: bytes) -> Any:
    """The data of a verified cookie's ``payload``, decoded once: only copies leave here."""
    return serializer.load_payload(payload)


def _copy(value: Any) -> Any:
    """``value``, decoded session data, copied down to its every dict, list and tuple: each
    request changes its own."""
    kind = type(value)
    if kind is dict:
        return {key: _copy(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return kind(_copy(item) for item in value)
    return value


@lru_cache(maxsize=4096)
def _verified(serializer: URLSafeTimedSerializer, value: str) -> tuple[bytes, int]:
    """The payload of the cookie ``value`` and when it was signed, once its signature checked
    with one of the serializer's keys (``BadSignature`` otherwise: not cached)."""
    error: BadSignature | None = None
    for signer in serializer.iter_unsigners():
        try:
            payload, signed_at = signer.unsign(value, return_timestamp=True)  # type: ignore[call-arg]
        except BadSignature as bad:
            error = bad
            continue
        return payload, int(signed_at.timestamp())
    assert error is not None
    raise error
