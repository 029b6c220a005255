"""The facilitators' pages: their rounds, territories, invites, seed statements, moderation.

Authorization lives in the services (``require_facilitator``); these views parse a form, call
one service and render. Invalid forms re-render with their errors and status 422.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from deliberation.db import get_session
from deliberation.errors import Conflict, DomainError
from deliberation.extensions import htmx
from deliberation.forms.facilitate import (
    AttachTerritoryForm,
    BulkModerationForm,
    FacilitatorForm,
    InviteForm,
    ModerationForm,
    OwnerForm,
    PhaseForm,
    RoundForm,
    SeedForm,
    SeedImportForm,
    TerritoryForm,
)
from deliberation.models import Invite, Phase, Round, StatementStatus, TargetKind, Territory
from deliberation.services import (
    audit,
    counts,
    moderation,
    ownership,
    round_admin,
    seed_import,
    territories,
)
from deliberation.services.invites import invite_token
from deliberation.services.round_admin import utc_to_local
from deliberation.services.validation import FieldInvalid
from deliberation.templating import LANGUAGE_NAMES, PHASE_NAMES, current_language, render
from deliberation.translations.coverage import readable_shares
from deliberation.views.auth import login_required

bp = Blueprint("facilitate", __name__, url_prefix="/facilitate")
MAX_PAGE = 100_000  # page numbers are clamped to this, so an absurd offset never reaches SQL
MAX_QUERY = 100  # characters of a search kept


def redirect_to(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values), code=303)


def add_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's refusal on the field it names, else above the form."""
    field = getattr(form, error.field, None) if isinstance(error, FieldInvalid) else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def requested_page() -> int:
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def _round(round_id: int) -> Round:
    return round_admin.facilitated_round(get_session(), round_id=round_id, user=g.user)


# --- Rounds -------------------------------------------------------------------------------


@bp.get("/")
@login_required
def dashboard() -> Any:
    db = get_session()
    rounds = round_admin.facilitated_rounds(db, user=g.user)
    pending = moderation.pending_counts(db, [r.id for r in rounds if r.id is not None])
    return render("facilitate/dashboard.html", rounds=rounds, pending=pending)


@bp.route("/rounds/new", methods=["GET", "POST"])
@login_required
def new_round() -> Any:
    form = RoundForm()
    zone = round_admin.proposed_time_zone(get_session(), user=g.user)
    if request.method == "GET":
        form.languages.data = ["en"]
        form.time_zone.data = zone or "UTC"
    if form.validate_on_submit():
        try:
            round_ = round_admin.create_round(get_session(), user=g.user, fields=form.to_fields())
        except DomainError as error:
            get_session().rollback()
            add_error(form, error)
        else:
            get_session().commit()
            flash(_("The round is created."), "success")
            return redirect_to("facilitate.round_page", round_id=round_.id)
    status = 422 if request.method == "POST" else 200
    return render(
        "facilitate/round_form.html", form=form, round=None, proposed_zone=zone, status=status
    )


@bp.route("/rounds/<id:round_id>/edit", methods=["GET", "POST"])
@login_required
def edit_round(round_id: int) -> Any:
    db = get_session()
    round_ = _round(round_id)
    zone = round_admin.proposed_time_zone(db, user=g.user, round_=round_)
    data = _round_data(round_)
    if round_.time_zone == "UTC" and zone:  # never chosen: the territories' own is proposed
        data["time_zone"] = zone
    form = RoundForm(data=data)
    if form.validate_on_submit():
        try:
            round_admin.update_round(db, round_=round_, user=g.user, fields=form.to_fields())
        except DomainError as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            flash(_("The round is saved."), "success")
            return redirect_to("facilitate.round_page", round_id=round_.id)
    status = 422 if request.method == "POST" else 200
    return render(
        "facilitate/round_form.html", form=form, round=round_, proposed_zone=zone, status=status
    )


