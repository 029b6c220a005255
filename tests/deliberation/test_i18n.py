"""Every shipped language is complete; pages follow the chosen locale."""

from __future__ import annotations

from pathlib import Path

import pytest
import wtforms
from babel.messages.pofile import read_po
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from flask_babel import force_locale
from markupsafe import escape
from sqlmodel import Session

from deliberation.forms.base import builtin_messages
from deliberation.models import VoteValue
from deliberation.templating import VOTE_LABELS, gettext
from tests.factories import act_as, make_participant, make_round, make_statement

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
SHIPPED = ("fr", "es", "de")


@pytest.mark.parametrize("language", SHIPPED)
def test_catalog_is_complete_and_has_no_fuzzy_entry(language: str) -> None:
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    missing = sorted(str(m.id) for m in catalog if m.id and not all(_strings(m.string)))
    fuzzy = sorted(str(m.id) for m in catalog if m.id and m.fuzzy)
    absent = sorted(str(i) for i in template - {m.id for m in catalog if m.id})
    assert not missing, f"{language}: untranslated {missing[:10]} ({len(missing)} in all)"
    assert not fuzzy, f"{language}: fuzzy {fuzzy[:10]} ({len(fuzzy)} in all)"
    assert not absent, f"{language}: not in the catalog, run make update-catalogs: {absent[:10]}"


def _strings(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def test_template_is_up_to_date_with_the_sources() -> None:
    from babel.messages.extract import extract_from_dir  # noqa: PLC0415

    root = TRANSLATIONS.parent
    method_map = [
        ("deliberation/**.py", "python"),
        ("app.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.md", "jinja2"),
        ("templates/**.xml", "jinja2"),
    ]
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "_l": None,
        "lazy_gettext": None,
        "lazy_message": None,
    }
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(root), method_map=method_map, keywords=keywords
        )
    }
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert sorted(found - known) == [], "run make update-catalogs"


@pytest.mark.parametrize("language", SHIPPED)
def test_participation_page_follows_the_chosen_language(
    client: FlaskClient, session: Session, language: str
) -> None:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        disagree = read_po(handle)["Disagree"].string
    round_ = make_round(session)
    make_statement(session, round_)
    act_as(client, make_participant(session, round_))
    client.post("/language", data={"language": language, "next": "/"})
    page = client.get(f"/r/{round_.slug}")
    assert f'<html lang="{language}">' in page.text
    # Jinja's newstyle gettext inserts a translation as markup, unescaped.
    assert f">{disagree}</button>" in page.text
    assert ">Disagree</button>" not in page.text


def test_error_pages_are_translated(client: FlaskClient) -> None:
    page = client.get("/nowhere", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert page.status_code == 404
    assert '<html lang="de">' in page.text
    assert "This page does not exist" not in page.text


def test_templates_and_labels_follow_force_locale_within_a_request(app: Flask) -> None:
    """The request's catalog is kept for its templates and labels, yet a text rendered under
    ``force_locale`` (a notification, a report) is in that language, and the request's
    language comes back after it."""
    source = (
        '{{ _("Agree") }}|{{ ngettext("%(num)d vote", "%(num)d votes", 2) }}|'
        "{{ vote_labels[vote_buttons[0][0]] }}|{{ current_language }}|{{ _('%(a)s', a='<b>') }}"
    )
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = render_template_string(source)
        assert english == "Agree|2 votes|Agree|en|&lt;b&gt;"
        with force_locale("fr"):
            assert render_template_string(source) == "D’accord|2 votes|D’accord|fr|&lt;b&gt;"
            assert gettext("Agree") == "D’accord"
        assert render_template_string(source) == english
        assert gettext("Agree") == "Agree"
        assert str(VOTE_LABELS[VoteValue.AGREE]) == "Agree"


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("fr", "«\u00a0zz\u00a0» n’est pas un choix valide pour ce champ."),
        ("es", "«zz» no es una opción válida para este campo."),
        ("de", "„zz“ ist keine gültige Auswahl für dieses Feld."),
    ],
)
def test_wtforms_own_messages_come_in_the_pages_language(
    client: FlaskClient, session: Session, language: str, refusal: str
) -> None:
    round_ = make_round(session)
    act_as(client, make_participant(session, round_, language=language))
    client.post("/language", data={"language": language, "next": "/"})
    page = client.post(f"/r/{round_.slug}/languages", data={"reads": "zz"})
    assert page.status_code == 422
    assert escape(refusal) in page.text
    assert "valid choice" not in page.text


@pytest.mark.parametrize("language", SHIPPED)
def test_every_wtforms_message_is_translated(app: Flask, language: str) -> None:
    with (Path(wtforms.__file__).parent / "locale" / "wtforms.pot").open("rb") as handle:
        # "Choices cannot be None." is a programming error, raised to developers.
        messages = [m.id for m in read_po(handle) if m.id and m.id != "Choices cannot be None."]
    with app.test_request_context(headers={"Accept-Language": language}):
        shown = {
            message: builtin_messages.ngettext(*message, 2)
            if isinstance(message, tuple)
            else builtin_messages.gettext(message)
            for message in messages
        }
    untranslated = [message for message, text in shown.items() if text in message]
    assert not untranslated, f"{language}: {untranslated}"
