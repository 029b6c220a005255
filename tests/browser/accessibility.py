"""axe-core audits of the pages the browser tests visit."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

# The audit is started and collected in two steps, so that several pages can run theirs at once.
_START_AXE = """() => {
  window.__palabreAxe = axe.run(document, {resultTypes: ["violations"]}).then((results) =>
    results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(" ")),
    })));
}"""
_AXE_RESULTS = "() => window.__palabreAxe"


@cache
def _axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


def start_axe(page: Page) -> None:
    """Start an axe-core audit of ``page`` as it is now, without waiting for it
    (``axe_results`` waits).

    axe is evaluated through the DevTools protocol rather than a ``<script>`` tag, so the app's
    ``script-src 'self'`` policy neither blocks it nor has to be bypassed.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    page.evaluate(_START_AXE)


def axe_results(page: Page) -> list[dict[str, Any]]:
    """Every violation found by the audit ``start_axe`` started on ``page``."""
    violations: list[dict[str, Any]] = page.evaluate(_AXE_RESULTS)
    return violations


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every axe-core violation on ``page`` as it is now (after any htmx swap)."""
    start_axe(page)
    return axe_results(page)


def blocking_violations(violations: list[dict[str, Any]], where: str) -> list[str]:
    """Lines describing the serious or critical ``violations`` (none: an empty list)."""
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    if not blocking:
        return []
    lines = [f"axe-core: {len(blocking)} serious or critical violation(s) on {where}:"]
    for violation in blocking:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {target}" for target in violation["targets"])
    return lines


def assert_accessible(page: Page, where: str) -> None:
    """Fail on any serious or critical axe-core violation, naming rule, help and targets."""
    lines = blocking_violations(axe_violations(page), where)
    if lines:
        pytest.fail("\n".join(lines), pytrace=False)


def assert_accessible_without_javascript(page: Page, viewer: Page, where: str) -> None:
    """Audit ``page``, of a context without JavaScript where axe cannot run, in ``viewer``.

    The very document ``page`` shows is served again at the same address (so the same
    stylesheet applies) to ``viewer``, a page of a scripted context, and audited there.
    """
    html = page.content()

    def serve_snapshot(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    viewer.route(page.url, serve_snapshot, times=1)
    viewer.goto(page.url)
    assert_accessible(viewer, f"{where} (no JavaScript)")
