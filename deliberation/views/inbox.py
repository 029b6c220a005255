"""A council clerk's inbox: the outcomes addressed to their council, due dates, overdue marks,
and the form to answer one (the same rules as the API's ``POST .../responses``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, request
from flask_babel import gettext as _

from deliberation.clock import utcnow
from deliberation.db import get_session
from deliberation.errors import Forbidden
from deliberation.forms.councils import DECISION_NAMES, IMPLEMENTATION_NAMES, CouncilResponseForm
from deliberation.models import Council, CouncilResponse, Outcome, Round
from deliberation.models.translations import OUTCOME_PARTS
from deliberation.reports.outcomes import outcome_translations
from deliberation.services import clerks, council_responses
from deliberation.templating import current_language, render
from deliberation.views.auth import clerk_required
from deliberation.views.facilitate import redirect_to

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
NAMES: dict[str, Any] = {
    "decision_names": DECISION_NAMES,
    "implementation_names": IMPLEMENTATION_NAMES,
}


@bp.get("/")
@clerk_required
def inbox() -> Any:
    db = get_session()
    council = clerks.clerk_council(db, g.user)
    items = council_responses.inbox(db, council=council, today=utcnow().date())
    return render("councils/inbox.html", council=council, items=items, **NAMES)


def _addressed_outcome(council: Council, outcome_id: int) -> Outcome:
    db = get_session()
    outcome = council_responses.get_outcome(db, outcome_id)
    assert council.id is not None
    if not council_responses.is_addressed(db, outcome_id=outcome_id, council_id=council.id):
        raise Forbidden(_("This outcome is not addressed to your council."))
    return outcome


@bp.route("/outcomes/<id:outcome_id>", methods=["GET", "POST"])
@clerk_required
def outcome_page(outcome_id: int) -> Any:
    """An outcome addressed to the clerk's council, its answers so far, and the form to add
    one."""
    db = get_session()
    council = clerks.clerk_council(db, g.user)
    outcome = _addressed_outcome(council, outcome_id)
    history = council_responses.council_history(db, council=council, outcome_id=outcome_id)
    round_ = db.get_one(Round, outcome.round_id)
    translations = outcome_translations(db, round_, [outcome]).get(outcome_id, {})
    language = current_language()
    shown = {
        part: council_responses.shown_part(outcome, part, translations.get(part, {}), language)
        for part in OUTCOME_PARTS
    }
    if request.method == "POST":
        form = CouncilResponseForm()
    else:
        form = CouncilResponseForm(
            formdata=None,
            data={"reason_language": _council_language(council), **_last_answer(history)},
        )
    if form.validate_on_submit():
        council_responses.record_response(
            db, council=council, outcome_id=outcome_id, fields=form.to_fields(), actor=g.user
        )
        db.commit()
        flash(_("Your council's answer is recorded."), "success")
        return redirect_to("inbox.outcome_page", outcome_id=outcome_id)
    return render(
        "councils/outcome.html",
        status=422 if request.method == "POST" else 200,
        council=council,
        outcome=outcome,
        round=round_,
        shown=shown,
        history=history,
        form=form,
        today=utcnow().date(),
        **NAMES,
    )


def _council_language(council: Council) -> str:
    """The language a clerk's reason is first taken to be written in: the council's first."""
    return next(iter(council.names), current_language())


def _last_answer(history: list[CouncilResponse]) -> dict[str, Any]:
    """The form starts from the current answer: a new one often only moves the progress."""
    if not history:
        return {}
    last = history[0]
    return {
        "decision": str(last.decision),
        "reference_url": last.reference_url,
        "oparl_paper": last.oparl_paper,
        "implementation_status": str(last.implementation_status or ""),
        "progress": last.progress,
    }
