"""HTTP security headers: a strict Content-Security-Policy (no inline script) and friends, and
HSTS on responses served over HTTPS (the scheme ``PALABRE_PROXY_FIX`` gives, behind a proxy)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

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
    """Add the headers to every response as it is sent, in WSGI (a list of pairs, not werkzeug's
    ``Headers`` looked at again after each request): inside ``ProxyFix``, which must wrap the
    app after this, so that HTTPS behind the proxy counts."""
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]


class SecurityHeaders:
    """WSGI middleware: ``DEFAULT_HEADERS`` on every response that has not set its own, and
    HSTS on responses served over HTTPS."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        secure = environ.get("wsgi.url_scheme") in ("https", "wss")

        def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            present = {name.lower() for name, _value in headers}
            headers.extend(header for header in DEFAULT_HEADERS if header[0].lower() not in present)
            if secure and "strict-transport-security" not in present:
                headers.append(("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY))
            return start_response(status, headers, *exc_info)

        return self.app(environ, start)
