"""Messages quoting what people typed are escaped in HTML and plain elsewhere."""

from __future__ import annotations

import ast
from pathlib import Path

from flask import Flask, render_template_string

from deliberation.messages import lazy_message

ROOT = Path(__file__).resolve().parents[2]
LAZY_FUNCTIONS = {"lazy_gettext", "lazy_ngettext", "lazy_pgettext", "lazy_npgettext"}
MARKUP = '<b id="x" hx-post="/pwn">5 % "quoted" & more</b>'


def test_arguments_are_escaped_in_html_and_plain_in_text(app: Flask) -> None:
    message = lazy_message(
        "A statement very much like this one already exists: %(text)s", text=MARKUP
    )
    with app.test_request_context():
        html = render_template_string("<p>{{ message }}</p>", message=message)
        assert "<b" not in html
        assert "&lt;b id=&#34;x&#34; hx-post=&#34;/pwn&#34;&gt;" in html
        assert str(message).endswith(MARKUP)


def test_numbers_keep_their_format(app: Flask) -> None:
    with app.test_request_context():
        message = lazy_message("A year between %(low)d and %(high)d.", low=1900, high=2100)
        assert render_template_string("{{ m }}", m=message) == "A year between 1900 and 2100."


def test_the_translation_is_used(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        message = lazy_message("The territory %(name)s is created.", name="<i>Metz</i>")
        html = render_template_string("{{ m }}", m=message)
        assert "&lt;i&gt;Metz&lt;/i&gt;" in html
        assert "territory" not in html


def _lazy_calls_with_arguments(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "flask_babel"
        for alias in node.names
        if alias.name in LAZY_FUNCTIONS
    }
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in names
        and (node.keywords or len(node.args) > 1)
    ]


def test_no_message_formats_arguments_through_flask_babel_lazy_strings() -> None:
    """flask_babel's LazyString counts as markup: its arguments would reach the page raw."""
    sources = [ROOT / "app.py", *sorted((ROOT / "deliberation").rglob("*.py"))]
    offenders = [call for path in sources for call in _lazy_calls_with_arguments(path)]
    assert offenders == [], "use deliberation.messages.lazy_message for: " + ", ".join(offenders)