def _round_data(round_: Round) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": round_.slug,
        "languages": list(round_.languages),
        "topic": round_.topic,
        "time_zone": round_.time_zone,
        "opens_at": utc_to_local(round_.opens_at, round_.time_zone),
        "closes_at": utc_to_local(round_.closes_at, round_.time_zone),
        "phase": str(round_.phase),
        "moderation_mode": str(round_.moderation_mode),
        "max_statement_length": round_.max_statement_length,
        "privacy_k": round_.privacy_k,
        "min_votes_for_map": round_.min_votes_for_map,
        "retention_days": round_.retention_days,
    }
    for name in ("title", "question", "framing"):
        for code, text in getattr(round_, name).items():
            data[f"{name}_{code}"] = text
    return data


@bp.get("/rounds/<id:round_id>")
@login_required
def round_page(round_id: int) -> Any:
    round_ = _round(round_id)
    return _render_round(round_)


def _render_round(round_: Round, status: int = 200, **forms: FlaskForm) -> Any:
    """The round's page; for an htmx GET, only the territory search's results (``q``)."""
    db = get_session()
    phase_form = forms.get("phase_form") or PhaseForm(formdata=None)
    if "phase_form" not in forms:
        phase_form.phase.data = round_.phase
    query = request.args.get("q", "").strip()[:MAX_QUERY] if request.method == "GET" else ""
    attached = round_admin.attached_territories(db, round_)
    return render(
        "facilitate/round.html",
        "facilitate/_territory_search.html" if request.method == "GET" else None,
        status=status,
        round=round_,
        query=query,
        found=territories.search_territories(db, query),
        attached_ids={item.territory.id for item in attached},
        counts=counts.round_counts(db, round_=round_, user=g.user),
        statuses=moderation.status_counts(db, round_),
        shares=readable_shares(db, round_),
        attached=attached,
        facilitators=round_admin.round_facilitators(db, round_),
        choices=territories.territory_choices(db),
        phase_form=phase_form,
        facilitator_form=forms.get("facilitator_form") or FacilitatorForm(formdata=None),
        attach_form=forms.get("attach_form") or AttachTerritoryForm(formdata=None),
    )


@bp.get("/rounds/<id:round_id>/counts")
@login_required
def round_counts(round_id: int) -> Any:
    round_ = _round(round_id)
    data = counts.round_counts(get_session(), round_=round_, user=g.user)
    return render("facilitate/counts.html", "facilitate/_counts.html", round=round_, counts=data)


@bp.post("/rounds/<id:round_id>/phase")
@login_required
def change_phase(round_id: int) -> Any:
    db = get_session()
    round_ = _round(round_id)
    form = PhaseForm()
    if form.validate_on_submit():
        try:
            round_admin.change_phase(db, round_=round_, user=g.user, phase=Phase(form.phase.data))
        except (Conflict, FieldInvalid) as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            flash(
                _("The round is now in the phase: %(phase)s.", phase=_phase_name(round_.phase)),
                "success",
            )
            return redirect_to("facilitate.round_page", round_id=round_.id)
    return _render_round(round_, status=422, phase_form=form)


def _phase_name(phase: Phase) -> str:
    return str(PHASE_NAMES[phase])


@bp.post("/rounds/<id:round_id>/facilitators")
@login_required
def add_facilitator(round_id: int) -> Any:
    db = get_session()
    round_ = _round(round_id)
    form = FacilitatorForm()
    if form.validate_on_submit():
        try:
            added = round_admin.add_facilitator(
                db, round_=round_, user=g.user, email=form.email.data or ""
            )
        except FieldInvalid as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            flash(_("%(email)s now facilitates this round.", email=added.email), "success")
            return redirect_to("facilitate.round_page", round_id=round_.id)
    return _render_round(round_, status=422, facilitator_form=form)


@bp.post("/rounds/<id:round_id>/facilitators/<id:user_id>/remove")
@login_required
def remove_facilitator(round_id: int, user_id: int) -> Any:
    round_ = _round(round_id)
    round_admin.remove_facilitator(
        get_session(), round_=round_, user=g.user, facilitator_id=user_id
    )
    get_session().commit()
    flash(_("The facilitator is removed from this round."), "success")
    return redirect_to("facilitate.round_page", round_id=round_.id)


