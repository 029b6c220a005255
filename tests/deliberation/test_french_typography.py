"""French typography in the fr catalog: the typographic apostrophe, a no-break space inside
« » and before ; : ! ? (narrow before ; ! ?, ordinary no-break before :); in pages, a label
and its value are separated by the colon of the page's language (``label_colon``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from sqlmodel import Session

from deliberation.models import Phase
from tests.factories import make_round

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


@pytest.mark.parametrize(
    ("language", "title"), [("fr", "Avis par e-mail\u00a0: "), ("en", "Email notices: ")]
)
def test_a_label_on_a_page_ends_with_the_colon_of_its_language(
    client: FlaskClient, session: Session, language: str, title: str
) -> None:
    round_ = make_round(session, phase=Phase.OPEN)
    page = client.get(f"/r/{round_.slug}/notices", headers={"Accept-Language": language})
    assert f"<title>{title}" in page.text


def test_a_label_is_escaped_in_html_and_kept_as_it_is_in_markdown(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        html = render_template_string("{{ label_colon(name) }} 3", name="<b>Lac</b>")
        markdown = render_template_string(
            "{% autoescape false %}{{ label_colon(name) }} 3{% endautoescape %}", name="**Lac**"
        )
    assert html == "&lt;b&gt;Lac&lt;/b&gt;\u00a0: 3"
    assert markdown == "**Lac**\u00a0: 3"
