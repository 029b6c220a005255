"""One log line per request: method, path, status and duration (no query string, no cookies,
and no secret token: a route with a ``token`` argument is logged by its pattern)."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

log = logging.getLogger("palabre.requests")


def init_app(app: Flask) -> None:
    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        started = g.pop("request_started", None)
        if not log.isEnabledFor(logging.INFO):
            return response
        elapsed = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        current = request._get_current_object()  # type: ignore[attr-defined]
        path = current.path
        if current.url_rule is not None and "token" in (current.view_args or {}):
            path = current.url_rule.rule
        # ``log.info`` without its search of the caller's frame (no format shows it): the
        # same record, handlers and filters.
        log.handle(
            log.makeRecord(
                log.name,
                logging.INFO,
                __file__,
                0,
                "%s %s %d %.1fms",
                (current.method, path, response.status_code, elapsed),
                None,
            )
        )
        return response
