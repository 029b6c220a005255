"""The council pages of facilitators: list, create and edit councils, manage their owners.

Authorization lives in the services (``ownership.require_owner``); these views parse a form,
call one service and render. Invalid forms re-render with their errors and status 422.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, request
from flask_babel import gettext as _

from deliberation.db import get_session
from deliberation.forms.councils import CouncilForm
from deliberation.forms.facilitate import OwnerForm
from deliberation.models import Council, TargetKind
from deliberation.services import audit, councils, ownership, territories
from deliberation.services.validation import FieldInvalid
from deliberation.templating import current_language, render
from deliberation.views.auth import login_required
from deliberation.views.facilitate import _add_error, _page, _redirect

bp = Blueprint("councils", __name__, url_prefix="/facilitate/councils")


@bp.get("/")
@login_required
def council_list() -> Any:
    db = get_session()
    listing = councils.list_councils(db, page=_page())
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
            _add_error(form, error)
        else:
            db.commit()
            flash(
                _("The council %(name)s is created.", name=council.name(current_language())),
                "success",
            )
            return _redirect("councils.council_page", council_id=council.id)
    return _render_form(form, None, 422 if request.method == "POST" else 200)


@bp.get("/<id:council_id>")
@login_required
def council_page(council_id: int) -> Any:
    return _render_council(councils.get_council(get_session(), council_id))


def _render_council(council: Council, status: int = 200, form: OwnerForm | None = None) -> Any:
    """The council, its owners, and for its owners the form to add one and its history."""
    db = get_session()
    assert council.id is not None
    is_owner = ownership.is_owner(db, ownership.COUNCIL, council.id, g.user)
    history = (
        audit.target_entries(db, target_kind=TargetKind.COUNCIL, target_id=council.id, page=_page())
        if is_owner
        else None
    )
    return render(
        "councils/council.html",
        status=status,
        council=council,
        territory=territories.get_territory(db, council.territory_id),
        owners=ownership.owners(db, ownership.COUNCIL, council.id),
        is_owner=is_owner,
        owner_form=form or OwnerForm(formdata=None),
        history=history,
        **audit.LABELS,
    )


@bp.post("/<id:council_id>/owners")
@login_required
def add_owner(council_id: int) -> Any:
    db = get_session()
    council = councils.get_council(db, council_id)
    form = OwnerForm()
    if form.validate_on_submit():
        try:
            added = ownership.add_owner(
                db,
                kind=ownership.COUNCIL,
                object_id=council_id,
                actor=g.user,
                email=form.email.data or "",
                transfer=bool(form.transfer.data),
            )
        except FieldInvalid as error:
            db.rollback()
            _add_error(form, error)
        else:
            db.commit()
            flash(_("%(email)s now owns this council.", email=added.email), "success")
            return _redirect("councils.council_page", council_id=council_id)
    return _render_council(council, status=422, form=form)


@bp.post("/<id:council_id>/owners/<id:user_id>/remove")
@login_required
def remove_owner(council_id: int, user_id: int) -> Any:
    db = get_session()
    councils.get_council(db, council_id)
    ownership.remove_owner(
        db, kind=ownership.COUNCIL, object_id=council_id, actor=g.user, owner_id=user_id
    )
    db.commit()
    flash(_("The owner is removed from this council."), "success")
    return _redirect("councils.council_page", council_id=council_id)


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
            _add_error(form, error)
        else:
            db.commit()
            flash(_("The council is saved."), "success")
            return _redirect("councils.council_page", council_id=council_id)
    return _render_form(form, council, 422 if request.method == "POST" else 200)


def _council_data(council: Council) -> dict[str, Any]:
    data: dict[str, Any] = {
        key: getattr(council, key) for key in ("slug", "oparl_body", "website", "wikidata")
    }
    data["territory"] = territories.get_territory(get_session(), council.territory_id).slug
    for code, name in council.names.items():
        data[f"name_{code}"] = name
    return data
