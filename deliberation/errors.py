"""Domain errors raised by services, turned into HTTP answers at the edge."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from flask_babel import LazyString, lazy_gettext, ngettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, TooManyRequests
from werkzeug.exceptions import NotFound as NoRoute

from deliberation.db import rollback_request
from deliberation.extensions import htmx, limiter, retry_after


class DomainError(Exception):
    """A use case refused; ``message`` is shown to the user, ``status`` is the HTTP status."""

    status = 400

    def __init__(self, message: str | LazyString) -> None:
        super().__init__(str(message))
        self.message = message


class NotFound(DomainError):
    status = 404


class Unauthorized(DomainError):
    """No valid credential (the API's tokens); answered with ``WWW-Authenticate: Bearer``."""

    status = 401


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class TooLarge(DomainError):
    status = 413


class UnsupportedMediaType(DomainError):
    status = 415


class Invalid(DomainError):
    status = 422


API_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
}
"""The ``error.code`` of an API answer, by HTTP status."""


def _titles() -> dict[int, Any]:
    return {
        400: lazy_gettext("Bad request"),
        401: lazy_gettext("Sign-in required"),
        403: lazy_gettext("Not allowed"),
        404: lazy_gettext("Not found"),
        405: lazy_gettext("Method not allowed"),
        409: lazy_gettext("Not possible now"),
        413: lazy_gettext("Too large"),
        422: lazy_gettext("Invalid input"),
        429: lazy_gettext("Too many requests"),
        500: lazy_gettext("Something went wrong"),
    }


def _messages() -> dict[int, Any]:
    return {
        400: lazy_gettext("The request could not be understood."),
        403: lazy_gettext("You are not allowed to do this."),
        404: lazy_gettext("This page does not exist, or no longer exists."),
        405: lazy_gettext("This address does not accept this kind of request."),
        413: lazy_gettext("What you sent is too large."),
        429: lazy_gettext("You are going a little fast. Please wait a moment and try again."),
        500: lazy_gettext("An unexpected error happened. It has been logged."),
    }


def render_error(status: int, message: Any = None) -> tuple[Any, int]:
    """The translated error page (or, for htmx, an alert fragment swapped into ``#messages``)."""
    message = message or _messages().get(status, _messages()[400])
    title = _titles().get(status, _titles()[400])
    if request.path.startswith("/api/"):
        return jsonify(
            error={"code": API_CODES.get(status, "error"), "message": str(message)}
        ), status
    if htmx:
        body = render_template("_alert.html", title=title, message=message)
        return body, status
    return render_template("error.html", title=title, message=message, status=status), status


def _rate_limited() -> Response:
    """The 429 of a broken rate limit, saying in about how many minutes to try again (a limit
    of statements per hour can mean most of an hour; at least one), with ``Retry-After`` in
    seconds."""
    limit = limiter.current_limit
    if limit is None or not limit.breached:
        return make_response(render_error(429))
    wait = retry_after(limit)
    message = ngettext(
        "You are going a little fast. Please try again in %(num)d minute.",
        "You are going a little fast. Please try again in %(num)d minutes.",
        max(1, round(wait / 60)),
    )
    response = make_response(render_error(429, message))
    response.headers["Retry-After"] = str(wait)
    return response


def _address_exists(error: MethodNotAllowed) -> bool:
    """Whether the requested address answers some other method. Werkzeug says 405 when a rule
    of another method matches the path's pattern even if its converter refuses the value (an
    id out of range): that address does not exist, a 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in error.valid_methods or ():
        try:
            adapter.match(request.path, method=method)
        except NoRoute:
            continue
        except HTTPException:
            return True
        return True
    return False


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Any:
        rollback_request()
        return render_error(error.status, error.message)

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> Any:
        return render_error(
            400, lazy_gettext("Your form has expired. Please reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        rollback_request()
        if error.response is not None:
            # Made for this refusal: a rate limit's ``on_breach`` page (the sign-in form).
            return error.response
        if isinstance(error, MethodNotAllowed) and not _address_exists(error):
            return render_error(404)
        if isinstance(error, TooManyRequests):
            return _rate_limited()
        return render_error(error.code or 500)

    @app.after_request
    def _retarget_htmx_errors(response: Response) -> Response:
        if response.status_code >= 400 and response.status_code != 422 and htmx:
            response.headers["HX-Retarget"] = "#messages"
            response.headers["HX-Reswap"] = "innerHTML"
        return response
