"""The endpoints of ``/api/v1``. Each validates its request and answer with the models of
``deliberation.api.schemas`` (``spec.validate``), which also make the OpenAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from flask import Blueprint, current_app, request, send_from_directory, url_for
from flask import Response as FlaskResponse
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel

from deliberation.api import read, schemas
from deliberation.api.auth import current_token, rate_limit_key, token_required
from deliberation.api.spec import (
    PUBLIC_ERRORS,
    TOKEN_SECURITY,
    openapi_document,
    responses,
    spec,
)
from deliberation.clock import utcnow
from deliberation.db import get_session
from deliberation.errors import NotFound, TooLarge
from deliberation.extensions import csrf, limiter
from deliberation.messages import lazy_message
from deliberation.models import ReportVersion, Round, TokenScope
from deliberation.models.council_inputs import CouncilResponseInput
from deliberation.reports import document as ids
from deliberation.reports import publishing
from deliberation.services import council_responses
from deliberation.services.validation import MAX_ID
from deliberation.templating import render
from deliberation.views.reports import IMMUTABLE

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The API reads no cookie, only bearer tokens: no CSRF token to check (see ``api.auth``).
csrf.exempt(bp)
# One budget per token (or address) across every endpoint, not one per endpoint.
limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_API"], scope="api", key_func=rate_limit_key
)(bp)

# Paths name objects by their outcome document ids (``rnd:heat-2026``, ``out:12``), the ids
# of every answer; the views read them (``read.get_round``...): any other string is a 404.
ID = f"int(min=1, max={MAX_ID})"  # a report version's number
Item = TypeVar("Item", bound=BaseModel)


def _query() -> schemas.PageQuery:
    query: schemas.PageQuery = request.context.query  # type: ignore[attr-defined]
    return query


def _paged(items: list[Item], total: int, has_next: bool) -> schemas.Paged[Item]:
    query = _query()
    next_url = None
    if has_next:
        next_url = url_for(
            request.endpoint or "",
            **(request.view_args or {}),
            page=query.page + 1,
            per_page=query.per_page,
            _external=True,
        )
    return schemas.Paged[Item](
        items=items, page=query.page, per_page=query.per_page, total=total, next=next_url
    )


@bp.before_request
def _limit_body() -> None:
    """API bodies are small JSON documents (``API_MAX_BODY_BYTES``, not the app's limit for
    CSV uploads): a larger one is a 413, before authentication and whatever its media type.
    A declared length is checked before anything is read; a body of unknown length (chunked)
    is read here, at most one byte past the limit, because Werkzeug cuts it at
    ``max_content_length`` without a word and the truncated JSON would be a 400."""
    limit: int = current_app.config["API_MAX_BODY_BYTES"]
    request.max_content_length = limit + 1
    declared = request.content_length
    if (declared if declared is not None else len(request.get_data())) > limit:
        raise TooLarge(
            lazy_message("The body may not be larger than %(limit)d bytes.", limit=limit)
        )


@bp.after_request
def _cache(response: FlaskResponse) -> FlaskResponse:
    """Strong ETags on successful reads, so clients revalidate for free; token answers are
    private to their token."""
    if request.method == "GET" and response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
    response.headers.setdefault("Cache-Control", "private, no-cache")
    response.vary.add("Authorization")
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="palabre"'
    return response


# --- The document and its page ---------------------------------------------------------------


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3.1 document of this API (public)."""
    return openapi_document()


@bp.get("/docs")
def docs() -> Any:
    """A browsable page of the document (Swagger UI, served by the app)."""
    return render("api/docs.html")


@bp.get("/docs/assets/<any('swagger-ui-bundle.js', 'swagger-ui.css'):name>")
def docs_asset(name: str) -> Any:
    folder = Path(current_app.config["NODE_MODULES"]) / "swagger-ui-dist"
    return send_from_directory(folder, name, max_age=86400)


# --- Territories and councils ----------------------------------------------------------------


@bp.get("/territories")
@token_required(TokenScope.READ)
@spec.validate(
    query=schemas.PageQuery,
    resp=responses(HTTP_200=schemas.Paged[schemas.TerritoryOut]),
    security=TOKEN_SECURITY,
    tags=["territories"],
)
def territories() -> Any:
    """Territories, by identifier."""
    rows, total, has_next = read.page_of(get_session(), read.territories_query(), _query())
    return _paged([read.territory_out(t) for t in rows], total, has_next)


@bp.get("/territories/<territory_id>")
@token_required(TokenScope.READ)
@spec.validate(
    resp=responses(HTTP_200=schemas.TerritoryOut),
    security=TOKEN_SECURITY,
    tags=["territories"],
)
def territory(territory_id: str) -> Any:
    """One territory."""
    return read.territory_out(read.get_territory(get_session(), territory_id))


@bp.get("/councils")
@token_required(TokenScope.READ)
@spec.validate(
    query=schemas.PageQuery,
    resp=responses(HTTP_200=schemas.Paged[schemas.CouncilOut]),
    security=TOKEN_SECURITY,
    tags=["councils"],
)
def councils() -> Any:
    """Councils, by identifier."""
    rows, total, has_next = read.page_of(get_session(), read.councils_query(), _query())
    return _paged(read.councils_out(get_session(), rows), total, has_next)


