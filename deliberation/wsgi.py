"""Flask's request and response, doing what werkzeug does with less work where a vote meets them.

A vote is a small url-encoded form (werkzeug's parser builds a parser, a limited stream and
a content-type parse around ``parse_qsl``: more calls than the vote's own statement) and the
same ``Cookie`` header each time (parsed again on every request). Here:

- a url-encoded body of known length, at most ``SMALL_FORM`` bytes, that nothing has read
  yet is read at once and split by ``form_pairs``, which gives what werkzeug's parser gives
  (the same pairs, the same undecodable-body rule); any other body goes to werkzeug;
- the ``Cookie`` header is parsed once per value (``_cookies``, a bounded cache: the parsed
  cookies are immutable, so requests can share them);
- a response's headers are sent as they are when werkzeug would change nothing in them
  (``Response.get_wsgi_headers``).
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" decoding error handler
from flask import Request as FlaskRequest
from flask import Response as FlaskResponse
from werkzeug.datastructures import Headers, ImmutableMultiDict
from werkzeug.exceptions import ClientDisconnected
from werkzeug.http import parse_cookie
from werkzeug.utils import cached_property

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

FORM_TYPE = "application/x-www-form-urlencoded"
SMALL_FORM = 16 * 1024
"""Bytes: larger url-encoded bodies are parsed by werkzeug."""
MAX_CACHED_COOKIE = 4096
"""Longer ``Cookie`` headers (browsers keep at most 4 KB a cookie) are parsed without the cache."""


class Request(FlaskRequest):
    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        body = self._small_form_body()
        if body is None:
            super()._load_form_data()
            return
        try:
            form = ImmutableMultiDict(form_pairs(body.decode()))
        except UnicodeDecodeError:  # as werkzeug's parser (silent): no form
            form = ImmutableMultiDict()
        self.__dict__.update(stream=BytesIO(), form=form, files=ImmutableMultiDict())

    def _small_form_body(self) -> bytes | None:
        """The body, read, when it is a small url-encoded form nothing has read yet."""
        environ = self.environ
        length = environ.get("CONTENT_LENGTH", "")
        if (
            environ.get("CONTENT_TYPE") != FORM_TYPE
            or not length.isdigit()
            or len(length) > len(str(SMALL_FORM))
            or int(length) > SMALL_FORM
            or "stream" in self.__dict__
            or "_cached_data" in self.__dict__
        ):
            return None
        size = int(length)
        limit = self.max_content_length
        if limit is not None and size > limit:  # werkzeug's stream refuses it (413)
            return None
        body: bytes = environ["wsgi.input"].read(size) if size else b""
        if len(body) != size:
            raise ClientDisconnected()
        return body

    @cached_property
    def cookies(self) -> ImmutableMultiDict[str, str]:  # type: ignore[override]
        header = self.environ.get("HTTP_COOKIE", "")
        if len(header) > MAX_CACHED_COOKIE:
            return _parsed_cookies(header)
        return _cookies(header)


class Response(FlaskResponse):
    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        """werkzeug's, which copies the headers to fix what needs fixing for the client:
        ``Location`` and ``Content-Location`` made absolute URIs, ``Content-Length`` removed or
        computed for some statuses. A 2xx response (not 204) whose length is set and that has
        neither location header needs none of it: its own headers are sent (werkzeug's
        ``get_wsgi_response`` only lists them)."""
        status = self.status_code
        headers = self.headers
        if 200 <= status < 300 and status != 204:
            names = {name.lower() for name, _value in headers}
            if "content-length" in names and not names & {"location", "content-location"}:
                return headers
        return super().get_wsgi_headers(environ)


def form_pairs(body: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of a url-encoded ``body``, as werkzeug's form parser reads them
    (``parse_qsl`` with blank values kept and werkzeug's handler for bytes that are not
    UTF-8): fields split on ``&``, empty ones skipped, ``+`` a space, ``%XX`` decoded. Only a
    part with ``%`` or ``+`` in it is decoded (most of a vote's are plain)."""
    pairs = []
    for field in body.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        pairs.append((_unquoted(name), _unquoted(value)))
    return pairs


def _unquoted(part: str) -> str:
    if "%" in part or "+" in part:
        return unquote_plus(part, errors="werkzeug.url_quote")
    return part


def _parsed_cookies(header: str) -> Any:
    return parse_cookie(header, cls=ImmutableMultiDict)


_cookies = lru_cache(maxsize=4096)(_parsed_cookies)
