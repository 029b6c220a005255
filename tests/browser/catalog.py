"""The app's own compiled catalogs, to assert that pages really show translated text."""

from __future__ import annotations

from functools import cache

from babel.support import Translations

from tests.browser.accessibility import ROOT


@cache
def _translations(language: str) -> Translations:
    return Translations.load(str(ROOT / "translations"), [language])


def translated(language: str, message: str, **values: object) -> str:
    """``message`` in ``language``; fails when the catalog leaves it untranslated."""
    text = _translations(language).gettext(message)
    assert text != message, (
        f"the {language!r} catalog does not translate {message!r} "
        "(or is not compiled: `make translations`)"
    )
    return text % values if values else text
