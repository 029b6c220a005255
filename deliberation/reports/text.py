"""Reading the human texts of an outcome document (``{"lang", "value", "translations"}``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def localized(text: Mapping[str, Any] | None, language: str) -> str:
    """``text`` in ``language``: the original, a translation into it, else the original."""
    if not text:
        return ""
    if text["lang"] == language:
        return str(text["value"])
    translation = text.get("translations", {}).get(language)
    return str(translation["value"]) if translation else str(text["value"])


def shown_language(text: Mapping[str, Any] | None, language: str) -> str:
    """The language ``localized`` returns ``text`` in (for ``lang`` attributes)."""
    if not text:
        return language
    if text["lang"] == language or language in text.get("translations", {}):
        return language
    return str(text["lang"])


MARKDOWN_SPECIAL = "\\`*_[]<>|#"


def markdown_escape(value: str) -> str:
    """``value`` as literal Markdown inline text: special characters backslash-escaped, line
    breaks as spaces (a table cell or list item stays on its line)."""
    flat = " ".join(str(value).split())
    return "".join(f"\\{c}" if c in MARKDOWN_SPECIAL else c for c in flat)
