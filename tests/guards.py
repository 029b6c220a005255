"""Rules of every test run (a pytest plugin loaded by ``tests/conftest.py``).

- Each test starts without the developer's ``PALABRE_*`` variables (and the unprefixed
  ``DATABASE_URL`` and ``SECRET_KEY`` the configuration also reads), so a local setting can
  neither break a test nor make it pass; ``PALABRE_TEST_DATABASE_URL`` is kept: it chooses the
  test database.
- Tests marked ``postgres`` need PostgreSQL: the SQLite run (no ``PALABRE_TEST_DATABASE_URL``)
  deselects them, the PostgreSQL run runs them.
- Under ``CI=true`` a skipped test is a failed test: CI must run every test it reports on.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest
from _pytest.reports import CollectReport, TestReport
from sqlalchemy import Engine

TEST_DATABASE = "PALABRE_TEST_DATABASE_URL"
UNPREFIXED = ("DATABASE_URL", "SECRET_KEY")


def postgres_url() -> str:
    """The PostgreSQL database of this run, or "" for the SQLite run."""
    return os.environ.get(TEST_DATABASE, "")


def _under_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgres: needs PostgreSQL; deselected in the SQLite run, never skipped"
    )


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove the developer's Palabre settings from the environment for one test."""
    for name in list(os.environ):
        if (name.startswith("PALABRE_") and name != TEST_DATABASE) or name in UNPREFIXED:
            monkeypatch.delenv(name)


def require_postgresql(engine: Engine) -> None:
    """Fail unless ``engine`` is on PostgreSQL (the PostgreSQL run must really run there)."""
    if engine.dialect.name != "postgresql":
        pytest.fail(
            f"{TEST_DATABASE} is set but the tests run on {engine.dialect.name} "
            f"({engine.url.render_as_string(hide_password=True)}), not PostgreSQL",
            pytrace=False,
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if postgres_url():
        return
    deselected = [item for item in items if item.get_closest_marker("postgres")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]


def _as_failure(report: TestReport | CollectReport) -> None:
    """Turn a skip into a failure that keeps the skip's reason."""
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"CI=true: no test may be skipped ({reason})"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, TestReport, TestReport]:
    report = yield
    if _under_ci() and report.skipped and not hasattr(report, "wasxfail"):
        _as_failure(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, CollectReport, CollectReport]:
    report = yield
    if _under_ci() and report.skipped:
        _as_failure(report)
    return report
