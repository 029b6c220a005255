"""Proposal pages: the list, a proposal, the editor (live preview with htmx, a plain form
without), history and word-level comparison, co-author links.

Participants act through their round's cookie, facilitators through their account; the
services decide who may do what. A refused form re-renders with its errors (422); an edit on a
replaced version re-renders with what changed and the text typed (409).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from deliberation.csv_files import LineProblem
from deliberation.db import get_session
from deliberation.errors import DomainError, Forbidden, Invalid, NotFound
from deliberation.extensions import htmx
from deliberation.forms.proposals import (
    AmendmentForm,
    AmendmentTranslationForm,
    EditProposalForm,
    HideForm,
    MergeForm,
    NewProposalForm,
    ProposalImportForm,
    ProposalTranslationForm,
    RejectAmendmentForm,
)
from deliberation.models import (
    Amendment,
    AmendmentStatus,
    Proposal,
    ProposalStatus,
    ReviewVerdict,
    Round,
    Translation,
)
from deliberation.models.proposals import EditInput
from deliberation.proposals import (
    amendments,
    curation,
    drafting,
    endorsements,
    importing,
    listing,
    moderation,
    translating,
)
from deliberation.proposals.diff import paragraphs, word_diff
from deliberation.proposals.drafting import Drafter, StaleEdit
from deliberation.services import round_admin
from deliberation.services.rounds import get_round, is_facilitator, round_territories
from deliberation.services.seed_import import ImportRejected
from deliberation.services.validation import MAX_ID
from deliberation.templating import LANGUAGE_NAMES, current_language, render
from deliberation.translations import participants as helpers
from deliberation.translations.reading import reader_languages
from deliberation.views.auth import login_required
from deliberation.views.confirmation import confirmation
from deliberation.views.facilitate import add_error as show_error
from deliberation.views.facilitate import moderation_tabs
from deliberation.views.participant_session import viewing_participant

bp = Blueprint("proposals", __name__)
T = TypeVar("T")
PROPOSAL_STATUS_NAMES = {
    ProposalStatus.DRAFT: _l("Draft"),
    ProposalStatus.SUBMITTED: _l("Submitted"),
    ProposalStatus.WITHDRAWN: _l("Withdrawn"),
    ProposalStatus.MERGED: _l("Merged"),
    ProposalStatus.SELECTED: _l("Selected for a decision"),
}


AMENDMENT_STATUS_NAMES = {
    AmendmentStatus.OPEN: _l("Open"),
    AmendmentStatus.ACCEPTED: _l("Accepted"),
    AmendmentStatus.REJECTED: _l("Rejected"),
}


@bp.context_processor
def _names() -> dict[str, Any]:
    return {
        "proposal_status_names": PROPOSAL_STATUS_NAMES,
        "amendment_status_names": AMENDMENT_STATUS_NAMES,
        "word_diff": word_diff,
    }


def redirect_to(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values), code=303)


def _drafter(round_: Round) -> Drafter:
    """Who is asking: the round's participant of this browser and/or a facilitator; 403 if
    neither."""
    participant = viewing_participant(round_)
    facilitator = is_facilitator(get_session(), round_, g.user)
    if participant is None and not facilitator:
        raise Forbidden(_l("Proposals are for this round's participants and facilitators."))
    return Drafter(participant, g.user if facilitator else None, facilitator)


def _languages(drafter: Drafter) -> list[str]:
    """The reader's languages: the interface's, then those the participant reads."""
    reads = drafter.participant.reading_languages if drafter.participant else []
    return reader_languages(current_language(), reads)


def _ids(values: list[str]) -> list[int]:
    """Ids from a form or a query string; anything else is a 422."""
    try:
        ids = [int(value) for value in values]
    except ValueError as error:
        raise Invalid(_l("A statement is named by its number.")) from error
    if any(not 1 <= i <= MAX_ID for i in ids):
        raise Invalid(_l("A statement is named by its number."))
    return ids


def _preview_attributes(form: NewProposalForm | EditProposalForm, round_: Round) -> None:
    """Live preview: htmx posts the text while it is typed (the Preview button does the same
    without JavaScript)."""
    form.text.render_kw = {
        **(form.text.render_kw or {}),
        "hx-post": url_for("proposals.preview", slug=round_.slug),
        "hx-trigger": "input changed delay:600ms",
        "hx-target": "#preview",
        "hx-swap": "outerHTML",
    }


def _credits(round_: Round, participant_ids: list[int | None]) -> listing.Credits:
    return listing.credits(get_session(), round_, participant_ids, language=current_language())


@dataclass(frozen=True)
class Asking:
    """A request about one proposal: its round, who asks (403 if neither a participant nor a
    facilitator of the round) and the proposal (404 if not of the round)."""

    round: Round
    drafter: Drafter
    proposal: Proposal


def _asking(slug: str, proposal_id: int) -> Asking:
    db = get_session()
    round_ = get_round(db, slug)
    drafter = _drafter(round_)
    return Asking(round_, drafter, drafting.get_proposal(db, round_, proposal_id))


def _save(form: FlaskForm, use_case: Callable[[], T]) -> tuple[T | None, int]:
    """Run ``use_case`` for a valid form: its result, committed, and 200; or, when the service
    refuses, None and the refusal's status, rolled back, the refusal shown on the form."""
    db = get_session()
    try:
        result = use_case()
    except DomainError as error:
        db.rollback()
        show_error(form, error)
        return None, error.status
    db.commit()
    return result, 200


