"""Facilitator sign-in and sign-out; the signed-in user is loaded into ``g.user``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Blueprint, Response, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from deliberation.db import get_session
from deliberation.errors import Forbidden
from deliberation.extensions import htmx, limiter
from deliberation.forms.auth import SignInForm
from deliberation.models import User
from deliberation.services.accounts import authenticate
from deliberation.templating import render
from deliberation.views.redirects import redirect_back

bp = Blueprint("auth", __name__, url_prefix="/auth")
P = ParamSpec("P")
R = TypeVar("R")


@bp.before_app_request
def load_user() -> None:
    user_id = session.get("user_id")
    g.user = get_session().get(User, user_id) if user_id else None


def login_required(view: Callable[P, R]) -> Callable[P, Any]:
    """Redirect to sign-in unless a facilitator or admin is signed in."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
        if g.user is None:
            target = url_for("auth.sign_in", next=request.full_path)
            if htmx:
                # A fragment request (a poll, a row action) must not swap the sign-in page into
                # the page: tell htmx to navigate instead.
                return Response(status=204, headers={"HX-Redirect": target})
            return redirect(target, code=303)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view: Callable[P, R]) -> Callable[P, Any]:
    @wraps(view)
    @login_required
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
        if not g.user.is_admin:
            raise Forbidden(_l("Only administrators can do this."))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNIN"], methods=["POST"])
def sign_in() -> Any:
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(
            get_session(), email=form.email.data or "", password=form.password.data or ""
        )
        if user is not None:
            language = session.get("lang")
            session.clear()
            session["user_id"] = user.id
            if language:
                session["lang"] = language
            return redirect_back(request.args.get("next"), url_for("facilitate.dashboard"))
        form.password.errors = [_("This email and password do not match an account.")]
    status = 422 if form.errors else 200
    return render("auth/sign_in.html", form=form, status=status)


@bp.post("/sign-out")
def sign_out() -> Any:
    session.pop("user_id", None)
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"), code=303)
