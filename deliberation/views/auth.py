"""Facilitator sign-in and sign-out, passwords; the signed-in user is loaded into ``g.user``.

The session cookie holds the account id and its ``session_version``: a cookie whose version
is not the account's current one (after a sign-out, a password change or reset, disabling)
signs nobody in, so a copied cookie stops working as soon as its session ends.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Blueprint, Response, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter import RequestLimit

from deliberation.clock import utcnow
from deliberation.db import get_session
from deliberation.errors import Forbidden
from deliberation.extensions import htmx, limiter, retry_after
from deliberation.forms.auth import ChangePasswordForm, SetPasswordForm, SignInForm
from deliberation.models import User
from deliberation.services import accounts
from deliberation.services.validation import FieldInvalid
from deliberation.templating import render
from deliberation.views.redirects import redirect_back

bp = Blueprint("auth", __name__, url_prefix="/auth")
P = ParamSpec("P")
R = TypeVar("R")


@bp.before_app_request
def load_user() -> None:
    user_id = session.get("user_id")
    user = get_session().get(User, user_id) if isinstance(user_id, int) else None
    if user is not None and (
        not user.is_active or session.get("session_version") != user.session_version
    ):
        user = None
    if user is None and user_id is not None:
        _forget_user()
    g.user = user


def set_password_url(issued: accounts.IssuedLink) -> str:
    """The external address of a one-time set-password link (needs a request context)."""
    return url_for("auth.set_password", token=issued.token, _external=True)


def _forget_user() -> None:
    session.pop("user_id", None)
    session.pop("session_version", None)


def _remember_user(user: User) -> None:
    """Start a new session for ``user`` (a fresh cookie, only the language kept)."""
    language = session.get("lang")
    session.clear()
    session["user_id"] = user.id
    session["session_version"] = user.session_version
    if language:
        session["lang"] = language


def _to_sign_in() -> Any:
    """To the sign-in page, which comes back here: the path, with its query if it has one
    (``full_path`` ends in a bare ``?`` when it has none)."""
    query = request.query_string.decode("latin-1")
    target = url_for("auth.sign_in", next=f"{request.path}?{query}" if query else request.path)
    if htmx:
        # A fragment request (a poll, a row action) must not swap the sign-in page into the
        # page: tell htmx to navigate instead.
        return Response(status=204, headers={"HX-Redirect": target})
    return redirect(target, code=303)


def account_required(view: Callable[P, R]) -> Callable[P, Any]:
    """Redirect to sign-in unless an account (of any role) is signed in."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
        if g.user is None:
            return _to_sign_in()
        return view(*args, **kwargs)

    return wrapped


def login_required(view: Callable[P, R]) -> Callable[P, Any]:
    """Redirect to sign-in unless a facilitator or admin is signed in; a council clerk's
    account is refused (it only answers its council's outcomes)."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
        if g.user is None:
            return _to_sign_in()
        if g.user.is_clerk:
            raise Forbidden(_l("Council clerks' accounts only open their council's inbox."))
        return view(*args, **kwargs)

    return wrapped


def clerk_required(view: Callable[P, R]) -> Callable[P, Any]:
    """Redirect to sign-in unless a council clerk is signed in; other accounts are refused."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
        if g.user is None:
            return _to_sign_in()
        if not g.user.is_clerk:
            raise Forbidden(_l("Only council clerks have an inbox."))
        return view(*args, **kwargs)

    return wrapped


def home_url(user: User) -> str:
    """Where an account lands after signing in: a clerk's inbox, else the facilitator's rounds."""
    return url_for("inbox.inbox") if user.is_clerk else url_for("facilitate.dashboard")


def admin_required(view: Callable[P, R]) -> Callable[P, Any]:
    @wraps(view)
    @login_required
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
        if not g.user.is_admin:
            raise Forbidden(_l("Only administrators can do this."))
        return view(*args, **kwargs)

    return wrapped


def _too_many_sign_ins(limit: RequestLimit) -> Response | None:
    """The sign-in form again (the email kept), saying that there were too many attempts and
    in how many minutes to try again (the end of the limit's window, 1 with the default
    limit): a 429 with ``Retry-After`` in seconds, instead of the general error page. An htmx
    request keeps the general alert."""
    if htmx:
        return None
    wait = retry_after(limit)
    form = SignInForm()
    form.form_errors.append(
        ngettext(
            "Too many sign-in attempts. Please try again in %(num)d minute.",
            "Too many sign-in attempts. Please try again in %(num)d minutes.",
            math.ceil(wait / 60),
        )
    )
    response = render("auth/sign_in.html", form=form, status=429)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_SIGNIN"], methods=["POST"], on_breach=_too_many_sign_ins
)
def sign_in() -> Any:
    form = SignInForm()
    if form.validate_on_submit():
        user = accounts.authenticate(
            get_session(), email=form.email.data or "", password=form.password.data or ""
        )
        if user is not None:
            _remember_user(user)
            return redirect_back(request.args.get("next"), home_url(user))
        form.password.errors = [_("This email and password do not match an account.")]
    status = 422 if form.errors else 200
    return render("auth/sign_in.html", form=form, status=status)


@bp.post("/sign-out")
def sign_out() -> Any:
    if g.user is not None:
        db = get_session()
        accounts.end_sessions(db, g.user)
        db.commit()
    _forget_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"), code=303)


@bp.route("/password", methods=["GET", "POST"])
@account_required
def change_password() -> Any:
    """A signed-in account changes its password; its other sessions end, this one goes on."""
    db = get_session()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                db,
                user=g.user,
                current=form.current_password.data or "",
                new=form.password.data or "",
            )
        except FieldInvalid as error:
            db.rollback()
            field = getattr(form, error.field, form.password)
            field.errors = [*field.errors, error.message]
        else:
            db.commit()
            _remember_user(g.user)
            flash(_("Your password is changed. Your other sessions are signed out."), "success")
            return redirect(home_url(g.user), code=303)
    status = 422 if form.errors else 200
    return render("auth/change_password.html", form=form, status=status)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNIN"], methods=["POST"])
def set_password(token: str) -> Any:
    """The page a one-time link opens: the invited or reset account chooses its password."""
    db = get_session()
    user = accounts.link_account(db, token=token, now=utcnow())
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password_with_link(
                db, token=token, password=form.password.data or "", now=utcnow()
            )
        except FieldInvalid as error:
            db.rollback()
            form.password.errors = [*form.password.errors, error.message]
        else:
            db.commit()
            _forget_user()
            flash(_("Your password is set. You can sign in now."), "success")
            return redirect(url_for("auth.sign_in"), code=303)
    status = 422 if form.errors else 200
    return render("auth/set_password.html", form=form, email=user.email, status=status)
