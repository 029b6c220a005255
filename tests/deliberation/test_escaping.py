"""Messages that quote what someone typed show it as text (issue 8: stored HTML injection)."""

from __future__ import annotations

import html
import io
import json
import re

from flask.testing import FlaskClient
from sqlmodel import Session

from tests.factories import (
    act_as,
    make_participant,
    make_round,
    make_statement,
    make_user,
    sign_in_as,
)

MARKUP = '<x-pwn hx-post="/pwn">evil</x-pwn>'
ESCAPED = "&lt;x-pwn hx-post=&#34;/pwn&#34;&gt;evil&lt;/x-pwn&gt;"


def _signed_in(client: FlaskClient, session: Session) -> int:
    me = make_user(session)
    round_ = make_round(session, facilitators=[me], languages=["en"])
    sign_in_as(client, me)
    assert round_.id is not None
    return round_.id


def test_the_duplicate_seed_message_escapes_the_existing_statement(
    client: FlaskClient, session: Session
) -> None:
    round_id = _signed_in(client, session)
    url = f"/facilitate/rounds/{round_id}/statements"
    assert client.post(url, data={"text": MARKUP, "language": "en"}).status_code == 303
    response = client.post(url, data={"text": MARKUP, "language": "en"})
    assert response.status_code == 422
    assert "already exists: " + ESCAPED in response.text
    assert "<x-pwn" not in response.text


def test_the_twinning_message_escapes_the_identifier(client: FlaskClient, session: Session) -> None:
    _signed_in(client, session)
    response = client.post(
        "/facilitate/territories/new",
        data={"slug": "metz", "kind": "municipality", "name_en": "Metz", "twins": MARKUP},
    )
    assert response.status_code == 422
    assert "No territory has the identifier " + ESCAPED in response.text
    assert "<x-pwn" not in response.text


def test_csv_import_problems_escape_the_file_content(client: FlaskClient, session: Session) -> None:
    round_id = _signed_in(client, session)
    url = f"/facilitate/rounds/{round_id}/statements/import"
    for content in (f"{MARKUP},language\n", f"text,language\nhello,{MARKUP}\n"):
        response = client.post(
            url,
            data={"file": (io.BytesIO(content.encode()), "seeds.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        assert ESCAPED in response.text
        assert "<x-pwn" not in response.text


def test_text_that_people_wrote_sits_in_hx_disable_but_vote_buttons_do_not(
    client: FlaskClient, session: Session
) -> None:
    round_ = make_round(session)
    make_statement(session, round_, text="Shade the yards")
    act_as(client, make_participant(session, round_))
    page = client.get(f"/r/{round_.slug}").text
    assert '<blockquote class="statement" hx-disable' in page
    card = page[page.index('<div id="card"') : page.index("</form>", page.index('<div id="card"'))]
    assert card.count("hx-disable") == 1
    assert card.index("</blockquote>") < card.index("hx-post")


def test_htmx_evaluates_no_code_and_requests_only_this_site(client: FlaskClient) -> None:
    page = client.get("/").text
    meta = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', page)
    assert meta is not None
    config = json.loads(html.unescape(meta.group(1)))
    assert config["allowEval"] is False
    assert config["selfRequestsOnly"] is True
