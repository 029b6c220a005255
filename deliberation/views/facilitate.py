"""The facilitators' pages: their rounds, territories, invites, seed statements, moderation.

Authorization lives in the services (``require_facilitator``); these views parse a form, call
one service and render. Invalid forms re-render with their errors and status 422.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from deliberation import csv_files
from deliberation.csv_files import LineProblem
from deliberation.db import get_session
from deliberation.errors import Conflict, DomainError
from deliberation.extensions import htmx
from deliberation.forms.facilitate import (
    AttachTerritoryForm,
    BulkModerationForm,
    FacilitatorForm,
    InviteBatchForm,
    InviteForm,
    ModerationForm,
    OwnerForm,
    PhaseForm,
    RoundForm,
    SeedForm,
    SeedImportForm,
    TerritoryForm,
)
from deliberation.models import Invite, Phase, Round, StatementStatus, TargetKind, Territory, User
from deliberation.proposals import moderation as drafting_moderation
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
from deliberation.translations.coverage import readable_proposal_shares, readable_shares
from deliberation.views.auth import login_required
from deliberation.views.confirmation import FIELD as CONFIRMED
from deliberation.views.confirmation import confirmation

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


def facilitated_round(round_id: int) -> Round:
    """Round ``round_id``, if the signed-in user facilitates it (else ``Forbidden``)."""
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
    round_ = facilitated_round(round_id)
    zone = round_admin.proposed_time_zone(db, user=g.user, round_=round_)
    data = _round_data(round_)
    if round_.time_zone == "UTC" and zone:  # never chosen: the territories' own is proposed
        data["time_zone"] = zone
    form = RoundForm(data=data)
    if round_admin.address_is_fixed(db, round_):
        form.slug.render_kw = {**(form.slug.render_kw or {}), "readonly": True}
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
    round_ = facilitated_round(round_id)
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
        proposal_shares=readable_proposal_shares(db, round_),
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
    round_ = facilitated_round(round_id)
    data = counts.round_counts(get_session(), round_=round_, user=g.user)
    return render("facilitate/counts.html", "facilitate/_counts.html", round=round_, counts=data)


@bp.post("/rounds/<id:round_id>/phase")
@login_required
def change_phase(round_id: int) -> Any:
    db = get_session()
    round_ = facilitated_round(round_id)
    form = PhaseForm()
    if form.validate_on_submit():
        phase = Phase(form.phase.data)
        try:
            if request.form.get(CONFIRMED) != "yes":
                change = round_admin.preview_phase_change(
                    db, round_=round_, user=g.user, phase=phase
                )
                return render(
                    "facilitate/phase_confirm.html",
                    round=round_,
                    change=change,
                    activity_names=ACTIVITY_NAMES,
                )
            round_admin.change_phase(db, round_=round_, user=g.user, phase=phase)
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


ACTIVITY_NAMES = {
    round_admin.Activity.JOIN: _l("Joining the round through its invite links"),
    round_admin.Activity.VOTE: _l("Votes on statements and new statements"),
    round_admin.Activity.DRAFT: _l("Writing proposals, amendments and endorsements"),
    round_admin.Activity.BALLOT: _l("Ballots on the round's decisions"),
    round_admin.Activity.OUTCOMES: _l("Writing the outcomes"),
    round_admin.Activity.REPORT: _l("The published report, for the public and the councils"),
}


def _phase_name(phase: Phase) -> str:
    return str(PHASE_NAMES[phase])


@bp.post("/rounds/<id:round_id>/facilitators")
@login_required
def add_facilitator(round_id: int) -> Any:
    db = get_session()
    round_ = facilitated_round(round_id)
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
    round_ = facilitated_round(round_id)
    round_admin.remove_facilitator(
        get_session(), round_=round_, user=g.user, facilitator_id=user_id
    )
    person = get_session().get(User, user_id)
    ask = confirmation(
        _("Remove %(email)s from this round?", email=person.email if person else ""),
        consequence=_("They will no longer be able to see or manage this round."),
        action=_("Remove the facilitator"),
        back=url_for("facilitate.round_page", round_id=round_.id),
    )
    if ask is not None:
        return ask
    get_session().commit()
    flash(_("The facilitator is removed from this round."), "success")
    return redirect_to("facilitate.round_page", round_id=round_.id)


@bp.post("/rounds/<id:round_id>/territories")
@login_required
def attach_territory(round_id: int) -> Any:
    db = get_session()
    round_ = facilitated_round(round_id)
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
    round_ = facilitated_round(round_id)
    territory = get_session().get(Territory, territory_id)
    round_admin.detach_territory(
        get_session(), round_=round_, user=g.user, territory_id=territory_id
    )
    ask = confirmation(
        _(
            "Remove %(name)s from this round?",
            name=territory.name(current_language()) if territory else "",
        ),
        consequence=_("Its invite links will be deleted: nobody can join from there any more."),
        action=_("Remove the territory"),
        back=url_for("facilitate.round_page", round_id=round_.id),
    )
    if ask is not None:
        return ask
    get_session().commit()
    flash(_("The territory no longer takes part in this round."), "success")
    return redirect_to("facilitate.round_page", round_id=round_.id)


# --- Invite links -------------------------------------------------------------------------


def _territory_choices(round_: Round) -> list[SelectChoice]:
    return [
        SelectChoice(item.territory.id or 0, item.territory.name(_language()))
        for item in round_admin.attached_territories(get_session(), round_)
    ]


def _invite_form(round_: Round, formdata: Any = None) -> InviteForm:
    form = InviteForm() if formdata is None else InviteForm(formdata=formdata)
    form.territory_id.choices = _territory_choices(round_)
    return form


def _batch_form(round_: Round) -> InviteBatchForm:
    form = InviteBatchForm()
    form.territory_id.choices = _territory_choices(round_)
    return form


def _language() -> str:
    return current_language()


def _with_links(rows: list[tuple[Invite, Territory]]) -> list[tuple[Invite, Territory, str]]:
    """Each (invite, territory) with the invite's full join link."""
    return [
        (invite, territory, url_for("participate.join", token=invite_token(invite), _external=True))
        for invite, territory in rows
    ]