# --- Rounds, statements, opinion groups ------------------------------------------------------


@bp.get("/rounds")
@token_required(TokenScope.READ)
@spec.validate(
    query=schemas.PageQuery,
    resp=responses(HTTP_200=schemas.Paged[schemas.RoundOut]),
    security=TOKEN_SECURITY,
    tags=["rounds"],
)
def rounds() -> Any:
    """Rounds past their draft, newest first."""
    db = get_session()
    rows, total, has_next = read.page_of(db, read.rounds_query(), _query())
    return _paged(read.rounds_out(db, rows), total, has_next)


@bp.get("/rounds/<round_id>")
@token_required(TokenScope.READ)
@spec.validate(
    resp=responses(HTTP_200=schemas.RoundOut),
    security=TOKEN_SECURITY,
    tags=["rounds"],
)
def round_(round_id: str) -> Any:
    """One round."""
    db = get_session()
    return read.rounds_out(db, [read.get_round(db, round_id)])[0]


@bp.get("/rounds/<round_id>/statements")
@token_required(TokenScope.READ)
@spec.validate(
    query=schemas.PageQuery,
    resp=responses(HTTP_200=schemas.Paged[schemas.StatementOut]),
    security=TOKEN_SECURITY,
    tags=["rounds"],
)
def statements(round_id: str) -> Any:
    """A round's published statements with their vote counts overall, by territory and by
    opinion group, as of the latest analysis (counts of fewer than k people suppressed)."""
    db = get_session()
    round_ = read.get_round(db, round_id)
    rows, total, has_next = read.page_of(db, read.statements_query(round_), _query())
    return _paged(read.statements_out(db, round_, rows), total, has_next)


@bp.get("/rounds/<round_id>/opinion-groups")
@token_required(TokenScope.READ)
@spec.validate(
    resp=responses(HTTP_200=schemas.OpinionGroups),
    security=TOKEN_SECURITY,
    tags=["rounds"],
)
def opinion_groups(round_id: str) -> Any:
    """A round's opinion groups as of the latest analysis: sizes, composition by territory
    (fewer than k people suppressed) and representative statements."""
    db = get_session()
    return read.opinion_groups(db, read.get_round(db, round_id))


# --- Decisions -------------------------------------------------------------------------------


@bp.get("/rounds/<round_id>/decisions")
@token_required(TokenScope.READ)
@spec.validate(
    query=schemas.PageQuery,
    resp=responses(HTTP_200=schemas.Paged[schemas.DecisionOut]),
    security=TOKEN_SECURITY,
    tags=["decisions"],
)
def decisions(round_id: str) -> Any:
    """A round's decisions past their draft, oldest first, each with its options and, once
    closed and counted, its result (territories and counts of fewer than k ballots
    suppressed) and the address of its published ballots."""
    db = get_session()
    round_ = read.get_round(db, round_id)
    rows, total, has_next = read.page_of(db, read.decisions_query(round_), _query())
    return _paged(read.decisions_out(db, round_, rows), total, has_next)


@bp.get("/decisions/<decision_id>")
@token_required(TokenScope.READ)
@spec.validate(
    resp=responses(HTTP_200=schemas.DecisionOut), security=TOKEN_SECURITY, tags=["decisions"]
)
def decision(decision_id: str) -> Any:
    """One decision with its options and, once closed and counted, its result."""
    db = get_session()
    found, round_ = read.get_decision(db, decision_id)
    return read.decisions_out(db, round_, [found])[0]


# --- Published reports (public) ---------------------------------------------------------------


@bp.get("/rounds/<round_id>/reports")
@spec.validate(
    query=schemas.PageQuery,
    resp=responses(errors=PUBLIC_ERRORS, HTTP_200=schemas.Paged[schemas.ReportVersionOut]),
    tags=["reports"],
)
def reports(round_id: str) -> Any:
    """A round's published report versions, newest first (public)."""
    db = get_session()
    round_ = read.get_round(db, round_id)
    rows, total, has_next = read.page_of(db, publishing.versions_query(round_), _query())
    return _paged([read.version_out(round_, v) for v in rows], total, has_next)


@bp.get("/rounds/<round_id>/reports/latest")
@spec.validate(
    resp=responses(errors=PUBLIC_ERRORS, HTTP_200=schemas.OutcomeDocument),
    tags=["reports"],
)
def latest_report(round_id: str) -> Any:
    """The outcome document of a round's latest published version (public). It changes when a
    new version is published: revalidate with its ETag."""
    db = get_session()
    version = publishing.get_version(db, read.get_round(db, round_id))
    return _document(version, "public, no-cache")


@bp.get(f"/rounds/<round_id>/reports/<{ID}:number>")
@spec.validate(
    resp=responses(errors=PUBLIC_ERRORS, HTTP_200=schemas.OutcomeDocument),
    tags=["reports"],
)
def report(round_id: str, number: int) -> Any:
    """The outcome document of one published version (public). A version never changes: it
    is cached for a year, with its checksum as a strong ETag."""
    db = get_session()
    version = publishing.get_version(db, read.get_round(db, round_id), number)
    return _document(version, IMMUTABLE)


