"""Decisions: facilitators set them up, open and close them; participants cast ballots;
everyone reads the results and downloads the published ballots once counted.

Facilitators never see an individual ballot: their pages show options and counts of ballots
only, and results exist only after close, from the stored tally.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import func, select

from deliberation.clock import utcnow
from deliberation.db import get_session
from deliberation.decisions import ballots as ballot_forms
from deliberation.decisions import methods, results, service
from deliberation.decisions.counting import scale_of, spec_of
from deliberation.errors import Invalid
from deliberation.forms.facilitate import ELIGIBILITY_NAMES, DecisionForm
from deliberation.messages import lazy_message
from deliberation.models import (
    Decision,
    DecisionBallot,
    DecisionLiveCount,
    DecisionSeal,
    DecisionStatus,
    DecisionTally,
    Eligibility,
    Participant,
    Round,
)
from deliberation.services.round_admin import facilitated_round, utc_to_local
from deliberation.services.rounds import get_round, round_territories
from deliberation.services.validation import MAX_ID, FieldInvalid
from deliberation.templating import current_language, render
from deliberation.translations.reading import read_statements, reader_languages
from deliberation.views.auth import login_required
from deliberation.views.confirmation import confirmation
from deliberation.views.participant_session import current_participant
from voting.methods import BallotKind

bp = Blueprint("decisions", __name__)
STATUS_NAMES: dict[str, LazyString] = {
    DecisionStatus.DRAFT.value: _l("Draft"),
    DecisionStatus.OPEN.value: _l("Open for ballots"),
    DecisionStatus.CLOSED.value: _l("Closed"),
}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _redirect(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values), code=303)  # type: ignore[return-value]


def _context() -> dict[str, Any]:
    return {
        "method_names": methods.METHOD_NAMES,
        "method_descriptions": methods.METHOD_DESCRIPTIONS,
        "eligibility_names": ELIGIBILITY_NAMES,
        "decision_status_names": STATUS_NAMES,
        "stance_names": ballot_forms.STANCE_NAMES,
    }


# --- Facilitators ---------------------------------------------------------------------------


@bp.get("/facilitate/rounds/<id:round_id>/decisions")
@login_required
def round_decisions(round_id: int) -> Any:
    db = get_session()
    round_ = facilitated_round(db, round_id=round_id, user=g.user)
    return render(
        "decisions/list.html",
        round=round_,
        decisions=service.round_decisions(db, round_),
        **_context(),
    )


def _form_values(decision: Decision | None, round_: Round) -> dict[str, str]:
    """The values the form shows: as typed after a POST, else the decision's."""
    if request.method == "POST":
        return {key: request.form.get(key, "") for key in request.form}
    if decision is None:
        return {"eligibility": Eligibility.JOINED.value}

    def shown(value: datetime | None) -> str:
        local = utc_to_local(value, round_.time_zone)
        return local.strftime(DATETIME_FORMAT) if local else ""

    return {
        "title": decision.title,
        "eligibility": decision.eligibility,
        "live_results": "y" if decision.live_results else "",
        "receipts": "y" if decision.receipts else "",
        "opens_at": shown(decision.opens_at),
        "closes_at": shown(decision.closes_at),
    }


def _decision_form(round_: Round, decision: Decision | None) -> Any:
    """Create (``decision`` None) or edit a draft decision. The method is chosen first (a GET
    form), then the form shows that method's settings from the registry."""
    db = get_session()
    chosen = request.values.get("method") or (decision.method if decision else "schulze")
    spec = methods.method_spec(chosen)
    if spec is None:
        raise Invalid(_l("Choose one of the methods offered."))
    settings, setting_errors = (
        methods.read_settings(spec, request.form) if request.method == "POST" else ({}, {})
    )
    form = DecisionForm(method=chosen, settings=settings, time_zone=round_.time_zone)
    errors: dict[str, Any] = {f"setting_{k}": v for k, v in setting_errors.items()}
    if form.validate_on_submit() and not errors:
        try:
            if decision is None:
                decision = service.create_decision(
                    db, round_=round_, user=g.user, fields=form.to_fields()
                )
            else:
                service.update_decision(
                    db, decision=decision, round_=round_, user=g.user, fields=form.to_fields()
                )
        except FieldInvalid as error:
            db.rollback()
            errors[error.field] = error.message
        else:
            db.commit()
            flash(_("The decision is saved."), "success")
            return _redirect("decisions.manage", decision_id=decision.id)
    errors |= {name: found[0] for name, found in form.errors.items() if name and found}
    if form.form_errors:
        errors["method"] = form.form_errors[0]
    stored = decision.settings if decision is not None and decision.method == chosen else None
    form_values = request.form if request.method == "POST" else None
    return render(
        "decisions/form.html",
        status=422 if request.method == "POST" else 200,
        round=round_,
        decision=decision,
        spec=spec,
        values=_form_values(decision, round_),
        errors=errors,
        setting_fields=methods.setting_fields(
            spec,
            stored=stored,
            form=form_values,
            errors={k.removeprefix("setting_"): str(v) for k, v in errors.items()},
        ),
        registry=methods.METHOD_NAMES,
        title_language=service.written_language(round_),
        **_context(),
    )


