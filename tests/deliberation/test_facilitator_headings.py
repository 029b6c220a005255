"""Every facilitator page of a round follows one pattern: the round's title as context in a
heading group, one h1 naming the page, the round's navigation, and a window title made of the
page's name then the round's."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.factories import make_round, make_statement, make_user, sign_in_as

TITLE = "Shade & water <in> our towns"


def test_every_round_page_of_a_facilitator_has_one_h1_under_the_rounds_title(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    me = make_user(session)
    round_ = make_round(session, facilitators=[me], title={"en": TITLE})
    statement = make_statement(session, round_)
    sign_in_as(client, me)
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set())
        and rule.arguments in ({"round_id"}, {"round_id", "statement_id"})
        and rule.endpoint.split(".")[0] in {"facilitate", "proposals", "reports", "decisions"}
    ]
    checked = []
    for rule in rules:
        with app.test_request_context():
            url = app.url_for(rule.endpoint, round_id=round_.id, statement_id=statement.id)
        response = client.get(url)
        if response.mimetype != "text/html":
            continue  # a file: CSV, PO
        assert response.status_code == 200, url
        page = response.text
        heading = re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)
        assert len(heading) == 1, f"{url}: one h1, not {heading}"
        assert (
            f'<hgroup>\n    <p class="page-context" hx-disable>{html.escape(TITLE)}</p>\n'
            f"    <h1 hx-disable>{heading[0]}</h1>\n  </hgroup>"
        ) in page, f"{url}: the round's title is the h1's context"
        assert html.escape(TITLE) not in heading[0], url
        assert f"<title>{heading[0]} · {html.escape(TITLE)} · Palabre</title>" in page, url
        assert 'class="secondary round-nav"' in page, url
        checked.append(heading[0])
    assert len(checked) >= 12, checked
    assert {"Overview", "Decisions", "Settings", "Proposals"} <= set(checked)
    assert "Statement #" in " ".join(checked)
