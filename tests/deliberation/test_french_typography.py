"""French typography in the fr catalog: the typographic apostrophe, a no-break space inside
« » and before ; : ! ? (narrow before ; ! ?, ordinary no-break before :)."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = (
    Path(__file__).resolve().parents[2] / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
)
NO_BREAK = "\u00a0\u202f"
# Code quoted in a message keeps its own spelling (HTTP headers).
CODE = re.compile(r"Authorization: Bearer|Content-Type: application/json")
RULES = {
    "a straight apostrophe (write ’)": re.compile(r"'"),
    "no no-break space before ; ! ?": re.compile(rf"(?:^|[^{NO_BREAK}])[;!?](?=\s|$)"),
    "no no-break space before :": re.compile(rf"(?:^|[^{NO_BREAK}]):(?=\s|$)"),
    "no no-break space after «": re.compile(rf"«(?![{NO_BREAK}])"),
    "no no-break space before »": re.compile(rf"(?<![{NO_BREAK}])»"),
}


def _translations() -> list[tuple[str, str]]:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    found = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        found.extend((msgid, CODE.sub("", text)) for text in strings)
    return found


def test_the_french_catalog_follows_french_typography() -> None:
    faults = [
        f"{rule}: {text!r}"
        for _msgid, text in _translations()
        for rule, pattern in RULES.items()
        if pattern.search(text)
    ]
    assert not faults, f"{len(faults)} faults, first: {faults[:5]}"


def test_the_rules_catch_what_they_name() -> None:
    assert RULES["no no-break space before ; ! ?"].search("Vraiment ?")
    assert RULES["no no-break space before :"].search("Quorum : 3")
    assert not RULES["no no-break space before :"].search("Quorum\u00a0: 3 à 18:05")
    assert RULES["no no-break space after «"].search("« oui\u00a0»")
    good = "l’«\u00a0oui\u00a0»\u202f; «\u00a0non\u00a0»\u202f? Quorum\u00a0: 3"
    assert not any(pattern.search(good) for pattern in RULES.values())
