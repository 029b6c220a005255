"""What each request pays for outside its view is cached, never at the cost of a check: the
session cookie's signature, the CSRF token's, the locale, and flask-limiter's empty pass."""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, render_template_string, request, session
from flask.testing import FlaskClient
from flask_babel import force_locale, get_locale
from flask_wtf import csrf as flask_wtf_csrf
from jinja2 import UndefinedError
from limits import parse
from sqlmodel import Session

from deliberation.cookie_session import CachedCookieSessionInterface
from deliberation.extensions import SweptMemoryStorage, generate_csrf, limiter, select_locale
from deliberation.templating import current_language, current_locale, language_fragment
from tests.factories import act_as, make_participant, make_round, make_statement


def _cookie(app: Flask, data: dict[str, Any], secret: str | None = None) -> str:
    signing_app = app
    if secret is not None:
        signing_app = Flask("other")
        signing_app.secret_key = secret
    serializer = CachedCookieSessionInterface().get_signing_serializer(signing_app)
    assert serializer is not None
    return str(serializer.dumps(data))


def _open(app: Flask, cookie: str) -> dict[str, Any]:
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
        opened = app.session_interface.open_session(app, request)
        assert opened is not None
        return dict(opened)


def test_the_session_cookie_is_checked_on_every_request_and_never_shared(app: Flask) -> None:
    assert isinstance(app.session_interface, CachedCookieSessionInterface)
    cookie = _cookie(app, {"participants": {"1": "key"}})
    first = _open(app, cookie)
    first["participants"]["1"] = "changed"  # one request's copy, not the next one's
    assert _open(app, cookie) == {"participants": {"1": "key"}}
    assert _open(app, cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB")) == {}
    assert _open(app, _cookie(app, {"participants": {"1": "key"}}, secret="x" * 40)) == {}


def test_each_request_gets_its_own_copy_of_the_decoded_session_down_to_its_lists(
    app: Flask,
) -> None:
    data = {"_flashes": [("success", "Saved")], "participants": {"1": "key"}, "n": [1, [2]]}
    cookie = _cookie(app, data)
    first = _open(app, cookie)
    first["_flashes"].append(("error", "changed"))
    first["participants"]["2"] = "other"
    first["n"][1].append(3)
    assert _open(app, cookie) == data


def test_a_session_read_but_not_changed_varies_on_the_cookie_and_sets_none(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    participant = make_participant(session, round_)
    act_as(client, participant)
    assert "Set-Cookie" in client.get(f"/r/{round_.slug}").headers, "its first CSRF token"
    page = client.get(f"/r/{round_.slug}")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers
    vary = {value.strip() for value in page.headers["Vary"].split(",")}
    assert {"Cookie", "HX-Request"} <= vary
    chosen = client.post("/language", data={"language": "fr", "next": f"/r/{round_.slug}"})
    assert "Set-Cookie" in chosen.headers, "a changed session is saved as Flask saves it"


def test_an_expired_session_cookie_is_refused_even_once_checked(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    cookie = _cookie(app, {"lang": "fr"})
    assert _open(app, cookie) == {"lang": "fr"}
    lifetime = app.permanent_session_lifetime.total_seconds()
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + lifetime + 10)
    assert _open(app, cookie) == {}


def test_a_fallback_secret_still_opens_older_cookies(app: Flask) -> None:
    old = "o" * 40
    cookie = _cookie(app, {"lang": "de"}, secret=old)
    assert _open(app, cookie) == {}
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    assert _open(app, cookie) == {"lang": "de"}


@pytest.fixture
def csrf_app(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def _token(client: FlaskClient, slug: str) -> str:
    g.pop("csrf_token", None)  # the test's app context outlives its requests
    match = re.search(r'"X-CSRFToken": "([^"]+)"', client.get(f"/r/{slug}").text)
    assert match
    return match.group(1)


def test_every_vote_checks_its_csrf_token_against_its_own_session(
    csrf_app: dict[str, Any], app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    round_ = make_round(session)
    statements = [make_statement(session, round_) for _ in range(4)]
    alice, bob = app.test_client(), app.test_client()
    act_as(alice, make_participant(session, round_))
    act_as(bob, make_participant(session, round_))
    token, other = _token(alice, round_.slug), _token(bob, round_.slug)
    # Signatures carry the second they were made: the page's token is the one signed first,
    # even seconds later (the page also makes a form, whose token Flask-WTF signs anew).
    clock = time.time
    monkeypatch.setattr(time, "time", lambda: clock() + 5)
    assert _token(alice, round_.slug) == token, "one signed token per session token"
    monkeypatch.undo()

    def vote(client: FlaskClient, statement: int, csrf: str | None) -> int:
        headers = {"HX-Request": "true"} | ({"X-CSRFToken": csrf} if csrf else {})
        data = {"statement_id": statements[statement].id, "vote": "agree"}
        return client.post(f"/r/{round_.slug}/vote", data=data, headers=headers).status_code

    assert vote(alice, 0, token) == 200
    assert vote(alice, 1, token) == 200, "the same token, checked again"
    assert vote(alice, 2, other) == 400, "another session's valid token"
    assert vote(alice, 2, None) == 400
    assert vote(alice, 2, token[:-3] + "abc") == 400
    assert vote(bob, 2, token) == 400
    assert vote(bob, 2, other) == 200


def test_a_request_makes_its_csrf_token_once_for_every_form(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The templates' ``csrf_token()`` gives one token per session token, and Flask-WTF's
    forms made after it in a request the same; a form made before it carries one Flask-WTF
    signed itself, as valid. The next session gets its own."""
    ours, flask_wtfs = generate_csrf, flask_wtf_csrf.generate_csrf
    clock = time.time
    tokens = []
    for first, then in ((ours, flask_wtfs), (ours, flask_wtfs), (flask_wtfs, ours)):
        g.pop("csrf_token", None)  # the test's app context outlives its requests
        with app.test_request_context():
            made = first()
            monkeypatch.setattr(time, "time", lambda: clock() + 5)  # signed a second apart
            later = then()
            page = generate_csrf()
            monkeypatch.undo()
            assert page == (made if first is ours else later)
            if first is ours:
                assert later == made
            for token in (made, later):
                assert flask_wtf_csrf.validate_csrf(token) is None
        tokens.append(page)
    assert len(set(tokens)) == 3


def test_the_locale_follows_each_request_header_and_session(app: Flask) -> None:
    cases = [
        ({"Accept-Language": "de-CH,de;q=0.9"}, None, "de_CH"),
        ({"Accept-Language": "fr-BE,fr;q=0.8,en;q=0.5"}, None, "fr_BE"),
        ({"Accept-Language": "fr-BE,fr;q=0.8,en;q=0.5"}, "es", "es"),
        ({"Accept-Language": "en-GB"}, None, "en_GB"),
        ({"Accept-Language": "zz"}, None, "en"),
        ({}, None, "en"),
        ({"Accept-Language": "de-CH,de;q=0.9"}, None, "de_CH"),
    ]
    for headers, chosen, expected in cases * 2:
        with app.test_request_context(headers=headers):
            if chosen is not None:
                session["lang"] = chosen
            assert select_locale() == expected, (headers, chosen)


def test_the_templates_first_look_at_the_locale_is_the_one_flask_babel_keeps(app: Flask) -> None:
    """The templates' helpers choose the request's locale themselves on first use; flask-babel
    then finds it chosen, and ``force_locale`` still wins inside its block."""
    for headers, expected in (({"Accept-Language": "fr-BE,fr"}, "fr"), ({}, "en")):
        for kept in ("_flask_babel", "_palabre_i18n"):  # the test's app context outlives requests
            g.pop(kept, None)
        with app.test_request_context(headers=headers):
            assert current_language() == expected
            chosen = current_locale()
            assert get_locale() is chosen
            assert str(chosen) == select_locale()
            with force_locale("de"):
                assert current_language() == "de"
                assert get_locale() is current_locale()
            assert current_locale() is chosen


def test_a_limited_view_skips_only_an_empty_before_request_pass(app: Flask) -> None:
    """Palabre declares no application, default or meta limit: a vote's limit is checked by
    its decorator alone; the API's blueprint limit still needs the before-request pass."""
    with app.test_request_context("/r/some-round/vote", method="POST"):
        assert limiter._nothing_before_the_view()
    with app.test_request_context("/api/v1/territories"):
        assert not limiter._nothing_before_the_view()


@pytest.fixture
def limited_app(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_VOTE="5 per minute")
    return app_config


def test_the_limiter_leaves_no_hook_after_requests_while_it_sends_no_header(
    limited_app: dict[str, Any], app: Flask
) -> None:
    """Rate-limit headers off and no conditional deduction: flask-limiter's after-request and
    teardown hooks would do nothing, so they are not run; its check before the view stays."""
    assert not limiter._headers_enabled
    hooks = [*app.after_request_funcs[None], *app.teardown_request_funcs[None]]
    assert not [
        hook
        for hook in hooks
        if limiter in (getattr(hook, "__self__", None), *getattr(hook, "args", ()))
    ]
    assert limiter._check_request_limit in app.before_request_funcs[None]
    with pytest.raises(TypeError, match="deduct_when"):
        limiter.limit("1 per minute", deduct_when=lambda _response: True)
    with pytest.raises(TypeError, match="deduct_when"):
        limiter.shared_limit("1 per minute", scope="x", deduct_when=lambda _response: True)


def test_a_vote_counts_once_in_the_participants_bucket(
    limited_app: dict[str, Any], client: FlaskClient, session: Session
) -> None:
    """Without the before-request pass, a vote still counts once, under flask-limiter's key."""
    storage = limiter.storage
    assert isinstance(storage, SweptMemoryStorage)
    storage.reset()
    round_ = make_round(session)
    statements = [make_statement(session, round_) for _ in range(2)]
    act_as(client, make_participant(session, round_))
    for statement in statements:
        response = client.post(
            f"/r/{round_.slug}/vote", data={"statement_id": statement.id, "vote": "agree"}
        )
        assert response.status_code == 303
    with client.session_transaction() as browser:
        keys = [str(key) for key in browser["participants"].values()]
    digest = hashlib.sha256(",".join(keys).encode()).hexdigest()[:32]
    prefix = [limiter._key_prefix] if limiter._key_prefix else []  # another test's, kept
    key = parse("5 per minute").key_for(*prefix, f"p:{digest}", "vote")
    assert dict(storage.storage) == {key: 2}


def test_hooks_and_views_are_returned_as_they_are_unless_coroutines(app: Flask) -> None:
    """``ensure_sync`` runs for every hook of every request: a plain function or bound method
    comes back as it is, a coroutine function still goes through Flask's check (which wants
    the ``async`` extra Palabre does not install)."""

    def plain() -> None:
        return None

    async def coroutine() -> None:
        return None

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(limiter.reset) == limiter.reset
    with pytest.raises(RuntimeError, match="async"):
        app.ensure_sync(coroutine)


def test_each_locale_reads_its_own_catalog_even_forced_within_a_request(app: Flask) -> None:
    """The templates' catalog is kept per app and locale: a request in French, another in
    German, and a text forced into English inside the French one each read their own."""
    source = "{{ _('Undo my last vote') }}|{{ current_language }}|{{ format_number(12345) }}"
    seen = []
    for language in ("fr", "de", "fr"):
        # Its own app context, as each request served has (the fixture's would be shared).
        with app.app_context(), app.test_request_context(headers={"Accept-Language": language}):
            seen.append(render_template_string(source))
            with force_locale("en"):
                seen.append(render_template_string(source))
            seen.append(render_template_string(source))
    english = "Undo my last vote|en|12,345"
    assert seen[1] == seen[4] == seen[7] == english
    assert seen[0] == seen[2] == seen[6] == seen[8]
    assert seen[3] == seen[5]
    assert len({seen[0], seen[3], english}) == 3, seen
    assert seen[0].endswith("|fr|12\u202f345"), seen[0]
    assert seen[3].endswith("|de|12.345"), seen[3]


def test_the_vote_buttons_are_rendered_once_per_language_and_hold_nothing_of_a_request(
    app: Flask,
) -> None:
    """The card's buttons are a language fragment: kept per language (French and German
    differ, and each stays the same across requests) and free of any request's data."""
    rendered = {}
    for language in ("fr", "de", "fr", "de"):
        with app.app_context(), app.test_request_context(headers={"Accept-Language": language}):
            session["csrf_token"] = f"token-of-a-{language}-browser"
            html = language_fragment("participate/_vote_buttons.html")
            assert rendered.setdefault(language, html) == html
            assert "token" not in html
    assert 'value="agree"' in rendered["fr"]
    assert 'aria-keyshortcuts="D"' in rendered["fr"]
    assert ">Pas d’accord<" in rendered["fr"]
    assert rendered["fr"] != rendered["de"]
    assert ">Agree<" not in rendered["de"]


def test_a_translation_notes_words_are_kept_per_language_and_constants(app: Flask) -> None:
    """The note a translated card carries: its words kept per interface language and per
    constant (machine or not, the original's language), each the same across requests."""
    notes = {}
    for language in ("fr", "en", "fr", "en"):
        with app.app_context(), app.test_request_context(headers={"Accept-Language": language}):
            for machine in (True, False):
                label = language_fragment("_translation_label.html", machine=machine)
                assert notes.setdefault((language, machine), label) == label
            for original in ("de", "es"):
                summary = language_fragment("_original_in.html", language=original)
                assert notes.setdefault((language, original), summary) == summary
    assert notes["en", True] == '<span class="translation-label machine">Machine translation</span>'
    assert notes["en", False] == '<span class="translation-label">Translated</span>'
    assert (notes["en", "de"], notes["en", "es"]) == ("Original in German", "Original in Spanish")
    assert notes["fr", "de"] != notes["en", "de"]
    assert "allemand" in notes["fr", "de"]
    assert notes["fr", True] != notes["en", True]


@pytest.mark.parametrize(
    "source",
    ["{{ csrf_token() }}", "{{ session.csrf_token }}", "{{ request.path }}", "{{ g.user }}"],
)
def test_a_language_fragment_cannot_read_the_request(
    app: Flask, tmp_path: Path, source: str
) -> None:
    """A kept fragment is shared by every visitor in its language: one that reads the
    request, the session or a CSRF token fails instead of keeping one browser's data."""
    (tmp_path / "leaky.html").write_text(source)
    app.jinja_loader.searchpath.append(str(tmp_path))  # type: ignore[union-attr]
    with app.app_context(), app.test_request_context("/leak"):
        session["csrf_token"] = "a-browser-secret"
        with pytest.raises(UndefinedError):
            language_fragment("leaky.html")


def test_a_locale_cached_by_another_request_still_finds_the_kept_catalog(app: Flask) -> None:
    """The catalog kept for French first by a forced locale (another object, equal) is reused
    by a French request, which then keeps its own locale object for the fast path."""
    with (
        app.app_context(),
        app.test_request_context(headers={"Accept-Language": "en"}),
        force_locale("fr"),
    ):
        forced = render_template_string("{{ _('Undo my last vote') }}")
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "fr"}):
        assert render_template_string("{{ _('Undo my last vote') }}") == forced
        kept = g._palabre_i18n
        assert kept[0] is get_locale()
        assert render_template_string("{{ current_language }}") == "fr"
        assert g._palabre_i18n is kept