def _done(asking: Asking, message: str) -> Response:
    """Commit the use case, say what happened, and go back to the proposal (303)."""
    get_session().commit()
    flash(message, "success")
    return redirect_to(
        "proposals.proposal_page", slug=asking.round.slug, proposal_id=asking.proposal.id
    )


# --- Writing ------------------------------------------------------------------------------


@bp.route("/r/<slug>/proposals/new", methods=["GET", "POST"])
def new_proposal(slug: str) -> Any:
    db = get_session()
    round_ = get_round(db, slug)
    drafter = _drafter(round_)
    form = NewProposalForm()
    form.language.choices = [(code, LANGUAGE_NAMES.get(code, code)) for code in round_.languages]
    _preview_attributes(form, round_)
    source = request.form if request.method == "POST" else request.args
    statement_ids = _ids(source.getlist("statements"))
    status = 200
    if request.method == "GET":
        language = current_language()
        form.language.data = language if language in round_.languages else round_.languages[0]
        form.display_name.data = drafting.display_name(db, drafter.participant)
    submitted = request.method == "POST" and "preview" not in request.form
    if submitted and form.validate_on_submit():
        proposal, status = _save(
            form,
            lambda: drafting.create_proposal(
                db, round_=round_, drafter=drafter, fields=form.to_fields()
            ),
        )
        if proposal is not None:
            flash(_("Your proposal is saved as a draft."), "success")
            return redirect_to("proposals.proposal_page", slug=slug, proposal_id=proposal.id)
    elif submitted:
        status = 422
    return render(
        "proposals/new.html",
        status=status,
        round=round_,
        form=form,
        drafter=drafter,
        statements=listing.statements_by_id(db, round_, statement_ids),
        preview=form.text.data if request.method == "POST" else None,
    )


@bp.post("/r/<slug>/proposals/preview")
def preview(slug: str) -> Any:
    """The text as it will show (state-free; a POST because it carries the text)."""
    round_ = get_round(get_session(), slug)
    _drafter(round_)
    text = request.form.get("text", "")
    return render("proposals/_preview.html", round=round_, preview=text)


@bp.route("/r/<slug>/proposals/<id:proposal_id>/edit", methods=["GET", "POST"])
def edit_proposal(slug: str, proposal_id: int) -> Any:
    db = get_session()
    asking = _asking(slug, proposal_id)
    round_, drafter, proposal = asking.round, asking.drafter, asking.proposal
    drafting.require_editor(db, proposal, drafter)
    form = EditProposalForm(
        data={
            "title": proposal.title,
            "text": proposal.text,
            "base_version": proposal.version,
            "display_name": drafting.display_name(db, drafter.participant),
        }
    )
    _preview_attributes(form, round_)
    status, stale = 200, None
    submitted = request.method == "POST" and "preview" not in request.form
    if submitted and form.validate_on_submit():
        fields: EditInput = form.to_fields()
        try:
            drafting.edit_proposal(
                db, round_=round_, proposal=proposal, drafter=drafter, fields=fields
            )
        except StaleEdit as error:
            db.rollback()
            stale = _stale(proposal, error, fields.base_version)
            form.base_version.data = str(error.current.version)
            status = 409
        except DomainError as error:
            db.rollback()
            show_error(form, error)
            status = error.status
        else:
            db.commit()
            flash(
                _("Your changes are saved as version %(number)s.", number=proposal.version),
                "success",
            )
            return redirect_to("proposals.proposal_page", slug=slug, proposal_id=proposal.id)
    elif submitted:
        status = 422
    return render(
        "proposals/edit.html",
        status=status,
        round=round_,
        proposal=proposal,
        form=form,
        drafter=drafter,
        stale=stale,
        preview=form.text.data if request.method == "POST" else None,
    )


