"""Facilitators' tools (issue 14): invite posters with QR codes, the copy button, finding a
territory by its name, the time zone and address proposed on the round form."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.clock import utcnow
from deliberation.models import Round, RoundTerritory, Territory
from deliberation.services.invites import invite_token
from deliberation.services.round_admin import proposed_slug
from deliberation.services.territories import search_territories
from deliberation.services.time_zones import shared_time_zone, territory_time_zone
from tests.deliberation.test_facilitate_rounds import round_data
from tests.factories import make_invite, make_round, make_territory, make_user, sign_in_as

HTMX = {"HX-Request": "true"}


def test_invite_links_have_a_copy_button_and_posters(client: FlaskClient, session: Session) -> None:
    me = make_user(session)
    town = make_territory(session, names={"en": "Chambéry"})
    round_ = make_round(session, facilitators=[me], territories=[town], title={"en": "Heat"})
    shared = make_invite(session, round_, territory_id=town.id)
    single = make_invite(session, round_, territory_id=town.id, single_use=True)
    revoked = make_invite(session, round_, territory_id=town.id, revoked_at=utcnow())
    sign_in_as(client, me)
    base = f"/facilitate/rounds/{round_.id}"

    page = client.get(f"{base}/invites").text
    # The copy button waits for the script (hidden without it); the link stays plain text.
    assert re.search(
        rf'<button type="button"[^>]*data-copy="invite-{shared.id}-url"[^>]*hidden', page
    )
    assert f'<code class="invite" id="invite-{shared.id}-url">' in page
    assert f"{base}/invites/{shared.id}/poster" in page
    assert f"{base}/invites/{revoked.id}/poster" not in page
    assert f"{base}/territories/{town.id}/posters" in page
    assert 'role="status"' in page

    poster = client.get(f"{base}/invites/{shared.id}/poster")
    assert poster.status_code == 200
    link = f"http://localhost/join/{invite_token(shared)}"
    assert link in poster.text
    assert poster.text.count('<svg role="img"') == 1
    assert "poster.css" in poster.text
    assert "Residents of Chambéry" in poster.text
    assert client.get(f"{base}/invites/{single.id}/poster").status_code == 200

    # A territory's posters: its links for many people, the revoked and single-use ones left out.
    posters = client.get(f"{base}/territories/{town.id}/posters").text
    assert posters.count('<article class="poster"') == 1
    assert invite_token(single) not in posters

    assert client.get(f"{base}/invites/{revoked.id}/poster").status_code == 404
    elsewhere = make_territory(session)
    session.add(RoundTerritory(round_id=round_.id, territory_id=elsewhere.id))
    session.commit()
    make_invite(session, round_, territory_id=elsewhere.id, single_use=True)
    assert client.get(f"{base}/territories/{elsewhere.id}/posters").status_code == 404

    sign_in_as(client, make_user(session))
    assert client.get(f"{base}/invites/{shared.id}/poster").status_code == 403


def test_territories_are_found_by_name_in_any_language(session: Session) -> None:
    chambery = make_territory(session, slug="chambery", names={"fr": "Chambéry"})
    turin = make_territory(session, slug="turin", names={"en": "Turin", "it": "Torino"})
    saint = make_territory(session, slug="saint-alban", names={"fr": "Saint-Alban-Leysse"})
    assert search_territories(session, "CHAMBERY") == [chambery]
    assert search_territories(session, "torino") == [turin]
    assert search_territories(session, "saint alban") == [saint]
    # Names that begin with the words come first.
    aldeia = make_territory(session, slug="aldeia", names={"pt": "Aldeia"})
    assert search_territories(session, "al") == [aldeia, saint]
    assert search_territories(session, "   ") == []
    assert search_territories(session, "t", limit=1) == [turin]


def test_the_round_page_finds_territories_to_add(client: FlaskClient, session: Session) -> None:
    me = make_user(session)
    home = make_territory(session, slug="chambery", names={"fr": "Chambéry"})
    twin = make_territory(session, slug="turin", names={"en": "Turin", "it": "Torino"})
    round_ = make_round(session, facilitators=[me], territories=[home])
    sign_in_as(client, me)
    url = f"/facilitate/rounds/{round_.id}"

    full = client.get(url, query_string={"q": "torino"})
    assert "<html" in full.text
    assert 'role="search"' in full.text
    assert 'value="turin"' in full.text

    fragment = client.get(url, query_string={"q": "chamb"}, headers=HTMX)
    assert fragment.text.lstrip().startswith('<div id="territory-results"')
    assert "taking part" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]

    none = client.get(url, query_string={"q": "<b>Atlantis</b>"}, headers=HTMX).text
    assert "No territory matches" in none
    assert "<b>Atlantis" not in none

    added = client.post(f"{url}/territories", data={"territory": twin.slug})
    assert added.status_code == 303
    assert session.get(RoundTerritory, (round_.id, twin.id)) is not None


def test_territories_keep_their_country_time() -> None:
    def town(**codes: str) -> Territory:
        return Territory(slug="x", names={}, **codes)

    strasbourg, kehl = town(nuts="FRF11"), town(iso_3166_2="DE-BW")
    assert territory_time_zone(strasbourg) == "Europe/Paris"
    assert territory_time_zone(kehl) == "Europe/Berlin"
    assert territory_time_zone(town(nuts="EL303")) == "Europe/Athens"
    assert territory_time_zone(town()) is None
    # Strasbourg and Kehl keep the same clock; Lisbon does not.
    assert shared_time_zone([strasbourg, kehl, kehl]) == "Europe/Berlin"
    assert shared_time_zone([strasbourg, town(iso_3166_2="PT-11")]) is None
    assert shared_time_zone([town()]) is None


def test_the_round_form_proposes_the_territories_time_zone(
    client: FlaskClient, session: Session
) -> None:
    me = make_user(session)
    town = make_territory(session, nuts="DE134", owners=[me])
    sign_in_as(client, me)
    new = client.get("/facilitate/rounds/new").text
    assert re.search(r'<input[^>]*name="time_zone"[^>]*value="Europe/Berlin"', new)
    assert "time zone is Europe/Berlin" in new

    round_ = make_round(session, facilitators=[me], territories=[town], time_zone="UTC")
    edit = client.get(f"/facilitate/rounds/{round_.id}/edit").text
    assert 'value="Europe/Berlin"' in edit
    chosen = make_round(session, facilitators=[me], territories=[town], time_zone="Europe/Lisbon")
    assert 'value="Europe/Lisbon"' in client.get(f"/facilitate/rounds/{chosen.id}/edit").text


def test_the_round_form_shows_languages_and_plain_words(
    client: FlaskClient, session: Session
) -> None:
    sign_in_as(client, make_user(session))
    page = client.get("/facilitate/rounds/new").text
    for code in ("en", "fr", "es", "de"):
        assert f'<fieldset data-language="{code}">' in page  # every one shown without script
    assert "data-slug-from-title" in page
    assert "facilitate.js" in page
    assert "Privacy threshold" not in page
    assert "Smallest number of people a figure may describe" in page


def test_the_address_is_made_from_the_title(client: FlaskClient, session: Session) -> None:
    assert proposed_slug("Vivre avec la chaleur — été 2026 !") == "vivre-avec-la-chaleur-ete-2026"
    assert proposed_slug("  ¿¡!?  ") == ""
    assert len(proposed_slug("word " * 40)) <= 60
    assert not proposed_slug("word " * 40).endswith("-")

    sign_in_as(client, make_user(session))
    data = round_data(slug="", languages=["fr", "en"])
    assert client.post("/facilitate/rounds/new", data=data).status_code == 303
    assert session.exec(select(Round.slug)).one() == "vivre-avec-la-chaleur"
    # Taken: the form comes back with the proposed address to correct.
    again = client.post("/facilitate/rounds/new", data=data)
    assert again.status_code == 422
    assert 'value="vivre-avec-la-chaleur"' in again.text