@bp.post("/rounds/<id:round_id>/territories")
@login_required
def attach_territory(round_id: int) -> Any:
    db = get_session()
    round_ = _round(round_id)
    form = AttachTerritoryForm()
    if form.validate_on_submit():
        try:
            round_admin.attach_territory(
                db,
                round_=round_,
                user=g.user,
                territory_slug=form.territory.data or "",
                weight=form.weight.data,
            )
        except FieldInvalid as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            flash(_("The territory takes part in this round."), "success")
            return redirect_to("facilitate.round_page", round_id=round_.id)
    return _render_round(round_, status=422, attach_form=form)


@bp.post("/rounds/<id:round_id>/territories/<id:territory_id>/detach")
@login_required
def detach_territory(round_id: int, territory_id: int) -> Any:
    round_ = _round(round_id)
    round_admin.detach_territory(
        get_session(), round_=round_, user=g.user, territory_id=territory_id
    )
    get_session().commit()
    flash(_("The territory no longer takes part in this round."), "success")
    return redirect_to("facilitate.round_page", round_id=round_.id)


# --- Invite links -------------------------------------------------------------------------


def _invite_form(round_: Round, formdata: Any = None) -> InviteForm:
    form = InviteForm() if formdata is None else InviteForm(formdata=formdata)
    form.territory_id.choices = [
        SelectChoice(item.territory.id or 0, item.territory.name(_language()))
        for item in round_admin.attached_territories(get_session(), round_)
    ]
    return form


def _language() -> str:
    return current_language()


def _with_links(rows: list[tuple[Invite, Territory]]) -> list[tuple[Invite, Territory, str]]:
    """Each (invite, territory) with the invite's full join link."""
    return [
        (invite, territory, url_for("participate.join", token=invite_token(invite), _external=True))
        for invite, territory in rows
    ]


def _render_invites(round_: Round, form: InviteForm, status: int = 200) -> Any:
    rows = _with_links(round_admin.round_invites(get_session(), round_))
    # The territories with a link for many people: each gets a page of posters.
    poster_territories = {
        territory.id: territory
        for invite, territory, _url in rows
        if invite.revoked_at is None and not invite.single_use
    }
    return render(
        "facilitate/invites.html",
        round=round_,
        form=form,
        invites=rows,
        poster_territories=list(poster_territories.values()),
        status=status,
    )


@bp.route("/rounds/<id:round_id>/invites", methods=["GET", "POST"])
@login_required
def invites(round_id: int) -> Any:
    round_ = _round(round_id)
    form = _invite_form(round_)
    if form.validate_on_submit():
        try:
            round_admin.create_round_invite(
                get_session(),
                round_=round_,
                user=g.user,
                territory_id=form.territory_id.data,
                label=form.label.data or "",
                single_use=bool(form.single_use.data),
                max_participants=form.max_participants.data,
            )
        except DomainError as error:
            get_session().rollback()
            add_error(form, error)
        else:
            get_session().commit()
            flash(_("The invite link is created."), "success")
            return redirect_to("facilitate.invites", round_id=round_.id)
    status = 422 if request.method == "POST" else 200
    return _render_invites(round_, form, status)


@bp.post("/rounds/<id:round_id>/invites/<id:invite_id>/revoke")
@login_required
def revoke_invite(round_id: int, invite_id: int) -> Any:
    round_ = _round(round_id)
    round_admin.revoke_round_invite(get_session(), round_=round_, user=g.user, invite_id=invite_id)
    get_session().commit()
    flash(_("The invite link is revoked: it admits nobody any more."), "success")
    return redirect_to("facilitate.invites", round_id=round_.id)


@bp.get("/rounds/<id:round_id>/invites/<id:invite_id>/poster")
@login_required
def invite_poster(round_id: int, invite_id: int) -> Any:
    """A page to print: the invite link as a poster with its QR code."""
    round_ = _round(round_id)
    rows = round_admin.poster_invites(get_session(), round_, invite_id=invite_id)
    return render("facilitate/posters.html", round=round_, posters=_with_links(rows))


