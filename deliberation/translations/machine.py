"""Optional machine translation through a LibreTranslate-compatible server the operator runs.

Nothing here runs unless ``PALABRE_TRANSLATE_URL`` is set: without it no text ever leaves the
server. With it, the opinion worker (``flask opinions worker``, or the app's background thread)
translates, after each pass, the statements of open rounds, and the proposals' and amendments'
titles, texts, paragraphs and rationales of drafting rounds, that have no translation yet into
some language of their round; never a request. Each translation is stored as ``machine``, shown
at once with its label, and outranked by any reviewed facilitator's or participant's
translation (see ``deliberation.translations.reading``). A server error or a time-out stops the
pass and leaves the text untranslated; the next pass tries again after ``RETRY_AFTER``.

The client speaks LibreTranslate's documented API: ``POST /translate`` with ``q``, ``source``,
``target``, ``format`` = ``text`` and an optional ``api_key``, answered by ``translatedText``;
``GET /languages``, answered by a list of ``{"code": ...}``. Two workers may translate the same
statement at once; the reading rule then shows the newest of the two, which is harmless.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import exists, func
from sqlmodel import Session, col, select

from deliberation.models import (
    Phase,
    ProposalVersion,
    Round,
    Statement,
    StatementStatus,
    TextKind,
    Translation,
    TranslationOrigin,
)
from deliberation.services.votes import votable_statuses
from deliberation.translations.sources import (
    LIMITS,
    PROPOSAL_KINDS,
    Source,
    round_sources,
    statement_source,
)

log = logging.getLogger(__name__)
RETRY_AFTER = 60.0


class MachineTranslationError(Exception):
    """The translation server did not give a usable answer (down, slow, refusing, garbled)."""


@dataclass(frozen=True)
class LibreTranslateClient:
    """``url`` is the server's base URL; ``timeout`` in seconds for each request."""

    url: str
    api_key: str = ""
    timeout: float = 10.0

    def _call(self, path: str, payload: Mapping[str, str] | None = None) -> Any:
        data = None
        headers = {"Accept": "application/json"}
        if payload is not None:
            data = json.dumps(payload).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url.rstrip("/") + path, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
            raise MachineTranslationError(f"{path}: {error}") from error

    def languages(self) -> set[str]:
        """The language codes the server translates between."""
        answer = self._call("/languages")
        try:
            return {str(entry["code"]) for entry in answer}
        except (TypeError, KeyError) as error:
            raise MachineTranslationError(f"/languages: unexpected answer {answer!r}") from error

    def translate(self, text: str, *, source: str, target: str) -> str:
        payload = {"q": text, "source": source, "target": target, "format": "text"}
        if self.api_key:
            payload["api_key"] = self.api_key
        answer = self._call("/translate", payload)
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str) or not translated.strip():
            raise MachineTranslationError(f"/translate: unexpected answer {answer!r}")
        return translated.strip()


def client_from_config(config: Mapping[str, Any]) -> LibreTranslateClient | None:
    """The configured client, or None when ``PALABRE_TRANSLATE_URL`` is not set."""
    url = config.get("TRANSLATE_URL") or ""
    if not url:
        return None
    return LibreTranslateClient(
        url=url, api_key=config.get("TRANSLATE_API_KEY") or "", timeout=config["TRANSLATE_TIMEOUT"]
    )


def _untranslated(session: Session, round_: Round, language: str, limit: int) -> list[Statement]:
    """Votable statements of ``round_`` with no translation into ``language`` at all (a
    rejected one aside), oldest first."""
    return list(
        session.exec(
            select(Statement)
            .where(
                Statement.round_id == round_.id,
                col(Statement.status).in_(votable_statuses(round_)),
                Statement.language != language,
                ~exists().where(
                    col(Translation.kind) == TextKind.STATEMENT,
                    col(Translation.text_id) == Statement.id,
                    col(Translation.language) == language,
                    col(Translation.status) != StatementStatus.REJECTED,
                ),
            )
            .order_by(col(Statement.id))
            .limit(limit)
        )
    )


