"""Texts that must not be empty refuse invisible characters alone; framing links are absolute."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.models import Round, Statement, Territory
from deliberation.services.validation import has_visible_text
from deliberation.templating import render_markdown
from tests.factories import act_as, make_participant, make_round, make_user, sign_in_as

INVISIBLE = [
    "\u200b\u200b",  # zero-width spaces
    "\u200e\u200f\u202e\u2066\u2069",  # BIDI marks, override and isolates
    "\u2060\ufeff\u00ad",  # word joiner, BOM, soft hyphen
    "\u3164\u115f",  # Hangul fillers
    "\u2800",  # blank braille pattern
    "\u0301\u034f\ufe0f",  # combining marks and variation selectors without a base
    " \u00a0\u3000\u2028",  # spaces and a line separator
]


@pytest.mark.parametrize("text", INVISIBLE)
def test_invisible_characters_alone_are_no_text(text: str) -> None:
    assert not has_visible_text(text)
    assert has_visible_text(text + "a")
    assert all(has_visible_text(c) for c in "?7€")


@pytest.mark.parametrize("text", INVISIBLE)
def test_a_statement_of_invisible_characters_is_refused_everywhere(
    client: FlaskClient, session: Session, text: str
) -> None:
    me = make_user(session)
    round_ = make_round(session, facilitators=[me], languages=["en"])
    act_as(client, make_participant(session, round_))
    written = client.post(f"/r/{round_.slug}/statements", data={"text": text})
    assert written.status_code == 422
    assert "Write a statement first" in written.text
    sign_in_as(client, me)
    base = f"/facilitate/rounds/{round_.id}/statements"
    seed = client.post(base, data={"text": text, "language": "en"})
    assert seed.status_code == 422
    csv = f"text,language\n{text},en\n".encode()
    imported = client.post(
        f"{base}/import",
        data={"file": (io.BytesIO(csv), "seeds.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 422
    assert session.exec(select(Statement)).all() == []


def test_titles_questions_and_names_of_invisible_characters_are_refused(
    client: FlaskClient, session: Session
) -> None:
    sign_in_as(client, make_user(session))
    round_data = {
        "slug": "ghost",
        "languages": ["en"],
        "topic": "climate",
        "time_zone": "UTC",
        "phase": "draft",
        "moderation_mode": "post",
        "max_statement_length": 280,
        "privacy_k": 5,
        "min_votes_for_map": 7,
    }
    for title, question in (("\u200b", "Question?"), ("Title", "\u202e\u200f")):
        data = {**round_data, "title_en": title, "question_en": question}
        assert client.post("/facilitate/rounds/new", data=data).status_code == 422
    assert session.exec(select(Round).where(Round.slug == "ghost")).first() is None
    territory = {"slug": "ghost", "kind": "other", "name_en": "\u200b\u2060", "name_fr": "\u3164"}
    response = client.post("/facilitate/territories/new", data=territory)
    assert response.status_code == 422
    assert "A name in at least one language" in response.text
    assert session.exec(select(Territory)).all() == []


@pytest.mark.parametrize(
    "link",
    [
        "[x](//evil.example/path)",
        "[x](/local/page)",
        "[x](javascript:alert(1))",
        "[x](data:text/html,hi)",
        "[x](ftp://files.example)",
        "<//evil.example>",
        "[x](\\\\evil.example)",
    ],
)
def test_framing_links_other_than_http_https_mailto_lose_their_address(link: str) -> None:
    html = str(render_markdown(link))
    assert "href" not in html, html


def test_framing_links_to_http_https_and_mailto_are_kept() -> None:
    html = str(render_markdown("[a](https://x.example) [b](HTTP://y.example) [c](mailto:a@b.c)"))
    assert 'href="https://x.example"' in html
    assert 'href="HTTP://y.example"' in html
    assert 'href="mailto:a@b.c"' in html