def _render_invites(
    round_: Round,
    form: InviteForm,
    status: int = 200,
    batch_form: InviteBatchForm | None = None,
) -> Any:
    db = get_session()
    rows = _with_links(round_admin.round_invites(db, round_))
    unused: dict[int, tuple[Territory, int]] = {}
    for _invite, territory in round_admin.unused_single_use_invites(db, round_):
        held = unused.get(territory.id or 0, (territory, 0))
        unused[territory.id or 0] = (territory, held[1] + 1)
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
        batch_form=batch_form or _batch_form(round_),
        invites=rows,
        unused=list(unused.values()),
        poster_territories=list(poster_territories.values()),
        status=status,
    )


@bp.route("/rounds/<id:round_id>/invites", methods=["GET", "POST"])
@login_required
def invites(round_id: int) -> Any:
    round_ = facilitated_round(round_id)
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


@bp.post("/rounds/<id:round_id>/invites/single-use")
@login_required
def single_use_invites(round_id: int) -> Any:
    """Create a batch of single-use invites for one territory."""
    round_ = facilitated_round(round_id)
    form = _batch_form(round_)
    if form.validate_on_submit():
        try:
            made = round_admin.create_single_use_invites(
                get_session(), round_=round_, user=g.user, fields=form.to_fields()
            )
        except DomainError as error:
            get_session().rollback()
            add_error(form, error)
        else:
            get_session().commit()
            flash(
                ngettext(
                    "%(num)d single-use invite is created.",
                    "%(num)d single-use invites are created.",
                    len(made),
                ),
                "success",
            )
            return redirect_to("facilitate.invites", round_id=round_.id)
    return _render_invites(round_, _invite_form(round_), 422, batch_form=form)


