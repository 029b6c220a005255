"""The optional machine translation client, against a small LibreTranslate-like server run in
the test: answers, errors, time-outs, and that nothing is sent when no URL is configured."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from deliberation.clock import utcnow
from deliberation.config import ConfigurationError, load_config
from deliberation.models import (
    Amendment,
    Phase,
    ProposalVersion,
    TextKind,
    Translation,
    TranslationOrigin,
)
from deliberation.proposals.translating import read_proposals
from deliberation.translations.machine import (
    LibreTranslateClient,
    MachinePass,
    MachineTranslationError,
    translate_missing,
)
from deliberation.translations.reading import read_statements
from tests.factories import (
    act_as,
    make_participant,
    make_proposal,
    make_round,
    make_statement,
    make_translation,
)


@dataclass
class FakeLibreTranslate:
    """What the test server received, and how it answers (``mode``: ok, error, slow, garbled)."""

    mode: str = "ok"
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@pytest.fixture
def server() -> Iterator[tuple[str, FakeLibreTranslate]]:
    state = FakeLibreTranslate()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            state.requests.append((self.path, {}))
            if self.path == "/languages":
                self._answer(200, [{"code": c, "name": c} for c in ("en", "fr", "de")])
            else:
                self._answer(404, {"error": "not found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append((self.path, payload))
            if state.mode == "slow":
                time.sleep(0.5)
            if state.mode == "error":
                self._answer(500, {"error": "the model crashed"})
            elif state.mode == "garbled":
                self._answer(200, {"nothing": "here"})
            else:
                self._answer(200, {"translatedText": f"[{payload['target']}] {payload['q']}"})

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_the_client_speaks_the_libretranslate_api(
    server: tuple[str, FakeLibreTranslate],
) -> None:
    url, state = server
    client = LibreTranslateClient(url=url + "/", api_key="secret", timeout=2)
    assert client.languages() == {"en", "fr", "de"}
    assert client.translate("Mehr Bäume", source="de", target="fr") == "[fr] Mehr Bäume"
    assert state.requests[-1] == (
        "/translate",
        {"q": "Mehr Bäume", "source": "de", "target": "fr", "format": "text", "api_key": "secret"},
    )
    no_key = LibreTranslateClient(url=url, timeout=2)
    no_key.translate("x", source="de", target="fr")
    assert "api_key" not in state.requests[-1][1]


@pytest.mark.parametrize("mode", ["error", "slow", "garbled"])
def test_failures_raise_one_error(server: tuple[str, FakeLibreTranslate], mode: str) -> None:
    url, state = server
    state.mode = mode
    with pytest.raises(MachineTranslationError):
        LibreTranslateClient(url=url, timeout=0.2).translate("x", source="de", target="fr")


def test_an_unreachable_server_is_an_error_too() -> None:
    with pytest.raises(MachineTranslationError):
        LibreTranslateClient(url="http://127.0.0.1:9", timeout=0.5).languages()


def test_missing_translations_are_made_by_machine_and_labelled(
    server: tuple[str, FakeLibreTranslate], session: Session
) -> None:
    url, _ = server
    round_ = make_round(session, languages=["fr", "de", "en"])
    statement = make_statement(session, round_, text="Mehr Bäume", language="de")
    make_translation(session, statement, language="fr", text="Plus d'arbres")
    closed = make_round(session, languages=["fr", "de"], phase=Phase.CLOSED)
    make_statement(session, closed, language="de")
    stored = translate_missing(session, LibreTranslateClient(url=url, timeout=2), limit=10)
    assert stored == 1
    machine = session.exec(
        select(Translation).where(Translation.origin == TranslationOrigin.MACHINE)
    ).one()
    assert (machine.language, machine.text, machine.reviewed) == ("en", "[en] Mehr Bäume", False)
    readings = read_statements(session, round_, [statement], ["en"])
    assert readings[statement.id].machine
    assert read_statements(session, round_, [statement], ["fr"])[statement.id].text == (
        "Plus d'arbres"
    )
    assert translate_missing(session, LibreTranslateClient(url=url, timeout=2), limit=10) == 0

    make_translation(session, statement, language="en", text="More trees")
    assert read_statements(session, round_, [statement], ["en"])[statement.id].text == "More trees"


def test_the_worker_pass_leaves_texts_untranslated_when_the_server_fails(
    server: tuple[str, FakeLibreTranslate], app: Flask, session: Session
) -> None:
    url, state = server
    app.config.update(TRANSLATE_URL=url, TRANSLATE_TIMEOUT=0.2)
    round_ = make_round(session, languages=["fr", "de"])
    make_statement(session, round_, language="de")
    for mode in ("error", "slow"):
        state.mode = mode
        machine = MachinePass(app)
        assert machine.run() == 0
        assert machine.retry_at > 0
        assert machine.run() == 0  # paused: no new request
    assert session.exec(select(Translation)).all() == []
    state.mode = "ok"
    assert MachinePass(app).run() == 1


def test_no_text_leaves_the_server_without_a_url(
    server: tuple[str, FakeLibreTranslate], app: Flask, client: FlaskClient, session: Session
) -> None:
    _, state = server
    assert app.config["TRANSLATE_URL"] == ""
    round_ = make_round(session, languages=["fr", "de"])
    make_statement(session, round_, language="de")
    act_as(client, make_participant(session, round_))
    client.post(f"/r/{round_.slug}/statements", data={"text": "Des arbres partout en ville"})
    assert MachinePass(app).run() == 0
    assert state.requests == []
    assert session.exec(select(Translation)).all() == []


def test_requests_never_call_the_server_even_with_a_url(
    server: tuple[str, FakeLibreTranslate], app: Flask, client: FlaskClient, session: Session
) -> None:
    url, state = server
    app.config.update(TRANSLATE_URL=url)
    round_ = make_round(session, languages=["fr", "de"])
    statement = make_statement(session, round_, language="de")
    act_as(client, make_participant(session, round_))
    client.post(f"/r/{round_.slug}/statements", data={"text": "Des arbres partout en ville"})
    client.post(f"/r/{round_.slug}/vote", data={"statement_id": statement.id, "vote": "agree"})
    assert state.requests == []


def test_the_url_must_be_http() -> None:
    with pytest.raises(ConfigurationError):
        load_config("/tmp", {"PALABRE_ENV": "development", "PALABRE_TRANSLATE_URL": "file:///etc"})
    config = load_config("/tmp", {"PALABRE_ENV": "development"})
    assert config["TRANSLATE_URL"] == ""


def test_machines_translate_proposals_and_amendments_while_the_round_drafts(
    server: tuple[str, FakeLibreTranslate], client: FlaskClient, session: Session
) -> None:
    url, _ = server
    round_ = make_round(session, languages=["fr", "de", "en"], phase=Phase.DRAFTING)
    make_statement(session, round_, language="de")  # statements are translated while open
    proposal = make_proposal(
        session, round_, title="Schatten", text="Schatten.\n\nKühle Räume.", language="de"
    )
    hidden = make_proposal(session, round_, language="de", hidden_at=utcnow())
    session.add(
        Amendment(
            proposal_id=proposal.id,  # type: ignore[arg-type]
            base_version=1,
            paragraph=0,
            original="Schatten.",
            replacement="Bäume.",
            rationale="Sie kühlen.",
        )
    )
    session.add(
        Translation(
            round_id=round_.id,  # type: ignore[arg-type]
            kind=TextKind.PROPOSAL_TITLE,
            text_id=proposal.id,  # type: ignore[arg-type]
            language="fr",
            text="De l'ombre",
            origin=TranslationOrigin.HUMAN,
            reviewed=True,
        )
    )
    session.commit()

    stored = translate_missing(session, LibreTranslateClient(url=url, timeout=2), limit=50)

    # the title into English; the text, the amendment's paragraph and rationale into both
    assert stored == 7
    machine = session.exec(
        select(Translation).where(Translation.origin == TranslationOrigin.MACHINE)
    ).all()
    assert {t.kind for t in machine} == {
        "proposal_title",
        "proposal_text",
        "amendment_text",
        "amendment_rationale",
    }
    assert hidden.id not in {t.text_id for t in machine if t.kind.startswith("proposal")}
    read = read_proposals(session, round_, [proposal], ["fr"])[proposal.id or 0]
    assert read.title.text == "De l'ombre"
    assert read.text.machine
    assert read.text.text == "[fr] Schatten.\n\nKühle Räume."
    reader = make_participant(session, round_, language="fr")
    act_as(client, reader)
    page = client.get(f"/r/{round_.slug}/proposals/{proposal.id}")
    assert "translation-label machine" in page.text
    assert translate_missing(session, LibreTranslateClient(url=url, timeout=2), limit=50) == 0

    # a new version: the machine translations of the old one are replaced
    for old in session.exec(select(Translation)):
        old.created_at -= timedelta(minutes=1)
        session.add(old)
    proposal.version, proposal.text = 2, "Mehr Schatten."
    session.add(proposal)
    session.add(
        ProposalVersion(
            proposal_id=proposal.id,  # type: ignore[arg-type]
            number=2,
            title=proposal.title,
            text=proposal.text,
        )
    )
    session.commit()
    assert translate_missing(session, LibreTranslateClient(url=url, timeout=2), limit=50) == 3
    session.expire_all()
    read = read_proposals(session, round_, [proposal], ["fr"])[proposal.id or 0]
    assert read.text.text == "[fr] Mehr Schatten."
    assert read.title.text == "De l'ombre"
