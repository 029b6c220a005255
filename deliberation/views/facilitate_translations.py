"""The facilitators' translation pages: what is translated, each statement's translations,
moderation of translations, and PO files per language. Routes of the ``facilitate`` blueprint."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, g, request
from flask_babel import gettext as _
from flask_babel import ngettext

from deliberation.csv_files import LineProblem
from deliberation.db import get_session
from deliberation.errors import Invalid, NotFound
from deliberation.forms.facilitate import PoImportForm, TranslationForm, TranslationModerationForm
from deliberation.models import Round
from deliberation.services import counts, moderation
from deliberation.services.seed_import import ImportRejected
from deliberation.services.votes import get_statement
from deliberation.templating import LANGUAGE_NAMES, render
from deliberation.translations import coverage, po
from deliberation.translations.texts import save_human_translation
from deliberation.views.auth import login_required
from deliberation.views.facilitate import bp, facilitated_round, redirect_to, requested_page


def _import_form(round_: Round) -> PoImportForm:
    form = PoImportForm()
    form.language.choices = [(code, LANGUAGE_NAMES.get(code, code)) for code in round_.languages]
    return form


def _render_translations(
    round_: Round,
    *,
    import_form: PoImportForm | None = None,
    problems: list[LineProblem] | None = None,
    filename: str = "",
    status: int = 200,
) -> Any:
    db = get_session()
    if import_form is None:
        import_form = _import_form(round_)
        import_form.process(formdata=None)
    return render(
        "facilitate/translations.html",
        round=round_,
        listing=coverage.coverage_page(db, round_=round_, user=g.user, page=requested_page()),
        shares=coverage.readable_shares(db, round_),
        by_language=counts.language_counts(db, round_=round_, user=g.user),
        import_form=import_form,
        problems=problems or [],
        filename=filename,
        status=status,
    )


@bp.get("/rounds/<id:round_id>/translations")
@login_required
def translations(round_id: int) -> Any:
    return _render_translations(facilitated_round(round_id))


@bp.get("/rounds/<id:round_id>/translations/<language>.po")
@login_required
def export_po(round_id: int, language: str) -> Any:
    round_ = facilitated_round(round_id)
    if language not in round_.languages:
        raise NotFound(_("This round does not offer this language."))
    body = po.export_po(get_session(), round_=round_, user=g.user, language=language)
    return Response(
        body,
        mimetype="text/x-gettext-translation",
        headers={"Content-Disposition": f'attachment; filename="{round_.slug}-{language}.po"'},
    )


@bp.post("/rounds/<id:round_id>/translations/import")
@login_required
def import_po(round_id: int) -> Any:
    db = get_session()
    round_ = facilitated_round(round_id)
    form = _import_form(round_)
    if form.validate_on_submit():
        filename = form.file.data.filename or "file.po"
        try:
            count = po.import_po(
                db,
                round_=round_,
                user=g.user,
                language=form.language.data or "",
                data=form.file.data.read(),
            )
        except ImportRejected as error:
            db.rollback()
            form.form_errors.append(error.message)
            return _render_translations(
                round_, import_form=form, problems=error.problems, filename=filename, status=422
            )
        db.commit()
        flash(
            ngettext("%(num)d translation imported.", "%(num)d translations imported.", count),
            "success",
        )
        return redirect_to("facilitate.translations", round_id=round_.id)
    return _render_translations(round_, import_form=form, status=422)


def _render_statement(
    round_: Round,
    statement_id: int,
    *,
    form: TranslationForm | None = None,
    status: int = 200,
) -> Any:
    db = get_session()
    return render(
        "facilitate/statement.html",
        round=round_,
        page=coverage.statement_translations(
            db, round_=round_, user=g.user, statement_id=statement_id
        ),
        by_language=counts.language_counts(
            db, round_=round_, user=g.user, statement_id=statement_id
        ),
        form=form,
        status=status,
    )


@bp.get("/rounds/<id:round_id>/statements/<id:statement_id>")
@login_required
def statement_page(round_id: int, statement_id: int) -> Any:
    return _render_statement(facilitated_round(round_id), statement_id)


@bp.post("/rounds/<id:round_id>/statements/<id:statement_id>/translations")
@login_required
def save_translation(round_id: int, statement_id: int) -> Any:
    db = get_session()
    round_ = facilitated_round(round_id)
    statement = get_statement(db, round_, statement_id)
    form = TranslationForm()
    if form.validate_on_submit():
        try:
            save_human_translation(
                db,
                round_=round_,
                user=g.user,
                statement=statement,
                language=form.language.data or "",
                text=form.text.data or "",
            )
        except Invalid as error:
            db.rollback()
            form.text.errors = [*form.text.errors, error.message]
        else:
            db.commit()
            flash(_("The translation is saved."), "success")
            return redirect_to(
                "facilitate.statement_page", round_id=round_.id, statement_id=statement_id
            )
    return _render_statement(round_, statement_id, form=form, status=422)


@bp.post("/rounds/<id:round_id>/translations/<id:translation_id>/moderate")
@login_required
def moderate_translation(round_id: int, translation_id: int) -> Any:
    """Accept, reject or mark reviewed; back to the moderation queue when ``?back=moderation``,
    else to the statement's page. A refusal (no reason to reject, nothing to change) is an
    error page that changes nothing."""
    db = get_session()
    round_ = facilitated_round(round_id)
    form = TranslationModerationForm()
    if not form.validate_on_submit():
        raise Invalid(_("Choose an action."))
    translation = moderation.moderate_translation(
        db,
        round_=round_,
        user=g.user,
        translation_id=translation_id,
        action=moderation.TranslationAction(form.action.data),
        reason=form.reason.data,
    )
    db.commit()
    flash(_("The translation is moderated."), "success")
    if request.args.get("back") == "moderation":
        return redirect_to("facilitate.moderation_page", round_id=round_.id)
    return redirect_to(
        "facilitate.statement_page", round_id=round_.id, statement_id=translation.text_id
    )