def _unused_invites(round_: Round) -> list[tuple[Invite, Territory, str]]:
    """The round's unused single-use invites with their links, of the territory named by the
    ``territory`` query argument when there is one (404 for a territory not in the round)."""
    territory_id = request.args.get("territory", type=int)
    if territory_id is not None and territory_id not in {
        item.territory.id for item in round_admin.attached_territories(get_session(), round_)
    }:
        abort(404)
    return _with_links(round_admin.unused_single_use_invites(get_session(), round_, territory_id))


@bp.get("/rounds/<id:round_id>/invites/single-use.csv")
@login_required
def single_use_invites_csv(round_id: int) -> Any:
    """The unused single-use invites as CSV: territory, label, link, created (UTC)."""
    round_ = facilitated_round(round_id)
    buffer = io.StringIO()
    table = csv_files.writer(buffer)
    table.writerow(["territory", "territory_name", "label", "link", "created_at"])
    for invite, territory, url in _unused_invites(round_):
        name = territory.name(_language())
        table.writerow([territory.slug, name, invite.label, url, invite.created_at.isoformat()])
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{round_.slug}-single-use-invites.csv"'
        },
    )


@bp.get("/rounds/<id:round_id>/invites/single-use/print")
@login_required
def single_use_invites_print(round_id: int) -> Any:
    """The unused single-use invites as printable cards with QR codes."""
    round_ = facilitated_round(round_id)
    return render("facilitate/invites_print.html", round=round_, cards=_unused_invites(round_))


@bp.post("/rounds/<id:round_id>/invites/<id:invite_id>/revoke")
@login_required
def revoke_invite(round_id: int, invite_id: int) -> Any:
    round_ = facilitated_round(round_id)
    round_admin.revoke_round_invite(get_session(), round_=round_, user=g.user, invite_id=invite_id)
    ask = confirmation(
        _("Revoke this invite link?"),
        consequence=_(
            "Nobody can join through it any more; those who joined stay. This cannot be undone."
        ),
        action=_("Revoke the link"),
        back=url_for("facilitate.invites", round_id=round_.id),
    )
    if ask is not None:
        return ask
    get_session().commit()
    flash(_("The invite link is revoked: it admits nobody any more."), "success")
    return redirect_to("facilitate.invites", round_id=round_.id)


@bp.get("/rounds/<id:round_id>/invites/<id:invite_id>/poster")
@login_required
def invite_poster(round_id: int, invite_id: int) -> Any:
    """A page to print: the invite link as a poster with its QR code."""
    round_ = facilitated_round(round_id)
    rows = round_admin.poster_invites(get_session(), round_, invite_id=invite_id)
    return render("facilitate/posters.html", round=round_, posters=_with_links(rows))


@bp.get("/rounds/<id:round_id>/territories/<id:territory_id>/posters")
@login_required
def territory_posters(round_id: int, territory_id: int) -> Any:
    """A page to print: one poster per active link of a territory (single-use links left out)."""
    round_ = facilitated_round(round_id)
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
    problems: list[LineProblem] | None = None,
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
    round_ = facilitated_round(round_id)
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
    round_ = facilitated_round(round_id)
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


@dataclass(frozen=True)
class ModerationTabs:
    """The moderation page's tabs: statements per status, what was written while drafting, and
    the tab shown (a statement status or ``drafting``)."""

    current: str
    statements: dict[StatementStatus, int]
    drafting: drafting_moderation.DraftingQueue


def moderation_tabs(round_: Round, current: str) -> ModerationTabs:
    db = get_session()
    return ModerationTabs(
        current,
        moderation.status_counts(db, round_),
        drafting_moderation.drafting_counts(db, round_=round_, user=g.user),
    )


