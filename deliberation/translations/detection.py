"""Which language a new text is written in.

Lingua (``lingua-language-detector``) ships its n-gram models inside the package: nothing is
downloaded at run time. The detector is limited to the round's languages (detection among four
languages is far more reliable on one short sentence than among seventy-five) and built once
per set of languages, on first use. Its models load lazily, once per process and language, and
stay loaded for every later detector: about a second each on a quiet machine, several under
load, so ``init_app`` loads the interface languages' models in a background thread at start and
a citizen's first statement does not wait for them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import cache

from flask import Flask
from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder


@cache
def _detector(languages: frozenset[str]) -> LanguageDetector:
    known = [
        Language.from_iso_code_639_1(IsoCode639_1.from_str(code)) for code in sorted(languages)
    ]
    return LanguageDetectorBuilder.from_languages(*known).build()


def _supported(code: str) -> bool:
    try:
        IsoCode639_1.from_str(code)
    except ValueError:
        return False
    return True


def detect_language(text: str, languages: Iterable[str]) -> str | None:
    """The language of ``text`` among ``languages`` (ISO 639-1 codes), or None when the
    detector cannot tell (too short, or no letters). With one known language, that one."""
    candidates = frozenset(code for code in languages if _supported(code))
    if len(candidates) < 2:
        return next(iter(candidates), None)
    detected = _detector(candidates).detect_language_of(text)
    if detected is None:
        return None
    return detected.iso_code_639_1.name.lower()


def warm_up(languages: Iterable[str]) -> None:
    """Load the models of ``languages`` now (one detection among them all)."""
    detect_language("palabre", languages)


def init_app(app: Flask) -> None:
    """Outside tests, load the interface languages' models in a background thread."""
    if not app.testing:
        threading.Thread(
            target=warm_up, args=(app.config["LANGUAGES"],), name="language-models", daemon=True
        ).start()