@bp.route("/facilitate/rounds/<id:round_id>/decisions/new", methods=["GET", "POST"])
@login_required
def new_decision(round_id: int) -> Any:
    round_ = facilitated_round(get_session(), round_id=round_id, user=g.user)
    return _decision_form(round_, None)


@bp.route("/facilitate/decisions/<id:decision_id>/edit", methods=["GET", "POST"])
@login_required
def edit_decision(decision_id: int) -> Any:
    decision, round_ = service.facilitated_decision(
        get_session(), decision_id=decision_id, user=g.user
    )
    return _decision_form(round_, decision)


def _ballot_count(decision: Decision) -> int:
    statement = select(func.count()).where(DecisionBallot.decision_id == decision.id)
    return int(get_session().exec(statement).one())


def _render_manage(
    decision: Decision,
    round_: Round,
    status: int = 200,
    option_errors: dict[str, Any] | None = None,
    title_errors: dict[str, Any] | None = None,
) -> Any:
    db = get_session()
    options = service.options_of(db, decision)
    return render(
        "decisions/manage.html",
        status=status,
        round=round_,
        decision=decision,
        spec=spec_of(decision),
        options=options,
        ballots=_ballot_count(decision),
        electorate=service.electorate(db, decision),
        tally=db.get(DecisionTally, decision.id),
        proposals=service.selectable_proposals(db, decision, round_)
        if decision.status == DecisionStatus.DRAFT
        else [],
        option_errors=option_errors or {},
        option_values=request.form if option_errors else {},
        translations=service.option_translations(db, options),
        option_languages={o.id: service.option_language(db, o, round_) for o in options},
        title_language=service.written_language(round_),
        title_translations=service.title_translations(db, decision),
        title_errors=title_errors or {},
        title_values=request.form if title_errors else {},
        setting_fields=methods.setting_fields(spec_of(decision), stored=decision.settings),
        **_context(),
    )


@bp.get("/facilitate/decisions/<id:decision_id>")
@login_required
def manage(decision_id: int) -> Any:
    decision, round_ = service.facilitated_decision(
        get_session(), decision_id=decision_id, user=g.user
    )
    return _render_manage(decision, round_)


@bp.post("/facilitate/decisions/<id:decision_id>/options")
@login_required
def add_option(decision_id: int) -> Any:
    db = get_session()
    decision, round_ = service.facilitated_decision(db, decision_id=decision_id, user=g.user)
    raw_proposal = request.form.get("proposal_id", "").strip()
    proposal_id = None
    if raw_proposal:
        proposal_id = int(raw_proposal) if raw_proposal.isdigit() else 0
        if not 1 <= proposal_id <= MAX_ID:
            return _render_manage(
                decision,
                round_,
                status=422,
                option_errors={"proposal_id": _l("A proposal number is a positive whole number.")},
            )
    return _saved_on_manage(
        decision,
        round_,
        lambda: service.add_option(
            db,
            decision=decision,
            round_=round_,
            user=g.user,
            title=request.form.get("title", ""),
            text=request.form.get("text", ""),
            proposal_id=proposal_id,
        ),
        errors_of="option_errors",
        done=_("The option is added."),
    )