def _stale(proposal: Proposal, error: StaleEdit, base_version: int) -> dict[str, Any]:
    """What changed between the version the editor started from and the current one."""
    db = get_session()
    current = error.current
    try:
        base = drafting.get_version(db, proposal, base_version)
        old_title, old_text = base.title, base.text
    except DomainError:
        old_title, old_text = "", ""
    return {
        "version": current.version,
        "title": word_diff(old_title, current.title),
        "text": word_diff(old_text, current.text),
    }


@bp.post("/r/<slug>/proposals/<id:proposal_id>/status")
def change_status(slug: str, proposal_id: int) -> Any:
    asking = _asking(slug, proposal_id)
    try:
        status = ProposalStatus(request.form.get("status", ""))
    except ValueError as error:
        raise Invalid(_l("This proposal cannot take this status now.")) from error
    drafting.change_status(
        get_session(),
        round_=asking.round,
        proposal=asking.proposal,
        drafter=asking.drafter,
        status=status,
    )
    if status == ProposalStatus.WITHDRAWN:
        ask = confirmation(
            _("Withdraw this proposal?"),
            consequence=_(
                "It will no longer be edited, amended or put to a decision. This cannot be undone."
            ),
            action=_("Withdraw the proposal"),
            back=url_for("proposals.proposal_page", slug=slug, proposal_id=proposal_id),
        )
        if ask is not None:
            return ask
    return _done(asking, _("The proposal's status is changed."))


# --- Reading ------------------------------------------------------------------------------


@bp.get("/r/<slug>/proposals")
def proposal_list(slug: str) -> Any:
    db = get_session()
    round_ = get_round(db, slug)
    drafter = _drafter(round_)
    status = request.args.get("status", "")
    territory_id = request.args.get("territory", None, type=int)
    statement_id = request.args.get("statement", None, type=int)
    sort = request.args.get("sort", "")
    statement = None
    if statement_id is not None:
        found = listing.statements_by_id(db, round_, [min(max(statement_id, 1), MAX_ID)])
        statement = found[0] if found else None
    chosen_status = ProposalStatus(status) if status in PROPOSAL_STATUS_NAMES else None
    chosen_sort = listing.Sort(sort) if sort in listing.Sort.__members__.values() else None
    rows = listing.list_proposals(
        db,
        round_,
        status=chosen_status,
        territory_id=territory_id,
        statement_id=statement.id if statement else None,
        sort=chosen_sort or listing.Sort.RECENT,
        with_hidden=drafter.facilitator,
    )
    filters = {
        "status": chosen_status or "",
        "territory": territory_id,
        "statement": statement.id if statement else None,
        "statement_text": statement.text if statement else "",
        "sort": chosen_sort or listing.Sort.RECENT,
    }
    return render(
        "proposals/list.html",
        round=round_,
        rows=rows,
        readings=translating.read_proposals(
            db, round_, [row.proposal for row in rows], _languages(drafter)
        ),
        filters=filters,
        territories=round_territories(db, round_),
    )


@bp.get("/r/<slug>/proposals/<id:proposal_id>")
def proposal_page(slug: str, proposal_id: int) -> Any:
    return _render_proposal(_asking(slug, proposal_id))


