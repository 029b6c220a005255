"""The templates' environment and the helpers the vote's answer renders with."""

from __future__ import annotations

import re

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from sqlmodel import Session

from deliberation.models import VoteValue
from deliberation.templating import Environment, round_url, round_urls
from tests.factories import act_as, make_participant, make_round, make_statement

HTMX = {"HX-Request": "true"}


def test_templates_read_the_environments_globals_and_cannot_change_them(app: Flask) -> None:
    env = app.jinja_env
    assert isinstance(env, Environment)
    env.globals["greeting"] = "hello"
    loaded = env.from_string("{{ greeting }}")
    env.globals["greeting"] = "hello again"
    assert loaded.render() == "hello again", "a global changed after loading is seen"
    own = env.from_string("{{ greeting }} {{ mine }}", globals={"mine": "own"})
    assert own.render() == "hello again own"
    assert "mine" not in env.globals, "a template's own globals stay its own"
    with pytest.raises(TypeError):
        loaded.globals["greeting"] = "changed"
    assert env.globals["greeting"] == "hello again"


def test_includes_and_imported_macros_see_the_page_and_its_globals(app: Flask) -> None:
    with app.test_request_context():
        page = render_template_string(
            '{% from "_reading.html" import translation_note %}{% set oob = true %}'
            '{% include "participate/_progress.html" %}{{ translation_note(reading) }}',
            voted=1234,
            total=5000,
            reading={"translated": True, "machine": True, "original_language": "fr"},
        )
    assert 'id="progress" class="progress" hx-swap-oob="true"' in page
    assert "Statements voted: 1,234 of 5,000" in page
    assert "Machine translation" in page
    assert "Original in French" in page


def test_round_urls_are_kept_per_slug_and_per_script_root(app: Flask) -> None:
    for _ in range(2):
        with app.test_request_context():
            assert round_url("participate.vote", "river") == "/r/river/vote"
            assert round_url("participate.vote", "lake") == "/r/lake/vote"
            assert round_url("participate.undo_vote", "lake") == "/r/lake/vote/undo"
        with app.test_request_context(base_url="http://localhost/civic"):
            assert round_url("participate.vote", "river") == "/civic/r/river/vote"
            assert round_url("participate.undo_vote", "lake") == "/civic/r/lake/vote/undo"
            assert round_urls("lake", "participate.vote", "opinions.opinion_map") == [
                "/civic/r/lake/vote",
                "/civic/r/lake/map",
            ]


def test_the_vote_answer_addresses_the_app_where_it_is_served(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    statements = [make_statement(session, round_) for _ in range(3)]
    act_as(client, make_participant(session, round_))
    for statement, prefix in zip(statements[:2], ("/civic", ""), strict=True):
        answer = client.post(
            f"/r/{round_.slug}/vote",
            data={"statement_id": statement.id, "vote": "agree"},
            headers=HTMX,
            base_url=f"http://localhost{prefix}",
        )
        assert answer.status_code == 200
        assert f'action="{prefix}/r/{round_.slug}/vote"' in answer.text
        assert f'hx-post="{prefix}/r/{round_.slug}/vote"' in answer.text
        assert f'action="{prefix}/r/{round_.slug}/vote/undo"' in answer.text
        assert (f'"/r/{round_.slug}/vote"' in answer.text) == (prefix == "")


def test_the_cards_buttons_are_the_votes_in_order_in_the_readers_language(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    make_statement(session, round_, language="fr")
    act_as(client, make_participant(session, round_, language="fr"))
    page = client.get(f"/r/{round_.slug}", headers={"Accept-Language": "fr"}).text
    buttons = re.findall(
        r'<button type="submit" name="vote" value="(\w+)" class="(\w+)"'
        r' aria-keyshortcuts="(\w)">([^<]+)</button>',
        page,
    )
    assert buttons == [
        (vote.choice, vote.choice, vote.choice[0].upper(), label)
        for vote, label in zip(
            VoteValue, ("D’accord", "Pas d’accord", "Passer / je ne sais pas"), strict=True
        )
    ]


def test_htmx_gets_the_fragment_and_a_boosted_or_plain_request_the_page(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    act_as(client, make_participant(session, round_))
    url = f"/r/{round_.slug}/map"
    plain = client.get(url)
    boosted = client.get(url, headers={"HX-Request": "true", "HX-Boosted": "true"})
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert [answer.status_code for answer in (plain, boosted, fragment)] == [200, 200, 200]
    assert "<html" in plain.text
    assert "<html" in boosted.text
    assert "<html" not in fragment.text
    assert all(
        answer.headers["Vary"].startswith("HX-Request") for answer in (plain, boosted, fragment)
    )