def _saved_on_manage(
    decision: Decision,
    round_: Round,
    save: Callable[[], object],
    *,
    errors_of: str,
    done: str,
    error_context: dict[str, Any] | None = None,
) -> Any:
    """A facilitator's change from the decision's page: ``save`` it, commit and say ``done``;
    or, when a field is invalid, nothing stored and the page again with the field's error in
    its ``errors_of`` (with ``error_context``), status 422."""
    db = get_session()
    try:
        save()
    except FieldInvalid as error:
        db.rollback()
        errors = {error.field: error.message, **(error_context or {})}
        return _render_manage(decision, round_, status=422, **{errors_of: errors})
    db.commit()
    flash(done, "success")
    return _redirect("decisions.manage", decision_id=decision.id)


@bp.post("/facilitate/decisions/<id:decision_id>/title/translations")
@login_required
def translate_title(decision_id: int) -> Any:
    db = get_session()
    decision, round_ = service.facilitated_decision(db, decision_id=decision_id, user=g.user)
    return _saved_on_manage(
        decision,
        round_,
        lambda: service.translate_title(
            db,
            decision=decision,
            round_=round_,
            user=g.user,
            language=request.form.get("language", ""),
            title=request.form.get("title", ""),
        ),
        errors_of="title_errors",
        done=_("The translation of the title is saved."),
    )


@bp.post("/facilitate/decisions/<id:decision_id>/options/<id:option_id>/translations")
@login_required
def translate_option(decision_id: int, option_id: int) -> Any:
    db = get_session()
    decision, round_ = service.facilitated_decision(db, decision_id=decision_id, user=g.user)
    return _saved_on_manage(
        decision,
        round_,
        lambda: service.translate_option(
            db,
            decision=decision,
            round_=round_,
            user=g.user,
            option_id=option_id,
            language=request.form.get("language", ""),
            title=request.form.get("translation_title", ""),
            text=request.form.get("translation_text", ""),
        ),
        errors_of="option_errors",
        done=_("The translation of the option is saved."),
        error_context={"option_id": option_id},
    )


@bp.post("/facilitate/decisions/<id:decision_id>/options/<id:option_id>/remove")
@login_required
def remove_option(decision_id: int, option_id: int) -> Any:
    db = get_session()
    decision, round_ = service.facilitated_decision(db, decision_id=decision_id, user=g.user)
    service.remove_option(db, decision=decision, round_=round_, user=g.user, option_id=option_id)
    ask = confirmation(
        _("Remove this option from the decision?"),
        consequence=_("Its label and text will be deleted; you can add a new option later."),
        action=_("Remove the option"),
        back=url_for("decisions.manage", decision_id=decision_id),
    )
    if ask is not None:
        return ask
    db.commit()
    flash(_("The option is removed."), "success")
    return _redirect("decisions.manage", decision_id=decision_id)


@bp.post("/facilitate/decisions/<id:decision_id>/open")
@login_required
def open_decision(decision_id: int) -> Any:
    db = get_session()
    decision, _round = service.facilitated_decision(db, decision_id=decision_id, user=g.user)
    service.open_decision(db, decision=decision, now=utcnow())
    db.commit()
    flash(_("The decision is open: participants can cast their ballots."), "success")
    return _redirect("decisions.manage", decision_id=decision_id)


@bp.post("/facilitate/decisions/<id:decision_id>/close")
@login_required
def close_decision(decision_id: int) -> Any:
    db = get_session()
    decision, round_ = service.facilitated_decision(db, decision_id=decision_id, user=g.user)
    service.close_decision(db, decision=decision, round_=round_, now=utcnow())
    ask = confirmation(
        _("Close this decision now?"),
        consequence=_(
            "No more ballots will be taken and the result will be counted. A closed decision cannot be opened again."
        ),
        action=_("Close the decision now"),
        back=url_for("decisions.manage", decision_id=decision_id),
    )
    if ask is not None:
        return ask
    db.commit()
    flash(_("The decision is closed; its result is being counted."), "success")
    return _redirect("decisions.manage", decision_id=decision_id)


# --- Participants ---------------------------------------------------------------------------


def _decision_in(slug: str, decision_id: int) -> tuple[Decision, Round]:
    db = get_session()
    round_ = get_round(db, slug)
    decision, _round = service.get_decision(db, decision_id)
    if decision.round_id != round_.id or decision.status == DecisionStatus.DRAFT:
        abort(404)
    return decision, round_