def _render_proposal(
    asking: Asking,
    *,
    status: int = 200,
    reject_errors: dict[int, list[Any]] | None = None,
    translation_form: ProposalTranslationForm | None = None,
    amendment_form: tuple[int, AmendmentTranslationForm] | None = None,
    review_errors: dict[int, list[Any]] | None = None,
) -> Any:
    """The proposal page; ``reject_errors`` are the problems of a refused rejection, by
    amendment id (shown beside its form); ``translation_form`` a refused translation of the
    proposal, ``amendment_form`` one of an amendment (with its id), ``review_errors`` a
    refused review, by translation id."""
    db = get_session()
    round_, drafter, proposal = asking.round, asking.drafter, asking.proposal
    authors = listing.authors(db, proposal)
    editor = drafting.can_edit(db, proposal, drafter)
    changes = amendments.amendments(db, proposal)
    languages = _languages(drafter)
    targets = translating.target_languages(drafter, round_, proposal)
    amendment_forms = {
        amendment.id or 0: _amendment_translation_form(targets, amendment.id or 0)
        for amendment in changes
        if targets and not amendment.hidden
    }
    if amendment_form is not None:
        amendment_forms[amendment_form[0]] = amendment_form[1]
    work = (
        helpers.text_work(
            db,
            round_=round_,
            participant=drafter.participant,
            sources=translating.proposal_sources(proposal, changes),
        )
        if drafter.participant is not None
        and not drafter.facilitator
        and translating.can_translate(drafter, round_)
        else None
    )
    return render(
        "proposals/proposal.html",
        status=status,
        round=round_,
        proposal=proposal,
        reading=translating.read_proposals(db, round_, [proposal], languages)[proposal.id or 0],
        amendment_readings=translating.read_amendments(db, round_, proposal, changes, languages),
        translation_form=(
            translation_form or _translation_form(targets)
            if targets and not proposal.hidden
            else None
        ),
        amendment_forms=amendment_forms,
        translations=(
            translating.proposal_translations(db, proposal) if drafter.facilitator else {}
        ),
        work=work,
        review_errors=review_errors or {},
        drafter=drafter,
        editor=editor,
        authors=authors,
        credits=_credits(
            round_, [a.participant_id for a in authors] + [c.participant_id for c in changes]
        ),
        statements=listing.with_agreement(
            db, round_, listing.linked_statements(db, proposal), language=current_language()
        ),
        invites=drafting.coauthor_invites(db, proposal) if editor else [],
        coauthor_token=drafting.coauthor_token,
        paragraphs=paragraphs(proposal.text),
        endorsements=endorsements.endorsement_tally(db, round_, proposal),
        endorsed=endorsements.has_endorsed(db, proposal, drafter.participant),
        amendments=[
            (
                amendment,
                amendments.is_outdated(amendment, proposal),
                amendments.support_tally(db, round_, amendment),
            )
            for amendment in changes
        ],
        supported=amendments.supporters(db, drafter.participant),
        merged_from=curation.merged_from(db, proposal),
        reject_errors=reject_errors or {},
    )


def _choices(languages: list[str]) -> list[tuple[str, str]]:
    return [(lang, LANGUAGE_NAMES.get(lang, lang)) for lang in languages]


def _translation_form(languages: list[str]) -> ProposalTranslationForm:
    form = ProposalTranslationForm()
    form.language.choices = _choices(languages)
    return form


def _amendment_translation_form(
    languages: list[str], amendment_id: int
) -> AmendmentTranslationForm:
    """One form per amendment on the page: its fields' ids carry the amendment's."""
    form = AmendmentTranslationForm()
    form.language.choices = _choices(languages)
    for each in form:
        each.id = each.label.field_id = f"amendment-{amendment_id}-{each.name}"
    return form


def _translated(asking: Asking) -> Response:
    """After a saved translation: a facilitator's is shown at once, a helper's waits."""
    if asking.drafter.facilitator:
        flash(_("The translation is saved."), "success")
    else:
        flash(_("Thank you: another participant will review your translation."), "success")
    return redirect_to(
        "proposals.proposal_page", slug=asking.round.slug, proposal_id=asking.proposal.id
    )


@bp.post("/r/<slug>/proposals/<id:proposal_id>/translations")
def translate(slug: str, proposal_id: int) -> Any:
    """A translation of the proposal, by a facilitator or a participant who helps translate."""
    asking = _asking(slug, proposal_id)
    if not translating.can_translate(asking.drafter, asking.round):
        raise Forbidden(
            _l(
                "Only the round's facilitators and the participants who help translate can translate a proposal."
            )
        )
    form = _translation_form(
        translating.target_languages(asking.drafter, asking.round, asking.proposal)
    )
    if not form.validate():
        return _render_proposal(asking, status=422, translation_form=form)
    status = _save(
        form,
        lambda: translating.translate_proposal(
            get_session(),
            round_=asking.round,
            drafter=asking.drafter,
            proposal=asking.proposal,
            fields=form.to_fields(),
        ),
    )[1]
    if status != 200:
        return _render_proposal(asking, status=status, translation_form=form)
    return _translated(asking)


