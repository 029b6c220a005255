"""Browser contexts of a test, the script errors and CSP violations they report, and waits."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Page, expect

OpenContext = Callable[..., BrowserContext]


class BrowserErrors:
    """Collects uncaught script errors and Content-Security-Policy violations of contexts."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, context: BrowserContext) -> None:
        context.on("weberror", lambda error: self._page_error(error.error))
        context.on("console", self._console)

    def _page_error(self, error: Error) -> None:
        self.errors.append(f"uncaught error: {error.message}")

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.errors.append(f"CSP violation: {message.text}")

    def check(self) -> None:
        if self.errors:
            pytest.fail("browser errors:\n" + "\n".join(self.errors), pytrace=False)


def arrived(page: Page, path: str) -> None:
    """Wait for the page at ``path`` to be loaded, htmx and the keyboard shortcuts included."""
    expect(page).to_have_url(re.compile(re.escape(path) + r"(\?.*)?$"))
    page.wait_for_load_state("load")


@contextmanager
def htmx_settled(page: Page, target: str) -> Iterator[None]:
    """After the block, wait until htmx has swapped and settled the element ``#target``.

    Only then are the new controls wired to htmx: a click in between would submit the
    plain form (which works, but is not what the test means to exercise).
    """
    page.evaluate(
        """(target) => { window.__settled = new Promise((resolve) => {
            document.addEventListener("htmx:afterSettle", function settled(event) {
                if (event.detail.target && event.detail.target.id === target) {
                    document.removeEventListener("htmx:afterSettle", settled);
                    resolve();
                }
            });
        }); }""",
        target,
    )
    yield
    page.evaluate("() => window.__settled")