@bp.get(f"/rounds/<round_id>/reports/<{ID}:number>/later-responses")
@spec.validate(
    resp=responses(errors=PUBLIC_ERRORS, HTTP_200=schemas.LaterResponses),
    tags=["reports"],
)
def later_responses(round_id: str, number: int) -> Any:
    """Council answers to the outcomes of one published version recorded after it (public):
    the report page shows them under "Responses since publication", outside the frozen
    document."""
    db = get_session()
    version = publishing.get_version(db, read.get_round(db, round_id), number)
    return schemas.LaterResponses.model_validate(
        {"published_at": version.published_at, "items": publishing.later_responses(db, version)}
    )


def _document(version: ReportVersion, cache_control: str) -> Any:
    headers = {"ETag": f'"{version.sha256}"', "Cache-Control": cache_control}
    return schemas.OutcomeDocument(version.document), 200, headers


# --- Outcomes and council responses ----------------------------------------------------------


@bp.get("/rounds/<round_id>/outcomes")
@token_required(TokenScope.READ)
@spec.validate(
    query=schemas.PageQuery,
    resp=responses(HTTP_200=schemas.Paged[schemas.OutcomeEntry]),
    security=TOKEN_SECURITY,
    tags=["outcomes"],
)
def outcomes(round_id: str) -> Any:
    """The outcomes of a round's latest published report version, in its order, as its outcome
    document writes them; an empty list before the first publication."""
    db = get_session()
    entries = publishing.published_outcomes(db, read.get_round(db, round_id))
    query = _query()
    start = (query.page - 1) * query.per_page
    shown = entries[start : start + query.per_page]
    return _paged(
        [schemas.OutcomeEntry(entry) for entry in shown],
        len(entries),
        start + query.per_page < len(entries),
    )


@bp.get("/outcomes/<outcome_id>")
@token_required(TokenScope.READ)
@spec.validate(
    resp=responses(HTTP_200=schemas.OutcomeEntry), security=TOKEN_SECURITY, tags=["outcomes"]
)
def outcome(outcome_id: str) -> Any:
    """One outcome as the latest published version of its round writes it (not found before
    it is published)."""
    db = get_session()
    found = council_responses.get_outcome(db, read.outcome_number(outcome_id))
    round_ = db.get_one(Round, found.round_id)
    for entry in publishing.published_outcomes(db, round_):
        if entry["id"] == ids.outcome_id(found.id or 0):
            return schemas.OutcomeEntry(entry)
    raise NotFound(_l("This outcome is not in a published report yet."))


@bp.get("/council/outcomes")
@token_required(TokenScope.READ)
@spec.validate(
    resp=responses(HTTP_200=schemas.AddressedOutcomes), security=TOKEN_SECURITY, tags=["responses"]
)
def addressed_outcomes() -> Any:
    """The outcomes addressed to the token's council, like its clerks' inbox: unanswered
    first by due date, with overdue marks and the council's current answers."""
    db = get_session()
    council = council_responses.token_council(db, current_token())
    items = council_responses.inbox(db, council=council, today=utcnow().date())
    return schemas.AddressedOutcomes(
        council=ids.council_id(council.slug),
        items=[read.addressed_outcome(i, council) for i in items],
    )


@bp.get("/outcomes/<outcome_id>/responses")
@token_required(TokenScope.READ)
@spec.validate(
    query=schemas.PageQuery,
    resp=responses(HTTP_200=schemas.Paged[schemas.ResponseOut]),
    security=TOKEN_SECURITY,
    tags=["responses"],
)
def responses_of_outcome(outcome_id: str) -> Any:
    """Every council's answers to an outcome, oldest first: the newest of a council is its
    current answer, the older ones its history."""
    db = get_session()
    outcome = council_responses.get_outcome(db, read.outcome_number(outcome_id))
    rows, total, has_next = read.page_of(
        db, council_responses.responses_query(outcome.id or 0), _query()
    )
    return _paged(read.responses_out(db, rows), total, has_next)


@bp.post("/outcomes/<outcome_id>/responses")
@token_required(TokenScope.RESPOND)
@spec.validate(
    json=CouncilResponseInput,
    resp=responses(HTTP_201=schemas.ResponseOut, errors=(*PUBLIC_ERRORS, 401, 403, 413, 415)),
    security=TOKEN_SECURITY,
    tags=["responses"],
)
def respond(outcome_id: str) -> Any:
    """Record the token's council's answer to an outcome addressed to it (a ``respond`` token).
    Each call adds an answer: send a new one when the decision or the implementation moves."""
    body: CouncilResponseInput = request.context.json  # type: ignore[attr-defined]
    db = get_session()
    token = current_token()
    council = council_responses.token_council(db, token)
    response = council_responses.record_response(
        db,
        council=council,
        outcome_id=read.outcome_number(outcome_id),
        fields=body,
        actor=token,
    )
    db.commit()
    return read.response_out(response, council), 201