@bp.post("/r/<slug>/proposals/<id:proposal_id>/amendments/<id:amendment_id>/translations")
def translate_amendment(slug: str, proposal_id: int, amendment_id: int) -> Any:
    """A translation of an amendment's paragraph and rationale, as ``translate``."""
    asking, amendment = _amendment(slug, proposal_id, amendment_id)
    if not translating.can_translate(asking.drafter, asking.round):
        raise Forbidden(
            _l(
                "Only the round's facilitators and the participants who help translate can translate a proposal."
            )
        )
    form = _amendment_translation_form(
        translating.target_languages(asking.drafter, asking.round, asking.proposal), amendment_id
    )
    if not form.validate():
        return _render_proposal(asking, status=422, amendment_form=(amendment_id, form))
    status = _save(
        form,
        lambda: translating.translate_amendment(
            get_session(),
            round_=asking.round,
            drafter=asking.drafter,
            proposal=asking.proposal,
            amendment=amendment,
            fields=form.to_fields(),
        ),
    )[1]
    if status != 200:
        return _render_proposal(asking, status=status, amendment_form=(amendment_id, form))
    return _translated(asking)


@bp.post("/r/<slug>/proposals/<id:proposal_id>/translations/<id:translation_id>/review")
def review_translation(slug: str, proposal_id: int, translation_id: int) -> Any:
    """A helper's verdict on another participant's translation of this proposal or of one
    of its amendments: yes, no, or a better translation."""
    db = get_session()
    asking = _asking(slug, proposal_id)
    participant = asking.drafter.participant
    if participant is None:
        raise Forbidden(_l("Translation tasks are for helpers who read both languages."))
    sources = translating.proposal_sources(
        asking.proposal, amendments.amendments(db, asking.proposal)
    )
    translation = db.get(Translation, translation_id)
    if translation is None or (translation.kind, translation.text_id) not in {
        (source.kind, source.id) for source in sources
    }:
        raise NotFound(_l("This translation does not exist in this round."))
    try:
        verdict = ReviewVerdict(request.form.get("verdict", ""))
        helpers.review_translation(
            db,
            round_=asking.round,
            participant=participant,
            translation_id=translation_id,
            verdict=verdict,
            better=request.form.get("better", ""),
        )
    except ValueError:
        db.rollback()
        return _render_proposal(
            asking,
            status=422,
            review_errors={
                translation_id: [_l("Answer yes, no, or suggest a better translation.")]
            },
        )
    except DomainError as error:
        db.rollback()
        return _render_proposal(
            asking, status=error.status, review_errors={translation_id: [error.message]}
        )
    db.commit()
    flash(_("Thank you for your review."), "success")
    return redirect_to(
        "proposals.proposal_page", slug=asking.round.slug, proposal_id=asking.proposal.id
    )


@bp.get("/r/<slug>/proposals/<id:proposal_id>/history")
def history(slug: str, proposal_id: int) -> Any:
    asking = _asking(slug, proposal_id)
    versions = drafting.versions(get_session(), asking.proposal)
    return render(
        "proposals/history.html",
        round=asking.round,
        proposal=asking.proposal,
        versions=versions,
        credits=_credits(asking.round, [v.participant_id for v in versions]),
    )


@bp.get("/r/<slug>/proposals/<id:proposal_id>/compare")
def compare(slug: str, proposal_id: int) -> Any:
    db = get_session()
    asking = _asking(slug, proposal_id)
    proposal = asking.proposal
    newer = request.args.get("to", proposal.version, type=int)
    older = request.args.get("from", max(newer - 1, 1), type=int)
    before = drafting.get_version(db, proposal, min(max(older, 1), MAX_ID))
    after = drafting.get_version(db, proposal, min(max(newer, 1), MAX_ID))
    return render(
        "proposals/compare.html",
        round=asking.round,
        proposal=proposal,
        before=before,
        after=after,
        numbers=range(proposal.version, 0, -1),
        title_changes=word_diff(before.title, after.title),
        text_changes=word_diff(before.text, after.text),
    )


# --- Co-authors ---------------------------------------------------------------------------


@bp.post("/r/<slug>/proposals/<id:proposal_id>/coauthor-links")
def create_coauthor_link(slug: str, proposal_id: int) -> Any:
    asking = _asking(slug, proposal_id)
    drafting.create_coauthor_invite(
        get_session(), round_=asking.round, proposal=asking.proposal, drafter=asking.drafter
    )
    return _done(asking, _("A new co-author link is ready: send it to the person you invite."))


