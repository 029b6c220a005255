"""A participant's return link: the browser's cookie is a participant's only identity, so after
joining they can keep a personal link that restores their participation on another device.

The link carries a new session key (only its hash is stored, as for the cookie): it is shown
once, with its QR code, and this browser keeps the same key. Making a new link, or revoking it,
gives this browser a new key, so the old link, and every other device that used it, no longer
works. Opening the link asks for a click (a POST), since a GET never changes state.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from deliberation.db import get_session
from deliberation.errors import Forbidden, NotFound
from deliberation.services import participation
from deliberation.services.rounds import get_round
from deliberation.templating import render
from deliberation.views.participant_session import current_participant, remember
from deliberation.views.participate import bp


@bp.route("/r/<slug>/return-link", methods=["GET", "POST"])
def return_link(slug: str) -> Any:
    """What a return link is (GET), or a new one, shown this once (POST)."""
    db = get_session()
    round_ = get_round(db, slug)
    participant = current_participant(round_, notice=False)
    form = FlaskForm()
    link = None
    if form.validate_on_submit():
        key = participation.issue_session_key(participant)
        db.add(participant)
        db.commit()
        remember(participant, key)
        link = url_for("participate.come_back", slug=slug, key=key, _external=True)
    return render(
        "participate/return_link.html",
        status=422 if form.errors else 200,
        round=round_,
        form=form,
        link=link,
    )


@bp.post("/r/<slug>/return-link/revoke")
def revoke_return_link(slug: str) -> Any:
    """Stop every return link of this participant (this browser gets a new key)."""
    db = get_session()
    round_ = get_round(db, slug)
    participant = current_participant(round_, notice=False)
    key = participation.issue_session_key(participant)
    db.add(participant)
    db.commit()
    remember(participant, key)
    flash(
        _("Your return link no longer works. Only this browser still takes part as you."), "success"
    )
    return redirect(url_for("participate.return_link", slug=slug), code=303)


@bp.route("/r/<slug>/return/<key>", methods=["GET", "POST"])
def come_back(slug: str, key: str) -> Any:
    """Continue on this device as the participant whose return link this is."""
    db = get_session()
    round_ = get_round(db, slug)
    try:
        participant = participation.get_participant(db, round_, key)
    except Forbidden as error:
        raise NotFound(_l("This return link does not work: it was revoked or mistyped.")) from error
    form = FlaskForm()
    if form.validate_on_submit():
        remember(participant, key)
        flash(_("Welcome back: you take part as before on this device."), "success")
        return redirect(url_for("participate.round_page", slug=slug), code=303)
    return render(
        "participate/come_back.html",
        status=422 if form.errors else 200,
        round=round_,
        form=form,
        key=key,
    )