ACTION_DONE = {
    moderation.Action.ACCEPT: _l("Accepted."),
    moderation.Action.REJECT: _l("Rejected."),
    moderation.Action.META: _l("Flagged as meta."),
    moderation.Action.UNMETA: _l("Meta flag removed."),
}
"""What a facilitator is told once a statement is moderated."""


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
        tabs=moderation_tabs(round_, queue.status),
        oob=bool(fragment and htmx),
        translation_queue=moderation.translation_queue(get_session(), round_=round_, user=g.user),
    )


@bp.get("/rounds/<id:round_id>/moderation")
@login_required
def moderation_page(round_id: int) -> Any:
    return _render_moderation(facilitated_round(round_id))


@bp.post("/rounds/<id:round_id>/moderation/<id:statement_id>")
@login_required
def moderate(round_id: int, statement_id: int) -> Any:
    db = get_session()
    round_ = facilitated_round(round_id)
    form = ModerationForm()
    errors: list[Any] = []
    if form.validate_on_submit():
        action = moderation.Action(form.action.data)
        try:
            moderation.moderate(
                db,
                round_=round_,
                user=g.user,
                statement_id=statement_id,
                action=action,
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
                    "facilitate/_moderation_row.html",
                    round=round_,
                    row=row,
                    errors=[],
                    done=ACTION_DONE[action],
                    tabs=moderation_tabs(round_, _status()),
                    oob=True,
                )
            flash(str(ACTION_DONE[action]), "success")
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
            "facilitate/_moderation_row.html",
            round=round_,
            row=row,
            errors=errors,
            status=422,
            tabs=moderation_tabs(round_, _status()),
            oob=True,
        )
    return _render_moderation(round_, status=422, row_errors={statement_id: errors})


@bp.post("/rounds/<id:round_id>/moderation/bulk")
@login_required
def moderate_bulk(round_id: int) -> Any:
    db = get_session()
    round_ = facilitated_round(round_id)
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
    round_ = facilitated_round(round_id)
    log = moderation.moderation_log(
        get_session(), round_=round_, user=g.user, page=requested_page()
    )
    return render("facilitate/moderation_log.html", round=round_, log=log, **audit.LABELS)


@bp.get("/rounds/<id:round_id>/log")
@login_required
def round_log(round_id: int) -> Any:
    round_ = facilitated_round(round_id)
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
    return render(
        "facilitate/territories.html",
        listing=listing,
        owned=owned,
        twin_requests=territories.received_twin_requests(db, g.user),
    )


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
    owners = owners_context(ownership.TERRITORY, territory.id, form)
    history = (
        audit.target_entries(
            db, target_kind=TargetKind.TERRITORY, target_id=territory.id, page=requested_page()
        )
        if owners["is_owner"]
        else None
    )
    return render(
        "facilitate/territory.html",
        status=status,
        territory=territory,
        twins=territories.twins(db, territory),
        twin_requests=territories.twin_requests(db, territory),
        history=history,
        **owners,
        **audit.LABELS,
    )


@bp.post("/territories/<id:territory_id>/owners")
@login_required
def add_territory_owner(territory_id: int) -> Any:
    territory = territories.get_territory(get_session(), territory_id)
    return add_owner(
        kind=ownership.TERRITORY,
        object_id=territory_id,
        page=("facilitate.territory_page", {"territory_id": territory_id}),
        added=lambda email: _("%(email)s now owns this territory.", email=email),
        render_page=lambda form: _render_territory(territory, status=422, form=form),
    )


@bp.post("/territories/<id:territory_id>/twinning/<id:asking_id>/accept")
@login_required
def accept_twinning(territory_id: int, asking_id: int) -> Any:
    return _answer_twinning(territory_id, asking_id, accept=True)


@bp.post("/territories/<id:territory_id>/twinning/<id:asking_id>/decline")
@login_required
def decline_twinning(territory_id: int, asking_id: int) -> Any:
    return _answer_twinning(territory_id, asking_id, accept=False)


