"""The council pages of facilitators: list, create and edit councils, manage their owners.

Authorization lives in the services (``ownership.require_owner``); these views parse a form,
call one service and render. Invalid forms re-render with their errors and status 422.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from deliberation.clock import utcnow
from deliberation.db import get_session
from deliberation.errors import DomainError
from deliberation.forms.councils import SCOPE_NAMES, ClerkForm, CouncilForm, TokenForm
from deliberation.forms.facilitate import OwnerForm
from deliberation.models import Council, TargetKind, TokenScope
from deliberation.services import api_tokens, audit, clerks, councils, ownership, territories
from deliberation.services.accounts import IssuedLink
from deliberation.services.validation import FieldInvalid
from deliberation.templating import current_language, render
from deliberation.views.admin import link_ttl
from deliberation.views.auth import login_required, set_password_url
from deliberation.views.confirmation import confirmation
from deliberation.views.facilitate import (
    add_error,
    add_owner,
    owners_context,
    redirect_to,
    remove_owner,
    requested_page,
)

bp = Blueprint("councils", __name__, url_prefix="/facilitate/councils")


@bp.get("/")
@login_required
def council_list() -> Any:
    db = get_session()
    listing = councils.list_councils(db, page=requested_page())
    owned = ownership.owned_ids(
        db, ownership.COUNCIL, g.user, [c.id for c, _t in listing.councils if c.id is not None]
    )
    return render("councils/list.html", listing=listing, owned=owned)


def _render_form(form: CouncilForm, council: Council | None, status: int) -> Any:
    return render(
        "councils/form.html",
        status=status,
        form=form,
        council=council,
        choices=territories.territory_choices(get_session()),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_council() -> Any:
    db = get_session()
    form = CouncilForm()
    if form.validate_on_submit():
        try:
            council = councils.create_council(db, user=g.user, fields=form.to_fields())
        except FieldInvalid as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            flash(
                _("The council %(name)s is created.", name=council.name(current_language())),
                "success",
            )
            return redirect_to("councils.council_page", council_id=council.id)
    return _render_form(form, None, 422 if request.method == "POST" else 200)


@bp.get("/<id:council_id>")
@login_required
def council_page(council_id: int) -> Any:
    return _render_council(councils.get_council(get_session(), council_id))


def _render_council(
    council: Council,
    status: int = 200,
    *,
    owner_form: OwnerForm | None = None,
    token_form: TokenForm | None = None,
    clerk_form: ClerkForm | None = None,
    issued_token: api_tokens.IssuedToken | None = None,
    issued_link: IssuedLink | None = None,
) -> Response:
    """The council and its owners; for its owners also the forms to add an owner, its API
    tokens and clerks, and its history. A new token's secret or clerk's link shows only here."""
    db = get_session()
    assert council.id is not None
    owners = owners_context(ownership.COUNCIL, council.id, owner_form)
    owned: dict[str, Any] = {}
    if owners["is_owner"]:
        owned = {
            "history": audit.target_entries(
                db, target_kind=TargetKind.COUNCIL, target_id=council.id, page=requested_page()
            ),
            "tokens": api_tokens.council_tokens(db, council=council, user=g.user),
            "clerks": clerks.council_clerks(db, council=council, user=g.user),
        }
    response = render(
        "councils/council.html",
        status=status,
        council=council,
        territory=territories.get_territory(db, council.territory_id),
        token_form=token_form or TokenForm(formdata=None),
        clerk_form=clerk_form or ClerkForm(formdata=None),
        scope_names=SCOPE_NAMES,
        issued_token=issued_token,
        issued_link=issued_link,
        issued_url=set_password_url(issued_link) if issued_link is not None else None,
        history=owned.get("history"),
        **owners,
        tokens=owned.get("tokens", []),
        clerks=owned.get("clerks", []),
        **audit.LABELS,
    )
    if issued_token is not None or issued_link is not None:
        response.headers["Cache-Control"] = "no-store"  # a secret shown once is on this page
    return response


@bp.post("/<id:council_id>/owners")
@login_required
def add_council_owner(council_id: int) -> Any:
    council = councils.get_council(get_session(), council_id)
    return add_owner(
        kind=ownership.COUNCIL,
        object_id=council_id,
        page=("councils.council_page", {"council_id": council_id}),
        added=lambda email: _("%(email)s now owns this council.", email=email),
        render_page=lambda form: _render_council(council, status=422, owner_form=form),
    )


@bp.post("/<id:council_id>/owners/<id:user_id>/remove")
@login_required
def remove_council_owner(council_id: int, user_id: int) -> Any:
    councils.get_council(get_session(), council_id)
    return remove_owner(
        kind=ownership.COUNCIL,
        object_id=council_id,
        user_id=user_id,
        page=("councils.council_page", {"council_id": council_id}),
        removed=_("The owner is removed from this council."),
        question=lambda email: _("Remove %(email)s from the owners of this council?", email=email),
        consequence=_("They will no longer be able to manage this council."),
    )


@bp.route("/<id:council_id>/edit", methods=["GET", "POST"])
@login_required
def edit_council(council_id: int) -> Any:
    db = get_session()
    council = councils.get_council(db, council_id)
    ownership.require_owner(db, ownership.COUNCIL, council_id, g.user)
    form = CouncilForm(data=_council_data(council))
    if form.validate_on_submit():
        try:
            councils.update_council(db, council=council, user=g.user, fields=form.to_fields())
        except FieldInvalid as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            flash(_("The council is saved."), "success")
            return redirect_to("councils.council_page", council_id=council_id)
    return _render_form(form, council, 422 if request.method == "POST" else 200)


def _council_data(council: Council) -> dict[str, Any]:
    data: dict[str, Any] = {
        key: getattr(council, key) for key in ("slug", "oparl_body", "website", "wikidata")
    }
    data["territory"] = territories.get_territory(get_session(), council.territory_id).slug
    for code, name in council.names.items():
        data[f"name_{code}"] = name
    return data


@bp.post("/<id:council_id>/tokens")
@login_required
def create_token(council_id: int) -> Any:
    """Create an API token of the council and show its secret, once."""
    db = get_session()
    council = councils.get_council(db, council_id)
    ownership.require_owner(db, ownership.COUNCIL, council_id, g.user)
    form = TokenForm()
    if form.validate_on_submit():
        try:
            issued = api_tokens.create_token(
                db,
                council=council,
                user=g.user,
                label=form.label.data or "",
                scope=TokenScope(form.scope.data),
            )
        except FieldInvalid as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            return _render_council(council, status=201, issued_token=issued)
    return _render_council(council, status=422, token_form=form)


@bp.post("/<id:council_id>/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(council_id: int, token_id: int) -> Any:
    db = get_session()
    council = councils.get_council(db, council_id)
    api_tokens.revoke_token(db, council=council, user=g.user, token_id=token_id)
    ask = confirmation(
        _("Revoke this token?"),
        consequence=_(
            "The systems that use it will no longer reach the API. This cannot be undone: a new token would have to be created."
        ),
        action=_("Revoke the token"),
        back=url_for("councils.council_page", council_id=council_id),
    )
    if ask is not None:
        return ask
    db.commit()
    flash(_("The token is revoked: it no longer opens the API."), "success")
    return redirect_to("councils.council_page", council_id=council_id)


@bp.post("/<id:council_id>/clerks")
@login_required
def invite_clerk(council_id: int) -> Any:
    """Create a clerk's account for the council and show its one-time link, once."""
    db = get_session()
    council = councils.get_council(db, council_id)
    ownership.require_owner(db, ownership.COUNCIL, council_id, g.user)
    form = ClerkForm()
    if form.validate_on_submit():
        try:
            issued = clerks.invite_clerk(
                db,
                council=council,
                actor=g.user,
                email=form.email.data or "",
                now=utcnow(),
                ttl=link_ttl(),
            )
        except DomainError as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            return _render_council(council, status=201, issued_link=issued)
    return _render_council(council, status=422, clerk_form=form)
