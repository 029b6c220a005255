"""The API documentation page renders Swagger UI from the app's own files, under the app's
Content-Security-Policy (no CSP violation, no page error)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import OpenContext

pytestmark = pytest.mark.browser


def test_the_api_docs_render_under_the_csp(open_context: OpenContext, live_server: str) -> None:
    context = open_context()
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.goto("/api/v1/docs")
    expect(page.get_by_text("/api/v1/rounds/{round_id}/statements").first).to_be_visible()
    expect(page.get_by_text("Palabre API").first).to_be_visible()
    assert all(url.startswith(live_server) for url in requested), "nothing from another host"