@bp.get("/rounds/<id:round_id>/territories/<id:territory_id>/posters")
@login_required
def territory_posters(round_id: int, territory_id: int) -> Any:
    """A page to print: one poster per active link of a territory (single-use links left out)."""
    round_ = _round(round_id)
    rows = round_admin.poster_invites(get_session(), round_, territory_id=territory_id)
    return render("facilitate/posters.html", round=round_, posters=_with_links(rows))


# --- Seed statements ----------------------------------------------------------------------


def _seed_form(round_: Round) -> SeedForm:
    form = SeedForm()
    form.language.choices = [
        SelectChoice(code, LANGUAGE_NAMES.get(code, code)) for code in round_.languages
    ]
    return form


def _render_statements(
    round_: Round,
    *,
    seed_form: SeedForm | None = None,
    import_form: SeedImportForm | None = None,
    problems: list[seed_import.LineProblem] | None = None,
    status: int = 200,
) -> Any:
    if seed_form is None:
        seed_form = _seed_form(round_)
        seed_form.process(formdata=None)
        seed_form.language.data = round_.languages[0] if round_.languages else "en"
    return render(
        "facilitate/statements.html",
        round=round_,
        seed_form=seed_form,
        import_form=import_form or SeedImportForm(formdata=None),
        problems=problems or [],
        seeds=seed_import.seed_statements(
            get_session(), round_=round_, user=g.user, page=requested_page()
        ),
        status=status,
    )


@bp.route("/rounds/<id:round_id>/statements", methods=["GET", "POST"])
@login_required
def statements(round_id: int) -> Any:
    round_ = _round(round_id)
    if request.method == "GET":
        return _render_statements(round_)
    form = _seed_form(round_)
    if form.validate_on_submit():
        try:
            seed_import.add_seed(
                get_session(),
                round_=round_,
                user=g.user,
                text=form.text.data or "",
                language=form.language.data or "",
            )
        except FieldInvalid as error:
            get_session().rollback()
            add_error(form, error)
        else:
            get_session().commit()
            flash(_("The seed statement is added."), "success")
            return redirect_to("facilitate.statements", round_id=round_.id)
    return _render_statements(round_, seed_form=form, status=422)


@bp.post("/rounds/<id:round_id>/statements/import")
@login_required
def import_statements(round_id: int) -> Any:
    round_ = _round(round_id)
    form = SeedImportForm()
    if form.validate_on_submit():
        try:
            count = seed_import.import_seed_csv(
                get_session(), round_=round_, user=g.user, data=form.file.data.read()
            )
        except seed_import.ImportRejected as error:
            get_session().rollback()
            form.form_errors.append(error.message)
            return _render_statements(round_, import_form=form, problems=error.problems, status=422)
        get_session().commit()
        flash(
            ngettext(
                "%(num)d seed statement imported.", "%(num)d seed statements imported.", count
            ),
            "success",
        )
        return redirect_to("facilitate.statements", round_id=round_.id)
    return _render_statements(round_, import_form=form, status=422)


# --- Moderation ---------------------------------------------------------------------------


def _status() -> StatementStatus:
    try:
        return StatementStatus(request.args.get("status", StatementStatus.PENDING.value))
    except ValueError:
        return StatementStatus.PENDING


def _render_moderation(
    round_: Round,
    *,
    status: int = 200,
    bulk_form: BulkModerationForm | None = None,
    row_errors: dict[int, list[Any]] | None = None,
    fragment: str | None = None,
    notice: str | None = None,
) -> Any:
    queue = moderation.moderation_queue(
        get_session(), round_=round_, user=g.user, status=_status(), page=requested_page()
    )
    shown = {row.statement.id for row in queue.rows}
    elsewhere = [
        (statement_id, message)
        for statement_id, messages in (row_errors or {}).items()
        if statement_id not in shown
        for message in messages
    ]
    return render(
        "facilitate/moderation.html",
        fragment,
        elsewhere=elsewhere,
        status=status,
        round=round_,
        queue=queue,
        bulk_form=bulk_form or BulkModerationForm(formdata=None),
        row_errors=row_errors or {},
        notice=notice,
        translation_queue=moderation.translation_queue(get_session(), round_=round_, user=g.user),
    )


