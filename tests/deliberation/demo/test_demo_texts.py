"""The demonstration texts write the apostrophe one way, the typographic ’, in every language."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[3] / "deliberation" / "demo" / "data"


@pytest.mark.parametrize(
    "path", sorted(DATA.rglob("*.json")), ids=lambda path: str(path.relative_to(DATA))
)
def test_demo_texts_use_the_typographic_apostrophe(path: Path) -> None:
    lines = [
        f"{number}: {line.strip()[:80]}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "'" in line
    ]
    assert not lines, f"straight apostrophes in {path.name}: {lines[:5]}"