@bp.get("/r/<slug>/decisions")
def participant_decisions(slug: str) -> Any:
    db = get_session()
    round_ = get_round(db, slug)
    participant = current_participant(round_)
    listed = [d for d in service.round_decisions(db, round_) if d.status != DecisionStatus.DRAFT]
    voted = {d.id for d in listed if service.current_ballot(db, d, participant) is not None}
    languages = reader_languages(current_language(), participant.reading_languages)
    return render(
        "decisions/participant_list.html",
        round=round_,
        decisions=listed,
        titles=service.shown_titles(db, round_, listed, languages),
        voted=voted,
        **_context(),
    )


def _render_ballot(
    decision: Decision,
    round_: Round,
    participant: Participant,
    choice: dict[str, Any] | None,
    *,
    status: int = 200,
    error: Any = None,
    moved: str | None = None,
) -> Any:
    db = get_session()
    spec = spec_of(decision)
    languages = reader_languages(current_language(), participant.reading_languages)
    options = service.shown_options(db, round_, service.options_of(db, decision), languages)
    ballot = service.current_ballot(db, decision, participant)
    if choice is None:
        choice = ballot.choice if ballot else {}
    scale = scale_of(decision)
    ranks = {
        label: depth
        for depth, group in enumerate(choice.get("ranking", []), start=1)
        for label in group
    }
    if spec.ballot is BallotKind.RANKED:
        unranked = len(options) + 1  # read before sorting: a list is empty while it sorts
        options.sort(key=lambda o: (ranks.get(o.label, unranked), o.label))
    linked = service.option_statements(db, options)
    readings = read_statements(
        db, round_, [s for statements in linked.values() for s in statements], languages
    )
    return render(
        "decisions/ballot.html",
        status=status,
        round=round_,
        decision=decision,
        title=service.shown_titles(db, round_, [decision], languages)[decision.id or 0],
        spec=spec,
        kind=spec.ballot.value,
        options=options,
        linked={
            option_id: [readings[s.id or 0] for s in statements]
            for option_id, statements in linked.items()
        },
        choice=choice,
        ranks=ranks,
        moved=moved,
        has_ballot=ballot is not None,
        accepts=service.accepts_ballots(decision, round_, utcnow()),
        eligible=service.eligible(db, decision, participant),
        grades=ballot_forms.grade_names(scale.low, scale.high) if scale else {},
        majority_judgment=decision.method == "majority_judgment",
        error=error,
        **_context(),
    )


@bp.get("/r/<slug>/decisions/<id:decision_id>")
def ballot_page(slug: str, decision_id: int) -> Any:
    decision, round_ = _decision_in(slug, decision_id)
    participant = current_participant(round_)
    if decision.status == DecisionStatus.CLOSED:
        return _redirect("decisions.results_page", decision_id=decision.id)
    return _render_ballot(decision, round_, participant, None)


@bp.post("/r/<slug>/decisions/<id:decision_id>")
def cast_ballot(slug: str, decision_id: int) -> Any:
    """Cast or replace the ballot; a ``move`` button (``up:A`` / ``down:A``) only rearranges
    the ranking form and stores nothing."""
    db = get_session()
    decision, round_ = _decision_in(slug, decision_id)
    participant = current_participant(round_)
    kind = spec_of(decision).ballot
    labels = [o.label for o in service.options_of(db, decision)]
    move = request.form.get("move", "")
    try:
        if kind is BallotKind.RANKED and move:
            direction, _sep, label = move.partition(":")
            ranking = ballot_forms.read_ranking(request.form, labels)
            if direction not in {"up", "down"} or label not in labels:
                raise Invalid(_l("This ballot names an option that is not in this decision."))
            moved = ballot_forms.move(ranking, labels, label, up=direction == "up")
            return _render_ballot(decision, round_, participant, {"ranking": moved}, moved=move)
        choice = ballot_forms.read_choice(
            kind, request.form, request.form.getlist("approve"), labels
        )
        receipt = service.cast_ballot(
            db,
            decision=decision,
            round_=round_,
            participant=participant,
            choice=choice,
            now=utcnow(),
        )
    except Invalid as error:
        db.rollback()
        return _render_ballot(
            decision,
            round_,
            participant,
            _partial_choice(kind, labels),
            status=422,
            error=error.message,
        )
    db.commit()
    flash(_("Your ballot is recorded. You can change it until the decision closes."), "success")
    if receipt:
        flash(
            _(
                "Your receipt code: %(code)s. Write it down: after close it lets you check that "
                "the published ballots hold your ballot as cast. A new ballot gets a new code.",
                code=receipt,
            ),
            "success",
        )
    return _redirect("decisions.ballot_page", slug=slug, decision_id=decision_id)