@bp.post("/r/<slug>/proposals/<id:proposal_id>/coauthor-links/<id:invite_id>/revoke")
def revoke_coauthor_link(slug: str, proposal_id: int, invite_id: int) -> Any:
    asking = _asking(slug, proposal_id)
    drafting.revoke_coauthor_invite(
        get_session(), proposal=asking.proposal, drafter=asking.drafter, invite_id=invite_id
    )
    ask = confirmation(
        _("Revoke this co-author link?"),
        consequence=_(
            "Nobody can join the authors through it any more; co-authors who joined stay. "
            "This cannot be undone."
        ),
        action=_("Revoke the link"),
        back=url_for("proposals.proposal_page", slug=slug, proposal_id=proposal_id),
    )
    if ask is not None:
        return ask
    return _done(asking, _("The co-author link is revoked."))


@bp.route("/r/<slug>/coauthor/<token>", methods=["GET", "POST"])
def join_as_coauthor(slug: str, token: str) -> Any:
    db = get_session()
    round_ = get_round(db, slug)
    invite = drafting.resolve_coauthor_invite(db, round_, token)
    drafter = _drafter(round_)
    proposal = drafting.get_proposal(db, round_, invite.proposal_id)
    form = FlaskForm()
    if form.validate_on_submit():
        drafting.join_as_coauthor(db, round_=round_, invite=invite, drafter=drafter)
        db.commit()
        flash(_("You are now a co-author of this proposal."), "success")
        return redirect_to("proposals.proposal_page", slug=slug, proposal_id=proposal.id)
    return render(
        "proposals/coauthor.html",
        status=422 if request.method == "POST" else 200,
        round=round_,
        proposal=proposal,
        form=form,
        token=token,
    )


# --- Endorsements and amendments -----------------------------------------------------------


@bp.post("/r/<slug>/proposals/<id:proposal_id>/endorsement")
def endorse(slug: str, proposal_id: int) -> Any:
    asking = _asking(slug, proposal_id)
    withdraw = request.form.get("endorse") == "no"
    use_case = endorsements.withdraw_endorsement if withdraw else endorsements.endorse
    use_case(
        get_session(),
        round_=asking.round,
        proposal=asking.proposal,
        participant=asking.drafter.participant,
    )
    if withdraw:
        return _done(asking, _("You no longer endorse this proposal."))
    return _done(asking, _("You endorse this proposal."))


@bp.route("/r/<slug>/proposals/<id:proposal_id>/amendments/new", methods=["GET", "POST"])
def new_amendment(slug: str, proposal_id: int) -> Any:
    db = get_session()
    asking = _asking(slug, proposal_id)
    round_, drafter, proposal = asking.round, asking.drafter, asking.proposal
    blocks = paragraphs(proposal.text)
    form = AmendmentForm()
    if request.method == "GET":
        amendments.require_amendable(round_, proposal)
        number = request.args.get("paragraph", 0, type=int)
        if not 0 <= number < len(blocks):
            raise NotFound(_l("This proposal has no such paragraph."))
        form.paragraph.data = number
        form.replacement.data = blocks[number]
        form.display_name.data = drafting.display_name(db, drafter.participant)
    status = 200
    if form.validate_on_submit():
        amendment, status = _save(
            form,
            lambda: amendments.propose_amendment(
                db, round_=round_, proposal=proposal, drafter=drafter, fields=form.to_fields()
            ),
        )
        if amendment is not None:
            flash(_("Your amendment is proposed to the authors."), "success")
            return redirect_to("proposals.proposal_page", slug=slug, proposal_id=proposal_id)
    elif request.method == "POST":
        status = 422
    number = int(form.paragraph.data) if str(form.paragraph.data or "").isdigit() else 0
    return render(
        "proposals/amendment.html",
        status=status,
        round=round_,
        proposal=proposal,
        form=form,
        drafter=drafter,
        original=blocks[number] if 0 <= number < len(blocks) else "",
    )


def _amendment(slug: str, proposal_id: int, amendment_id: int) -> tuple[Asking, Amendment]:
    asking = _asking(slug, proposal_id)
    return asking, amendments.get_amendment(get_session(), asking.proposal, amendment_id)


@bp.post("/r/<slug>/proposals/<id:proposal_id>/amendments/<id:amendment_id>/support")
def support_amendment(slug: str, proposal_id: int, amendment_id: int) -> Any:
    asking, amendment = _amendment(slug, proposal_id, amendment_id)
    amendments.support(
        get_session(),
        round_=asking.round,
        proposal=asking.proposal,
        amendment=amendment,
        participant=asking.drafter.participant,
    )
    return _done(asking, _("You support this amendment."))