@bp.get("/rounds/<id:round_id>/moderation")
@login_required
def moderation_page(round_id: int) -> Any:
    return _render_moderation(_round(round_id))


@bp.post("/rounds/<id:round_id>/moderation/<id:statement_id>")
@login_required
def moderate(round_id: int, statement_id: int) -> Any:
    db = get_session()
    round_ = _round(round_id)
    form = ModerationForm()
    errors: list[Any] = []
    if form.validate_on_submit():
        try:
            moderation.moderate(
                db,
                round_=round_,
                user=g.user,
                statement_id=statement_id,
                action=moderation.Action(form.action.data),
                reason=form.reason.data,
            )
        except (FieldInvalid, Conflict) as error:
            db.rollback()
            errors.append(error.message)
        else:
            db.commit()
            if htmx:
                row = moderation.queue_row(
                    db, round_=round_, user=g.user, statement_id=statement_id
                )
                return render(
                    "facilitate/_moderation_row.html", round=round_, row=row, errors=[], done=True
                )
            flash(_("The statement is moderated."), "success")
            return redirect_to(
                "facilitate.moderation_page",
                round_id=round_.id,
                status=request.args.get("status", "pending"),
                page=requested_page(),
            )
    else:
        errors.extend(message for messages in form.errors.values() for message in messages)
    if htmx:
        row = moderation.queue_row(db, round_=round_, user=g.user, statement_id=statement_id)
        return render(
            "facilitate/_moderation_row.html", round=round_, row=row, errors=errors, status=422
        )
    return _render_moderation(round_, status=422, row_errors={statement_id: errors})


@bp.post("/rounds/<id:round_id>/moderation/bulk")
@login_required
def moderate_bulk(round_id: int) -> Any:
    db = get_session()
    round_ = _round(round_id)
    form = BulkModerationForm()
    if form.validate_on_submit():
        try:
            changed = moderation.moderate_many(
                db,
                round_=round_,
                user=g.user,
                statement_ids=form.statement_ids.data or [],
                action=moderation.Action(form.action.data),
                reason=form.reason.data,
            )
        except FieldInvalid as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            notice = ngettext("%(num)d statement changed.", "%(num)d statements changed.", changed)
            if htmx:
                return _render_moderation(round_, fragment="facilitate/_queue.html", notice=notice)
            flash(notice, "success")
            return redirect_to(
                "facilitate.moderation_page",
                round_id=round_.id,
                status=request.args.get("status", "pending"),
            )
    return _render_moderation(round_, status=422, bulk_form=form, fragment="facilitate/_queue.html")


@bp.get("/rounds/<id:round_id>/moderation/log")
@login_required
def moderation_log(round_id: int) -> Any:
    round_ = _round(round_id)
    log = moderation.moderation_log(
        get_session(), round_=round_, user=g.user, page=requested_page()
    )
    return render("facilitate/moderation_log.html", round=round_, log=log)


@bp.get("/rounds/<id:round_id>/log")
@login_required
def round_log(round_id: int) -> Any:
    round_ = _round(round_id)
    log = round_admin.round_log(get_session(), round_=round_, user=g.user, page=requested_page())
    return render("facilitate/round_log.html", round=round_, log=log, **audit.LABELS)


# --- Territories --------------------------------------------------------------------------


@bp.get("/territories")
@login_required
def territory_list() -> Any:
    db = get_session()
    listing = territories.list_territories(db, page=requested_page())
    owned = ownership.owned_ids(
        db, ownership.TERRITORY, g.user, [t.id for t in listing.territories if t.id is not None]
    )
    return render("facilitate/territories.html", listing=listing, owned=owned)


