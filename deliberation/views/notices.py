"""Email notices for participants: leave an address to be told when drafting, a decision, its
results or the report open, and stop them from the link in every mail. The worker sends the
mails (``deliberation.mail``); these pages only store and erase addresses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from deliberation.db import get_session
from deliberation.errors import DomainError, NotFound
from deliberation.extensions import limiter
from deliberation.forms.participate import EmailNoticeForm
from deliberation.models import Phase, Round
from deliberation.services import notifications
from deliberation.services.rounds import get_round
from deliberation.templating import current_language, render
from deliberation.views.facilitate import add_error

bp = Blueprint("notices", __name__)


def _public_round(slug: str) -> Round:
    round_ = get_round(get_session(), slug)
    if round_.phase == Phase.DRAFT:
        raise NotFound(_l("This round is not public yet."))
    return round_


@bp.route("/r/<slug>/notices", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_JOIN"], methods=["POST"])
def subscribe(slug: str) -> Any:
    db = get_session()
    round_ = _public_round(slug)
    form = EmailNoticeForm()
    if form.validate_on_submit():
        try:
            notifications.subscribe(
                db, round_=round_, email=form.email.data or "", language=current_language()
            )
        except DomainError as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            flash(
                _(
                    "Thank you: you will get an email when drafting, a decision, its results "
                    "or the report open."
                ),
                "success",
            )
            return redirect(url_for("notices.subscribe", slug=round_.slug), code=303)
    failed = request.method == "POST"
    return render("notices/subscribe.html", round=round_, form=form, status=422 if failed else 200)


@bp.route("/notices/stop/<token>", methods=["GET", "POST"])
def stop(token: str) -> Any:
    """The link of every notice: a page asking to confirm (no GET changes anything), whose
    button erases the address."""
    db = get_session()
    subscription = notifications.subscription_of(db, current_app.config["SECRET_KEY"], token)
    round_ = db.get_one(Round, subscription.round_id)
    if request.method == "POST":
        notifications.unsubscribe(db, subscription)
        db.commit()
        flash(_("Your address is erased: you will get no more notices of this round."), "success")
        return redirect(url_for("notices.subscribe", slug=round_.slug), code=303)
    return render("notices/stop.html", round=round_, token=token)
