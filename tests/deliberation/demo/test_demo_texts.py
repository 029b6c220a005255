"""The demonstration texts write the apostrophe one way, the typographic ’, in every language;
and put a no-break space before a French ; : ! ? (no language but French spaces them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[3] / "deliberation" / "demo" / "data"
BREAKING_SPACE_BEFORE_MARK = re.compile(r" [;:!?](?=[\s\"\\]|$)")


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


@pytest.mark.parametrize(
    "path", sorted(DATA.rglob("*.json")), ids=lambda path: str(path.relative_to(DATA))
)
def test_french_demo_texts_keep_their_punctuation_on_the_line(path: Path) -> None:
    lines = [
        f"{number}: {line.strip()[:80]}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if BREAKING_SPACE_BEFORE_MARK.search(line)
    ]
    assert not lines, f"a breaking space before ; : ! ? in {path.name}: {lines[:5]}"