@bp.post("/r/<slug>/proposals/<id:proposal_id>/amendments/<id:amendment_id>/accept")
def accept_amendment(slug: str, proposal_id: int, amendment_id: int) -> Any:
    asking, amendment = _amendment(slug, proposal_id, amendment_id)
    amendments.accept(
        get_session(),
        round_=asking.round,
        proposal=asking.proposal,
        amendment=amendment,
        drafter=asking.drafter,
    )
    return _done(
        asking,
        _("The amendment is accepted as version %(number)s.", number=asking.proposal.version),
    )


@bp.post("/r/<slug>/proposals/<id:proposal_id>/amendments/<id:amendment_id>/reject")
def reject_amendment(slug: str, proposal_id: int, amendment_id: int) -> Any:
    """Reject with a reason; a missing or bad reason re-renders the page with the problem
    beside the form (422)."""
    asking, amendment = _amendment(slug, proposal_id, amendment_id)
    form = RejectAmendmentForm()
    if not form.validate_on_submit():
        errors = [message for messages in form.errors.values() for message in messages]
        return _render_proposal(asking, status=422, reject_errors={amendment_id: errors})
    amendments.reject(
        get_session(),
        round_=asking.round,
        proposal=asking.proposal,
        amendment=amendment,
        drafter=asking.drafter,
        fields=form.to_fields(),
    )
    return _done(asking, _("The amendment is rejected."))


# --- Facilitators ---------------------------------------------------------------------------


def _merge_form(round_: Round, rows: list[listing.ProposalRow], **kwargs: Any) -> MergeForm:
    """The merge form, offering the proposals being drafted and the round's languages; until
    one is posted, the language is the first offered proposal's."""
    form = MergeForm(**kwargs)
    active = [row.proposal for row in rows if row.proposal.status in drafting.ACTIVE]
    choices = [(str(proposal.id), proposal.title) for proposal in active]
    form.first.choices = choices
    form.second.choices = list(choices)
    form.language.choices = _choices(round_.languages)
    if form.language.raw_data is None and active:
        form.language.data = active[0].language
    return form


@bp.route("/facilitate/rounds/<id:round_id>/proposals", methods=["GET", "POST"])
@login_required
def facilitate_proposals(round_id: int) -> Any:
    """The round's proposals for its facilitators: select them for a decision, merge two."""
    db = get_session()
    round_ = round_admin.facilitated_round(db, round_id=round_id, user=g.user)
    rows = listing.list_proposals(db, round_, sort=listing.Sort.ENDORSEMENTS)
    form = _merge_form(round_, rows)
    status = 200
    if form.validate_on_submit():
        merged, status = _save(
            form,
            lambda: curation.merge_proposals(
                db, round_=round_, user=g.user, fields=form.to_fields()
            ),
        )
        if merged is not None:
            flash(_("The two proposals are merged into a new one."), "success")
            return redirect_to("proposals.proposal_page", slug=round_.slug, proposal_id=merged.id)
    elif request.method == "POST":
        status = 422
    return _render_facilitate(round_, rows, status=status, form=form)


def _render_facilitate(
    round_: Round,
    rows: list[listing.ProposalRow],
    *,
    status: int = 200,
    form: MergeForm | None = None,
    import_form: ProposalImportForm | None = None,
    problems: list[LineProblem] | None = None,
) -> Any:
    if form is None:
        form = _merge_form(round_, rows, formdata=None)
    return render(
        "proposals/facilitate.html",
        status=status,
        round=round_,
        rows=rows,
        form=form,
        import_form=import_form or ProposalImportForm(formdata=None),
        problems=problems or [],
    )


@bp.post("/facilitate/rounds/<id:round_id>/proposals/import")
@login_required
def import_proposals(round_id: int) -> Any:
    """Proposals from a CSV file, all or nothing (every problem listed by line)."""
    db = get_session()
    round_ = round_admin.facilitated_round(db, round_id=round_id, user=g.user)
    form = ProposalImportForm()
    problems: list[LineProblem] = []
    status = 422
    if form.validate_on_submit():
        try:
            imported = importing.import_proposals_csv(
                db, round_=round_, user=g.user, data=form.file.data.read()
            )
        except ImportRejected as error:
            db.rollback()
            form.form_errors.append(error.message)
            problems = error.problems
        except DomainError as error:
            db.rollback()
            form.form_errors.append(error.message)
            status = error.status
        else:
            db.commit()
            flash(
                ngettext(
                    "%(num)d proposal imported.", "%(num)d proposals imported.", len(imported)
                ),
                "success",
            )
            return redirect_to("proposals.facilitate_proposals", round_id=round_id)
    rows = listing.list_proposals(db, round_, sort=listing.Sort.ENDORSEMENTS)
    return _render_facilitate(round_, rows, status=status, import_form=form, problems=problems)


