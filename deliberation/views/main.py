"""Home, health check, language choice and the vendored scripts (htmx, SortableJS) served by
the app itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    request,
    send_from_directory,
    session,
    url_for,
)
from sqlalchemy import text
from sqlmodel import col, select

from deliberation.db import get_session
from deliberation.models import Phase, Round
from deliberation.templating import render
from deliberation.views.redirects import redirect_back

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> Any:
    rounds = get_session().exec(
        select(Round).where(col(Round.phase) != Phase.DRAFT).order_by(col(Round.id).desc())
    )
    return render("index.html", rounds=list(rounds))


@bp.get("/healthz")
def healthz() -> Any:
    get_session().execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.post("/language")
def set_language() -> Any:
    language = request.form.get("language", "")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = language
    return redirect_back(request.form.get("next"), url_for("main.index"))


@bp.get("/vendor/htmx.min.js")
def htmx_js() -> Any:
    folder = Path(current_app.config["NODE_MODULES"]) / "htmx.org" / "dist"
    return send_from_directory(folder, "htmx.min.js", max_age=86400)


@bp.get("/vendor/Sortable.min.js")
def sortable_js() -> Any:
    """SortableJS (npm ``sortablejs``): drag and drop on the ranking ballot."""
    folder = Path(current_app.config["NODE_MODULES"]) / "sortablejs"
    return send_from_directory(folder, "Sortable.min.js", max_age=86400)
