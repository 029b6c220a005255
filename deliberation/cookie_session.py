"""Flask's signed cookie session, without checking the same cookie's signature on every request.

A participant's browser sends the same session cookie with each of its votes (a vote does not
change the session: no new cookie is sent back). Flask checks its HMAC and builds its serializer
on every request; here the serializer is built once per secret key and the signature of a given
cookie checked once (``_verified``, a bounded cache of cookies that passed the check, with the
time they were signed). Each request still checks the cookie's age against the session's
lifetime and decodes its own copy of the data, so nothing is shared between requests.
"""

from __future__ import annotations

import time
from functools import lru_cache

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
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
            return self.session_class(serializer.load_payload(payload))
        except BadSignature:
            return self.session_class()


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
