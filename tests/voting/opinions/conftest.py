"""Fixtures of the opinion engine tests."""

from pathlib import Path

import pytest

POLIS_DATA = Path(__file__).resolve().parents[2] / "data" / "polis"


@pytest.fixture
def polis_data() -> Path:
    """Folder of the Pol.is conversations copied for the tests."""
    return POLIS_DATA
