"""The opinion map: participants and facilitators see the groups form, per territory."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, g, request
from flask_babel import lazy_gettext as _l

from deliberation.db import get_session
from deliberation.errors import Forbidden, NotFound
from deliberation.extensions import htmx
from deliberation.models import Participant, Phase, Round
from deliberation.opinions.presentation import build_map
from deliberation.opinions.stored import latest_marks, latest_snapshot
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
    return participant, facilitator


@bp.get("/r/<slug>/map")
def opinion_map(slug: str) -> Any:
    db = get_session()
    round_ = get_round(db, slug)
    participant, facilitator = _viewer(round_)
    marks = latest_marks(db, round_.id)  # type: ignore[arg-type]
    known = request.args.get("watermark", "")
    if htmx and marks is not None and known == f"{marks[0]}.{marks[1]}":
        response = Response(status=204)
        response.headers["Vary"] = "HX-Request"
        return response
    snapshot = latest_snapshot(db, round_.id) if marks else None  # type: ignore[arg-type]
    content = (
        build_map(
            db,
            round_,
            snapshot.document,
            viewer_id=participant.id if participant else None,
            language=current_language(),
            reads=participant.reading_languages if participant else (),
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
        live=round_.phase == Phase.OPEN,
    )


@bp.get("/r/<slug>/map/snapshot.json")
def snapshot_download(slug: str) -> Any:
    """The current snapshot document, for the round's facilitators."""
    db = get_session()
    round_ = get_round(db, slug)
    if not is_facilitator(db, round_, g.user):
        raise Forbidden(_l("Only this round's facilitators can do this."))
    snapshot = latest_snapshot(db, round_.id)  # type: ignore[arg-type]
    if snapshot is None:
        raise NotFound(_l("No opinion map has been computed for this round yet."))
    body = json.dumps(snapshot.document, ensure_ascii=False, separators=(",", ":"))
    filename = f"{round_.slug}-opinions-{snapshot.watermark}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
