"""The rules of the test run (tests/guards.py), each checked on a small suite of its own."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from tests.guards import require_postgresql

SUITE = """
import os
import pytest

def test_runs():
    pass

@pytest.mark.postgres
def test_needs_postgres():
    pass

def test_skipped():
    pytest.skip("no such server")
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("PALABRE_TEST_DATABASE_URL", raising=False)
    pytester.makepyfile(test_suite=SUITE)
    return pytester


def test_outside_ci_a_skip_is_a_skip(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-p", "tests.guards")
    result.assert_outcomes(passed=1, skipped=1, deselected=1)


def test_under_ci_a_skip_fails_the_run_with_its_reason(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = suite.runpytest("-p", "tests.guards")
    result.assert_outcomes(passed=1, failed=1, deselected=1)
    result.stdout.fnmatch_lines(["*CI=true: no test may be skipped (*no such server)*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_under_ci_a_skipped_module_fails_the_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    pytester.makepyfile(
        test_optional="import pytest\npytest.importorskip('no_such_module')\n\ndef test_x(): pass"
    )
    result = pytester.runpytest("-p", "tests.guards")
    result.stdout.fnmatch_lines(["*CI=true: no test may be skipped*no_such_module*"])
    assert result.ret != pytest.ExitCode.OK


def test_postgres_tests_run_in_the_postgres_run(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PALABRE_TEST_DATABASE_URL", "postgresql+psycopg://nowhere/db")
    result = suite.runpytest("-p", "tests.guards")
    result.assert_outcomes(passed=2, skipped=1)


def test_each_test_starts_without_the_developers_palabre_settings(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PALABRE_DATABASE_URL", "sqlite:///developer.sqlite3")
    monkeypatch.setenv("PALABRE_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///other.sqlite3")
    monkeypatch.setenv("PALABRE_TEST_DATABASE_URL", "postgresql+psycopg://test/db")
    pytester.makepyfile(
        test_environment="""
import os

def test_environment():
    palabre = {k for k in os.environ if k.startswith("PALABRE_") or k == "DATABASE_URL"}
    assert palabre == {"PALABRE_TEST_DATABASE_URL"}
"""
    )
    result = pytester.runpytest("-p", "tests.guards")
    result.assert_outcomes(passed=1)


def test_the_postgres_run_refuses_another_database() -> None:
    engine = create_engine("sqlite://")
    with pytest.raises(pytest.fail.Exception, match="not PostgreSQL"):
        require_postgresql(engine)
    engine.dispose()
