"""HTTP security headers: a strict Content-Security-Policy (no inline script) and friends, and
HSTS on responses served over HTTPS (``request.is_secure``, which honours ``PALABRE_PROXY_FIX``)."""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


DEFAULT_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)
"""Set on every response that has not set its own."""


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        # One look at the headers already there, rather than one ``setdefault`` (a scan of
        # them all) per header.
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # noqa: SIM118 - Headers
        for name, value in DEFAULT_HEADERS:
            if name.lower() not in present:
                headers.add(name, value)
        if request.is_secure and "strict-transport-security" not in present:
            headers.add("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        return response