def _answer_twinning(territory_id: int, asking_id: int, *, accept: bool) -> Response:
    db = get_session()
    territory = territories.get_territory(db, territory_id)
    asking = territories.answer_twin_request(
        db, territory=territory, asking_id=asking_id, user=g.user, accept=accept
    )
    db.commit()
    names = {"asking": asking.name(_language()), "asked": territory.name(_language())}
    if accept:
        flash(_("%(asking)s and %(asked)s are now twinned.", **names), "success")
    else:
        flash(_("The twinning request of %(asking)s is declined.", **names), "success")
    return redirect_to("facilitate.territory_page", territory_id=territory_id)


@bp.post("/territories/<id:territory_id>/owners/<id:user_id>/remove")
@login_required
def remove_territory_owner(territory_id: int, user_id: int) -> Any:
    territories.get_territory(get_session(), territory_id)
    return remove_owner(
        kind=ownership.TERRITORY,
        object_id=territory_id,
        user_id=user_id,
        page=("facilitate.territory_page", {"territory_id": territory_id}),
        removed=_("The owner is removed from this territory."),
        question=lambda email: _(
            "Remove %(email)s from the owners of this territory?", email=email
        ),
        consequence=_("They will no longer be able to edit this territory."),
    )


def owners_context(
    kind: ownership.OwnedKind, object_id: int, form: OwnerForm | None = None
) -> dict[str, Any]:
    """What ``_owners.html`` shows of an owned thing (a territory, a council): its owners,
    whether the viewer is one, and the form to add one."""
    db = get_session()
    return {
        "owners": ownership.owners(db, kind, object_id),
        "is_owner": ownership.is_owner(db, kind, object_id, g.user),
        "owner_form": form or OwnerForm(formdata=None),
    }


def add_owner(
    *,
    kind: ownership.OwnedKind,
    object_id: int,
    page: tuple[str, dict[str, Any]],
    added: Callable[[str], str],
    render_page: Callable[[OwnerForm], Any],
) -> Any:
    """The view adding an owner to an owned thing: the owner the form names is added (or the
    thing handed on to them), then 303 to ``page`` (endpoint, arguments) flashing
    ``added(email)``; an invalid form or a refusal re-renders the thing's page (422)."""
    db = get_session()
    form = OwnerForm()
    if form.validate_on_submit():
        try:
            owner = ownership.add_owner(
                db,
                kind=kind,
                object_id=object_id,
                actor=g.user,
                email=form.email.data or "",
                transfer=bool(form.transfer.data),
            )
        except FieldInvalid as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            flash(added(owner.email), "success")
            return redirect_to(page[0], **page[1])
    return render_page(form)


def remove_owner(
    *,
    kind: ownership.OwnedKind,
    object_id: int,
    user_id: int,
    page: tuple[str, dict[str, Any]],
    removed: str,
    question: Callable[[str], str],
    consequence: str,
) -> Any:
    """The view removing owner ``user_id`` from an owned thing once confirmed (``question``
    names them by email, ``consequence`` says what they lose), then 303 to ``page`` flashing
    ``removed``."""
    db = get_session()
    ownership.remove_owner(db, kind=kind, object_id=object_id, actor=g.user, owner_id=user_id)
    person = db.get(User, user_id)
    ask = confirmation(
        question(person.email if person else ""),
        consequence=consequence,
        action=_("Remove the owner"),
        back=url_for(page[0], **page[1]),
    )
    if ask is not None:
        return ask
    db.commit()
    flash(removed, "success")
    return redirect_to(page[0], **page[1])


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
    db = get_session()
    named = [*territories.twins(db, territory), *territories.twin_requests(db, territory).asked]
    data["twins"] = ", ".join(t.slug for t in named)
    for code, name in territory.names.items():
        data[f"name_{code}"] = name
    return data