def _partial_choice(kind: BallotKind, labels: list[str]) -> dict[str, Any]:
    """What the participant had entered, to show it again beside the error (only values
    that fit the form are kept)."""
    form = request.form
    if kind is BallotKind.STANCE:
        return {"stance": form.get("stance", ""), "reason": form.get("reason", "")}
    if kind is BallotKind.APPROVAL:
        return {"approved": [a for a in form.getlist("approve") if a in labels]}
    if kind is BallotKind.SCORE:
        return {
            "scores": {
                label: int(form[f"score_{label}"])
                for label in labels
                if form.get(f"score_{label}", "").lstrip("-").isdigit()
            }
        }
    return {}


# --- Results --------------------------------------------------------------------------------


@bp.get("/decisions/<id:decision_id>/results")
def results_page(decision_id: int) -> Any:
    db = get_session()
    decision, round_ = service.get_decision(db, decision_id)
    if decision.status == DecisionStatus.DRAFT:
        abort(404)
    languages = [current_language()]
    options = service.shown_options(db, round_, service.options_of(db, decision), languages)
    names = {t.slug: t.name(current_language()) for t in round_territories(db, round_)}
    view = None
    if decision.status == DecisionStatus.CLOSED:
        tally = db.get(DecisionTally, decision.id)
        if tally is not None:
            view = results.build(decision, round_, options, tally.result, names)
            view.published_sha256 = tally.published_sha256
    elif decision.live_results:
        live = db.get(DecisionLiveCount, decision.id)
        if live is not None:
            view = results.build(decision, round_, options, live.result, names)
    code = request.args.get("receipt", "").strip()[:64]
    receipt = _receipt_check(decision, options, code) if code else None
    return render(
        "decisions/results.html",
        round=round_,
        decision=decision,
        title=service.shown_titles(db, round_, [decision], languages)[decision.id or 0],
        options=options,
        view=view,
        receipt_code=code,
        receipt=receipt,
        **_context(),
    )


def _receipt_check(decision: Decision, options: list[service.ShownOption], code: str) -> str:
    """The ballot a receipt code stands for, in words, or a sentence saying none does."""
    seal = get_session().get(DecisionSeal, decision.id)
    if not decision.receipts or seal is None:
        return str(_l("Receipts can be checked once the decision is closed."))
    digest = service.receipt_sha256(code)
    entry = next((ballot for sha, ballot in seal.receipts if sha == digest), None)
    if entry is None:
        return str(_l("No published ballot carries this receipt."))
    return str(
        lazy_message(
            "The published ballot with this receipt reads: %(ballot)s",
            ballot=results.describe_ballot(
                spec_of(decision).ballot.value,
                sorted(o.label for o in options),
                entry,
                {o.label: o.title for o in options},
                ballot_forms.STANCE_NAMES,
            ),
        )
    )


@bp.get("/decisions/<id:decision_id>/receipts.json")
def published_receipts(decision_id: int) -> Any:
    """The receipts' SHA-256 with their ballots (canonical encoding), once counted."""
    db = get_session()
    decision = db.get(Decision, decision_id)
    seal = db.get(DecisionSeal, decision_id)
    if decision is None or seal is None or not decision.receipts:
        abort(404)
    labels = sorted(o.label for o in service.options_of(db, decision))
    response = jsonify(candidates=labels, receipts=seal.receipts)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="decision-{decision_id}-receipts.json"'
    )
    return response


@bp.get("/decisions/<id:decision_id>/ballots.json")
def published_ballots(decision_id: int) -> Any:
    db = get_session()
    tally = db.get(DecisionTally, decision_id)
    if tally is None:
        abort(404)
    response = Response(tally.published, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="decision-{decision_id}-ballots.json"'
    )
    return response
