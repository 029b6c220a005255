"""The facilitators' pages: their rounds, territories, invites, seed statements, moderation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g
from sqlmodel import col, select

from deliberation.db import get_session
from deliberation.models import Round, RoundFacilitator
from deliberation.templating import render
from deliberation.views.auth import login_required

bp = Blueprint("facilitate", __name__, url_prefix="/facilitate")


@bp.get("/")
@login_required
def dashboard() -> Any:
    statement = select(Round).order_by(col(Round.id).desc())
    if not g.user.is_admin:
        statement = statement.join(RoundFacilitator).where(RoundFacilitator.user_id == g.user.id)
    return render("facilitate/dashboard.html", rounds=list(get_session().exec(statement)))
