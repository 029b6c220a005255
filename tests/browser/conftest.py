"""Browser fixtures: Debian's Chromium driven by Playwright against the real app.

Each test gets its own app and database (the ``app`` fixture of ``tests/conftest.py``, so
SQLite by default and PostgreSQL when ``PALABRE_TEST_DATABASE_URL`` is set), served by werkzeug
in a background thread on a free port, with CSRF protection on as in production. One Chromium
process serves the whole run; each test opens its own browser contexts (cookie jars).

Without ``/usr/bin/chromium`` the browser tests are skipped (a failure under ``CI=true``, like
every skip: see ``tests/guards.py``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, sync_playwright
from sqlmodel import Session
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from deliberation.translations import detection
from tests.browser.accessibility import AXE_PATH
from tests.browser.browsing import BrowserErrors, OpenContext
from tests.browser.world import TwinnedRound, build_twinned_round

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_LANGUAGES = ("en", "fr", "es", "de", "it")
"""Every language a round of the browser tests offers (the twinned round speaks Italian)."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    if not AXE_PATH.exists():
        pytest.skip(f"{AXE_PATH} is missing: run `npm ci` to install axe-core")
    # What the app's start does outside tests: a first statement must not wait seconds for
    # the language models, longer than a click waits for its page.
    detection.warm_up(BROWSER_LANGUAGES)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The shared test settings with CSRF protection on: forms and htmx must carry the token."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


def _read_through(app: Flask) -> WSGIApplication:
    """``app`` with each response read whole and closed before the server sends it. When the
    browser drops a connection it no longer needs (a favicon, on to the next page), werkzeug's
    server skips closing the response it was sending: a static file's would stay open, and its
    ``ResourceWarning`` fail whichever test collected it."""

    def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return serve


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served on a free local port; yields its base URL."""
    server = make_server("127.0.0.1", 0, _read_through(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
    # A request the browser left in flight (a page that refreshes itself, say) may still hold
    # a database connection: the app's engine is disposed next, and a connection returned
    # after that would be left to the garbage collector, unclosed (a ResourceWarning that
    # fails whichever test collects it).
    pool = app.extensions["palabre.engine"].pool
    deadline = time.monotonic() + 10
    while pool.checkedout() and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.fixture
def browser_errors() -> BrowserErrors:
    """Uncaught page errors and CSP violations seen by any context of the test."""
    return BrowserErrors()


@pytest.fixture
def open_context(
    browser: Browser, live_server: str, browser_errors: BrowserErrors
) -> Iterator[OpenContext]:
    """Open a fresh browser context (its own cookies) on the live server.

    Keyword arguments go to ``Browser.new_context``; the locale defaults to British English.
    The app's Content-Security-Policy stays in force: axe is evaluated through the DevTools
    protocol, which the policy does not govern, so CSP breakage in the app still shows.
    """
    contexts: list[BrowserContext] = []

    def open_(**options: Any) -> BrowserContext:
        options.setdefault("locale", "en-GB")
        context = browser.new_context(base_url=live_server, **options)
        context.set_default_timeout(5_000)
        browser_errors.watch(context)
        contexts.append(context)
        return context

    yield open_
    for context in contexts:
        context.close()
    browser_errors.check()


@pytest.fixture
def twinned_round(session: Session) -> TwinnedRound:
    return build_twinned_round(session)
