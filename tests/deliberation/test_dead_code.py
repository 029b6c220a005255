"""Every public function and class of the application's inner layers has a caller.

A use case nobody calls is dead code that still has to be read, kept secure and migrated. Views
and commands are reached through their decorators (routes, CLI), so only the layers below them
are checked: services, opinions and the Pol.is interoperability.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "deliberation"
CHECKED = ("services", "opinions", "polis")


@cache
def _application_sources() -> dict[Path, str]:
    files = [*PACKAGE.rglob("*.py"), ROOT / "app.py"]
    return {
        path: path.read_text(encoding="utf-8")
        for path in files
        if "migrations" not in path.relative_to(ROOT).parts
    }


def _public_definitions() -> list[tuple[Path, str]]:
    found = []
    for folder in CHECKED:
        for path in sorted((PACKAGE / folder).glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found.extend(
                (path, node.name)
                for node in tree.body
                if isinstance(node, ast.FunctionDef | ast.ClassDef)
                and not node.name.startswith("_")
                and not node.decorator_list
            )
    return found


@pytest.mark.parametrize(
    ("path", "name"),
    _public_definitions(),
    ids=lambda value: value.name if isinstance(value, Path) else value,
)
def test_every_public_definition_is_used(path: Path, name: str) -> None:
    word = re.compile(rf"\b{re.escape(name)}\b")
    sources = _application_sources()
    uses = len(word.findall(sources[path])) - 1
    uses += sum(len(word.findall(text)) for other, text in sources.items() if other != path)
    assert uses, f"{path.relative_to(ROOT)}: {name} is defined but never used by the application"