@bp.post("/facilitate/rounds/<id:round_id>/proposals/<id:proposal_id>/select")
@login_required
def select_proposal(round_id: int, proposal_id: int) -> Any:
    db = get_session()
    round_ = round_admin.facilitated_round(db, round_id=round_id, user=g.user)
    curation.select_proposal(db, round_=round_, user=g.user, proposal_id=proposal_id)
    db.commit()
    flash(_("The proposal is selected for the decision."), "success")
    return redirect_to("proposals.facilitate_proposals", round_id=round_id)


# --- Moderation -----------------------------------------------------------------------------


def _moderation_kind(kind: str) -> moderation.Kind:
    try:
        return moderation.Kind(kind)
    except ValueError as error:
        raise NotFound(_l("This does not exist in this round.")) from error


def _render_moderation(
    round_: Round, *, status: int = 200, item_errors: dict[tuple[str, int], list[Any]] | None = None
) -> Any:
    return render(
        "proposals/moderation.html",
        status=status,
        round=round_,
        queue=moderation.drafting_queue(get_session(), round_=round_, user=g.user),
        tabs=moderation_tabs(round_, "drafting"),
        item_errors=item_errors or {},
        kind_names=MODERATION_KIND_NAMES,
    )


MODERATION_KIND_NAMES = {
    moderation.Kind.PROPOSAL: _l("Proposals"),
    moderation.Kind.AMENDMENT: _l("Amendments"),
    moderation.Kind.DISPLAY_NAME: _l("Display names"),
}


@bp.get("/facilitate/rounds/<id:round_id>/moderation/drafting")
@login_required
def moderation_page(round_id: int) -> Any:
    """What participants wrote while drafting, for the facilitators to hide or show again."""
    round_ = round_admin.facilitated_round(get_session(), round_id=round_id, user=g.user)
    return _render_moderation(round_)


@bp.post("/facilitate/rounds/<id:round_id>/moderation/drafting/<kind>/<id:target_id>")
@login_required
def moderate(round_id: int, kind: str, target_id: int) -> Any:
    """Hide (with a reason) or show again one proposal, amendment or display name. With htmx,
    the answer is its row, with the tabs' counts out of band."""
    db = get_session()
    round_ = round_admin.facilitated_round(db, round_id=round_id, user=g.user)
    chosen = _moderation_kind(kind)
    moderation.get_target(db, round_=round_, kind=chosen, target_id=target_id)
    try:
        action = moderation.Action(request.form.get("action", ""))
    except ValueError as error:
        raise Invalid(_l("Choose to hide it or to show it again.")) from error
    form = HideForm() if action == moderation.Action.HIDE else FlaskForm()
    errors: list[Any] = []
    if form.validate_on_submit():
        try:
            moderation.moderate(
                db,
                round_=round_,
                user=g.user,
                kind=chosen,
                target_id=target_id,
                action=action,
                fields=form.to_fields() if isinstance(form, HideForm) else None,
            )
        except DomainError as error:
            db.rollback()
            errors.append(error.message)
        else:
            db.commit()
            done = moderation.DONE[(chosen, action)]
            if not htmx:
                flash(str(done), "success")
                return redirect_to("proposals.moderation_page", round_id=round_id)
            return _moderation_item(round_, chosen, target_id, done=done)
    else:
        errors.extend(message for messages in form.errors.values() for message in messages)
    if htmx:
        return _moderation_item(round_, chosen, target_id, errors=errors, status=422)
    return _render_moderation(round_, status=422, item_errors={(chosen, target_id): errors})


def _moderation_item(
    round_: Round,
    kind: moderation.Kind,
    target_id: int,
    *,
    done: Any = None,
    errors: list[Any] | None = None,
    status: int = 200,
) -> Any:
    item = moderation.queue_item(
        get_session(), round_=round_, user=g.user, kind=kind, target_id=target_id
    )
    return render(
        "proposals/_moderation_item.html",
        status=status,
        round=round_,
        item=item,
        done=done,
        errors=errors or [],
        tabs=moderation_tabs(round_, "drafting"),
        oob=True,
    )