@bp.route("/territories/new", methods=["GET", "POST"])
@login_required
def new_territory() -> Any:
    db = get_session()
    form = TerritoryForm()
    if form.validate_on_submit():
        try:
            territory = territories.create_territory(db, user=g.user, fields=form.to_fields())
        except FieldInvalid as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            flash(
                _("The territory %(name)s is created.", name=territory.name(_language())),
                "success",
            )
            return redirect_to("facilitate.territory_page", territory_id=territory.id)
    status = 422 if request.method == "POST" else 200
    return render("facilitate/territory_form.html", form=form, territory=None, status=status)


@bp.get("/territories/<id:territory_id>")
@login_required
def territory_page(territory_id: int) -> Any:
    return _render_territory(territories.get_territory(get_session(), territory_id))


def _render_territory(
    territory: Territory, status: int = 200, form: OwnerForm | None = None
) -> Any:
    """The territory, its owners, and for its owners the form to add one and its history."""
    db = get_session()
    assert territory.id is not None
    is_owner = ownership.is_owner(db, ownership.TERRITORY, territory.id, g.user)
    history = (
        audit.target_entries(
            db, target_kind=TargetKind.TERRITORY, target_id=territory.id, page=requested_page()
        )
        if is_owner
        else None
    )
    return render(
        "facilitate/territory.html",
        status=status,
        territory=territory,
        twins=territories.twins(db, territory),
        owners=ownership.owners(db, ownership.TERRITORY, territory.id),
        is_owner=is_owner,
        owner_form=form or OwnerForm(formdata=None),
        history=history,
        **audit.LABELS,
    )


@bp.post("/territories/<id:territory_id>/owners")
@login_required
def add_territory_owner(territory_id: int) -> Any:
    db = get_session()
    territory = territories.get_territory(db, territory_id)
    form = OwnerForm()
    if form.validate_on_submit():
        try:
            added = ownership.add_owner(
                db,
                kind=ownership.TERRITORY,
                object_id=territory_id,
                actor=g.user,
                email=form.email.data or "",
                transfer=bool(form.transfer.data),
            )
        except FieldInvalid as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            flash(_("%(email)s now owns this territory.", email=added.email), "success")
            return redirect_to("facilitate.territory_page", territory_id=territory_id)
    return _render_territory(territory, status=422, form=form)


@bp.post("/territories/<id:territory_id>/owners/<id:user_id>/remove")
@login_required
def remove_territory_owner(territory_id: int, user_id: int) -> Any:
    db = get_session()
    territories.get_territory(db, territory_id)
    ownership.remove_owner(
        db, kind=ownership.TERRITORY, object_id=territory_id, actor=g.user, owner_id=user_id
    )
    db.commit()
    flash(_("The owner is removed from this territory."), "success")
    return redirect_to("facilitate.territory_page", territory_id=territory_id)


@bp.route("/territories/<id:territory_id>/edit", methods=["GET", "POST"])
@login_required
def edit_territory(territory_id: int) -> Any:
    db = get_session()
    territory = territories.get_territory(db, territory_id)
    ownership.require_owner(db, ownership.TERRITORY, territory_id, g.user)
    form = TerritoryForm(data=_territory_data(territory))
    if form.validate_on_submit():
        try:
            territories.update_territory(
                db, territory=territory, user=g.user, fields=form.to_fields()
            )
        except FieldInvalid as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            flash(_("The territory is saved."), "success")
            return redirect_to("facilitate.territory_page", territory_id=territory_id)
    status = 422 if request.method == "POST" else 200
    return render("facilitate/territory_form.html", form=form, territory=territory, status=status)


def _territory_data(territory: Territory) -> dict[str, Any]:
    data: dict[str, Any] = {
        key: getattr(territory, key)
        for key in (
            "slug",
            "iso_3166_2",
            "eurostat_lau",
            "lau_year",
            "nuts",
            "nuts_year",
            "wikidata",
            "population",
            "population_year",
        )
    }
    data["kind"] = str(territory.kind)
    data["twins"] = ", ".join(t.slug for t in territories.twins(get_session(), territory))
    for code, name in territory.names.items():
        data[f"name_{code}"] = name
    return data
