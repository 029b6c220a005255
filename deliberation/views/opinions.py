"""The opinion map: participants and facilitators see the groups form, per territory."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, g, request
from flask_babel import lazy_gettext as _l

from deliberation.db import get_session
from deliberation.errors import Conflict, Forbidden, NotFound
from deliberation.extensions import htmx
from deliberation.models import Participant, Phase, Round
from deliberation.opinions.presentation import build_map
from deliberation.opinions.stored import current_snapshot, latest_marks
from deliberation.services import participation
from deliberation.services.rounds import get_round, is_facilitator
from deliberation.templating import current_language, render
from deliberation.views.participant_session import viewing_participant

bp = Blueprint("opinions", __name__)


def _viewer(round_: Round) -> tuple[Participant | None, bool]:
    """(the session's participant, whether the user facilitates the round); 403 if neither."""
    db = get_session()
    facilitator = is_facilitator(db, round_, g.user)
    participant = viewing_participant(round_)
    if participant is None and not facilitator:
        raise Forbidden(_l("The opinion map is for this round's participants and facilitators."))
    if participant is not None and not facilitator:
        participation.require_current_notice(round_, participant)
    return participant, facilitator


@bp.get("/r/<slug>/map")
def opinion_map(slug: str) -> Any:
    db = get_session()
    round_ = get_round(db, slug)
    participant, facilitator = _viewer(round_)
    marks = latest_marks(db, round_.id)  # type: ignore[arg-type]
    known = request.args.get("watermark", "")
    key = None if marks is None else "{}.{}.{}".format(*marks[:3])
    current = marks is not None and marks[2] == round_.results_revision
    if htmx and current and known == key:
        response = Response(status=204)
        response.headers["Vary"] = "HX-Request"
        return response
    snapshot = current_snapshot(db, round_) if current else None
    # The territory heatmap's sort and "show all" (links, so they work without JavaScript);
    # an unknown sort keeps the default order.
    sort = request.args.get("sort") or None
    all_rows = request.args.get("all") == "1"
    content = (
        build_map(
            db,
            round_,
            snapshot.document,
            viewer_id=participant.id if participant else None,
            language=current_language(),
            reads=participant.reading_languages if participant else (),
            sort=sort,
            all_rows=all_rows,
        )
        if snapshot
        else None
    )
    return render(
        "opinions/map.html",
        "opinions/_map.html",
        round=round_,
        map=content,
        computed_at=datetime.fromisoformat(content.computed_at) if content else None,
        facilitator=facilitator,
        participant=participant,
        live=round_.phase == Phase.OPEN,
        recomputing=marks is not None and not current,
        votes_needed=max(round_.min_votes_for_map - participant.vote_count, 0)
        if participant
        else None,
        page_args={"slug": round_.slug, **({"all": "1"} if all_rows else {})},
        sort=content.heatmap.sort if content and content.heatmap else None,
    )


@bp.get("/r/<slug>/map/snapshot.json")
def snapshot_download(slug: str) -> Any:
    """The current snapshot document, for the round's facilitators."""
    db = get_session()
    round_ = get_round(db, slug)
    if not is_facilitator(db, round_, g.user):
        raise Forbidden(_l("Only this round's facilitators can do this."))
    snapshot = current_snapshot(db, round_)
    if snapshot is None and latest_marks(db, round_.id) is not None:  # type: ignore[arg-type]
        raise Conflict(_l("The opinion map is being recomputed; try again in a moment."))
    if snapshot is None:
        raise NotFound(_l("No opinion map has been computed for this round yet."))
    body = json.dumps(snapshot.document, ensure_ascii=False, separators=(",", ":"))
    filename = f"{round_.slug}-opinions-{snapshot.watermark}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