def _drop_outdated(session: Session, round_: Round) -> None:
    """Delete the machine translations of ``round_``'s proposals older than their current
    version: they translate a text that is no longer the proposal's (never committed here)."""
    latest = (
        select(
            col(ProposalVersion.proposal_id).label("proposal_id"),
            func.max(ProposalVersion.created_at).label("saved_at"),
        )
        .group_by(col(ProposalVersion.proposal_id))
        .subquery()
    )
    for translation in session.exec(
        select(Translation)
        .join(latest, latest.c.proposal_id == Translation.text_id)
        .where(
            Translation.round_id == round_.id,
            col(Translation.kind).in_([TextKind.PROPOSAL_TITLE, TextKind.PROPOSAL_TEXT]),
            Translation.origin == TranslationOrigin.MACHINE,
            col(Translation.created_at) < latest.c.saved_at,
        )
    ).all():
        session.delete(translation)
    session.flush()


def _untranslated_parts(session: Session, round_: Round, language: str, limit: int) -> list[Source]:
    """Shown proposals' and amendments' parts of ``round_`` not written in ``language`` with
    no translation into it at all (a rejected one aside, and a machine's of an older version
    of the proposal, deleted), in ``round_sources`` order."""
    _drop_outdated(session, round_)
    sources = [
        source
        for source in round_sources(session, round_, kinds=PROPOSAL_KINDS)
        if source.language != language
    ]
    done = set(
        session.exec(
            select(Translation.kind, Translation.text_id).where(
                Translation.round_id == round_.id,
                col(Translation.kind).in_(PROPOSAL_KINDS),
                Translation.language == language,
                col(Translation.status) != StatementStatus.REJECTED,
            )
        )
    )
    return [s for s in sources if (s.kind, s.id) not in done][:limit]


def _pending_sources(session: Session, round_: Round, language: str, limit: int) -> list[Source]:
    """What to translate into ``language`` in ``round_``: its statements while it is open,
    its proposals and amendments while it drafts."""
    if round_.phase == Phase.OPEN:
        return [
            statement_source(statement)
            for statement in _untranslated(session, round_, language, limit)
        ]
    return _untranslated_parts(session, round_, language, limit)


def translate_missing(session: Session, client: LibreTranslateClient, *, limit: int) -> int:
    """Machine-translate up to ``limit`` missing (text, language) pairs: statements of open
    rounds, proposals' and amendments' parts of drafting rounds, committing each. Returns how
    many were stored; raises ``MachineTranslationError`` when the server fails (what was
    stored before stays)."""
    supported = client.languages()
    stored = 0
    rounds = session.exec(
        select(Round)
        .where(col(Round.phase).in_([Phase.OPEN, Phase.DRAFTING]))
        .order_by(col(Round.id))
    )
    for round_ in list(rounds):
        for language in round_.languages:
            if language not in supported or stored >= limit:
                continue
            for source in _pending_sources(session, round_, language, limit - stored):
                if source.language not in supported:
                    continue
                text = client.translate(source.text, source=source.language, target=language)
                session.add(
                    Translation(
                        round_id=round_.id,  # type: ignore[arg-type]
                        kind=source.kind,
                        text_id=source.id,
                        language=language,
                        text=text[: LIMITS.get(source.kind, round_.max_statement_length)],
                        origin=TranslationOrigin.MACHINE,
                        status=StatementStatus.ACCEPTED,
                    )
                )
                session.commit()
                stored += 1
    return stored


@dataclass
class MachinePass:
    """The worker's machine-translation step, with its pause after a failure."""

    app: Flask
    retry_at: float = field(default=0.0)

    def run(self) -> int:
        """One pass if a server is configured and not in its pause; never raises for the
        server's failures (they are logged)."""
        client = client_from_config(self.app.config)
        if client is None or time.monotonic() < self.retry_at:
            return 0
        with Session(self.app.extensions["palabre.engine"], expire_on_commit=False) as session:
            try:
                return translate_missing(session, client, limit=self.app.config["TRANSLATE_BATCH"])
            except MachineTranslationError as error:
                session.rollback()
                self.retry_at = time.monotonic() + RETRY_AFTER
                log.warning("machine translation paused for %.0f s: %s", RETRY_AFTER, error)
                return 0
