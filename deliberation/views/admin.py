"""The admins' pages: accounts (invite, disable and enable, reset a password, change a role)
and the whole audit log. The services check again that the user is an admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from deliberation.clock import utcnow
from deliberation.db import get_session
from deliberation.errors import DomainError, Invalid
from deliberation.forms.admin import ROLE_LABELS, ROLE_NAMES, AccountInviteForm, RoleForm
from deliberation.models import Role
from deliberation.services import accounts, audit
from deliberation.services.accounts import IssuedLink
from deliberation.services.validation import FieldInvalid
from deliberation.templating import render
from deliberation.views.auth import admin_required, set_password_url

bp = Blueprint("admin", __name__, url_prefix="/admin")
MAX_PAGE = 100_000


def _page() -> int:
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def link_ttl() -> timedelta:
    """How long a set-password link works (``PALABRE_ACCOUNT_LINK_HOURS``)."""
    return timedelta(hours=current_app.config["ACCOUNT_LINK_HOURS"])


def _render_accounts(
    *,
    invite_form: AccountInviteForm | None = None,
    issued: IssuedLink | None = None,
    status: int = 200,
) -> Response:
    response = render(
        "admin/accounts.html",
        status=status,
        listing=accounts.list_accounts(get_session(), actor=g.user, page=_page()),
        invite_form=invite_form or AccountInviteForm(formdata=None),
        role_names=ROLE_NAMES,
        role_labels=ROLE_LABELS,
        issued=issued,
        issued_url=set_password_url(issued) if issued is not None else None,
    )
    if issued is not None:
        response.headers["Cache-Control"] = "no-store"  # the one-time link is on this page
    return response


def _back() -> Response:
    return redirect(url_for("admin.account_list"), code=303)


@bp.get("/accounts")
@admin_required
def account_list() -> Any:
    return _render_accounts()


@bp.post("/accounts")
@admin_required
def invite_account() -> Any:
    """Create a facilitator's (or admin's) account and show its one-time link, once."""
    db = get_session()
    form = AccountInviteForm()
    if form.validate_on_submit():
        try:
            issued = accounts.invite_account(
                db,
                actor=g.user,
                email=form.email.data or "",
                role=Role(form.role.data),
                now=utcnow(),
                ttl=link_ttl(),
            )
        except DomainError as error:
            db.rollback()
            field = form.email if isinstance(error, FieldInvalid) else None
            if field is not None:
                field.errors = [*field.errors, error.message]
            else:
                form.form_errors.append(error.message)
        else:
            db.commit()
            return _render_accounts(issued=issued, status=201)
    return _render_accounts(invite_form=form, status=422)


@bp.post("/accounts/<id:user_id>/reset-password")
@admin_required
def reset_password(user_id: int) -> Any:
    """Clear the account's password and show a one-time link to set a new one."""
    db = get_session()
    issued = accounts.reset_password_of(
        db, actor=g.user, user_id=user_id, now=utcnow(), ttl=link_ttl()
    )
    db.commit()
    return _render_accounts(issued=issued)


@bp.post("/accounts/<id:user_id>/disable")
@admin_required
def disable_account(user_id: int) -> Any:
    db = get_session()
    user = accounts.set_disabled(db, actor=g.user, user_id=user_id, disabled=True, now=utcnow())
    db.commit()
    flash(_("%(email)s is disabled and signed out.", email=user.email), "success")
    return _back()


@bp.post("/accounts/<id:user_id>/enable")
@admin_required
def enable_account(user_id: int) -> Any:
    db = get_session()
    user = accounts.set_disabled(db, actor=g.user, user_id=user_id, disabled=False, now=utcnow())
    db.commit()
    flash(_("%(email)s is enabled again.", email=user.email), "success")
    return _back()


@bp.post("/accounts/<id:user_id>/role")
@admin_required
def change_role(user_id: int) -> Any:
    db = get_session()
    form = RoleForm()
    if not form.validate_on_submit():
        raise Invalid(_l("Choose one of the roles offered."))
    user = accounts.set_role(db, actor=g.user, user_id=user_id, role=Role(form.role.data))
    db.commit()
    flash(_("%(email)s is now: %(role)s.", email=user.email, role=ROLE_NAMES[user.role]), "success")
    return _back()


@bp.get("/log")
@admin_required
def log() -> Any:
    entries = accounts.global_log(get_session(), actor=g.user, page=_page())
    return render("admin/log.html", log=entries, **audit.LABELS)
