"""Dates and times as people write them: the region of ``Accept-Language`` respected, no
seconds, the time zone as a place in the reader's words; catalogs and ``<html lang>`` per
language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from deliberation.extensions import select_locale
from deliberation.templating import current_language, format_local_datetime

WHEN = datetime(2026, 12, 3, 17, 5, 42, tzinfo=UTC)


@pytest.mark.parametrize(
    ("accept", "zone", "shown"),
    [
        ("en-GB,en;q=0.9", "Europe/Paris", "3 Dec 2026, 18:05 (Paris)"),
        ("en-US,en;q=0.9", "Europe/Paris", "Dec 3, 2026, 6:05\u202fPM (Paris)"),
        ("en", "America/New_York", "Dec 3, 2026, 12:05\u202fPM (New York)"),
        ("fr-CH,fr;q=0.9", "Europe/Zurich", "3 déc. 2026, 18:05 (Zurich)"),
        ("de-DE,de;q=0.9", "Europe/Zurich", "03.12.2026, 18:05 (Zürich)"),
        ("es-ES", "Europe/Paris", "3 dic 2026, 18:05 (París)"),
        ("en-GB", "Not/AZone", "3 Dec 2026, 17:05 (UTC)"),
    ],
)
def test_dates_follow_the_readers_locale_and_region(
    app: Flask, accept: str, zone: str, shown: str
) -> None:
    with app.test_request_context(headers={"Accept-Language": accept}):
        assert format_local_datetime(WHEN, zone).replace(" ", " ") == shown.replace(" ", " ")


@pytest.mark.parametrize(
    ("accept", "locale", "language"),
    [
        ("en-GB,en;q=0.9", "en_GB", "en"),
        ("en-us", "en_US", "en"),
        ("de-AT,de;q=0.8,en;q=0.5", "de_AT", "de"),
        ("fr", "fr", "fr"),
        ("pt-BR,en-AU;q=0.5", "en_AU", "en"),
        ("en-ZZ,en;q=0.5", "en", "en"),
        ("", "en", "en"),
    ],
)
def test_the_locale_has_the_browsers_region_in_the_chosen_language(
    app: Flask, accept: str, locale: str, language: str
) -> None:
    with app.test_request_context(headers={"Accept-Language": accept}):
        assert select_locale() == locale
        assert current_language() == language


def test_a_chosen_language_takes_no_region_of_another(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en-GB"}) as context:
        context.session["lang"] = "fr"
        assert select_locale() == "fr"


def test_a_british_reader_gets_the_english_catalog_and_page_language(
    client: FlaskClient,
) -> None:
    page = client.get("/", headers={"Accept-Language": "en-GB"})
    assert '<html lang="en">' in page.text
    assert "Deliberate together, across territories" in page.text


def test_a_swiss_reader_gets_the_french_catalog(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "fr-CH"})
    assert '<html lang="fr">' in page.text
    assert "Délibérer ensemble" in page.text
