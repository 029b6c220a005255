"""Browser contexts of a test, and the script errors and CSP violations they report."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Error

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
