"""The report: facilitators compose outcomes and publish versions; everyone reads every
published version at its permalink, in every form, and compares two versions."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from deliberation.db import get_session
from deliberation.decisions.ballots import STANCE_NAMES
from deliberation.decisions.methods import METHOD_NAMES
from deliberation.decisions.results import COUNT_KINDS, WEIGHTING_NAMES
from deliberation.errors import DomainError, Invalid, NotFound
from deliberation.forms.councils import DECISION_NAMES, IMPLEMENTATION_NAMES
from deliberation.forms.reports import KIND_NAMES, OutcomeForm, OutcomeTranslationForm
from deliberation.models import Council, Outcome, Phase, ReportVersion, Round
from deliberation.polis.export import export_round
from deliberation.reports import companions, feed, outcomes, package, publishing, support
from deliberation.reports.links import public_url
from deliberation.reports.presentation import report_view
from deliberation.reports.schema import outcome_schema
from deliberation.reports.text import markdown_escape
from deliberation.services.rounds import get_round, is_facilitator
from deliberation.templating import LANGUAGE_NAMES, current_language, render
from deliberation.views.auth import login_required
from deliberation.views.facilitate import add_error, facilitated_round
from deliberation.views.proposals import PROPOSAL_STATUS_NAMES

bp = Blueprint("reports", __name__)
bp.add_app_template_filter(markdown_escape, "markdown_escape")
IMMUTABLE = "public, max-age=31536000, immutable"
NAMES: dict[str, Any] = {
    "kind_names": KIND_NAMES,
    "level_names": companions.LEVEL_NAMES,
    "stance_names": companions.STANCE_NAMES,
    "proposal_status_names": PROPOSAL_STATUS_NAMES,
    "method_names": METHOD_NAMES,
    "weighting_names": WEIGHTING_NAMES,
    "count_kinds": COUNT_KINDS,
    "stance_names_decision": STANCE_NAMES,
    "decision_names": DECISION_NAMES,
    "implementation_names": IMPLEMENTATION_NAMES,
}
"""The translated names the report's forms (HTML, Markdown) give to the document's codes."""
THRESHOLDS = {
    "strong": support.STRONG_RATE,
    "moderate": support.MODERATE_RATE,
    "dissent": support.DISSENT_RATE,
}


def _redirect(endpoint: str, **values: Any) -> Any:
    return redirect(url_for(endpoint, **values), code=303)


# --- Composing (facilitators) -------------------------------------------------------------


def _outcome_form(round_: Round, outcome: Outcome | None = None) -> OutcomeForm:
    db = get_session()
    form = OutcomeForm(obj=outcome) if outcome is not None else OutcomeForm()
    form.statement_ids.choices = [
        (c.statement.id, c.statement.text) for c in outcomes.candidates(db, round_)
    ]
    form.proposal_ids.choices = [(p.id, p.title) for p in outcomes.reported_proposals(db, round_)]
    form.decision_ids.choices = [(d.id, d.title) for d, _ in outcomes.counted_decisions(db, round_)]
    councils = db.exec(select(Council).order_by(Council.slug)).all()  # type: ignore[arg-type]
    form.council_ids.choices = [(c.id, c.name(current_language())) for c in councils]
    if outcome is not None and request.method == "GET":
        form.council_ids.data = [
            c.id for c in outcomes.addressed_councils(db, [outcome]).get(outcome.id or 0, [])
        ]
    elif request.method == "GET":
        form.language.data = round_.languages[0] if round_.languages else "en"
    return form


def _render_outcomes(round_: Round, form: OutcomeForm, status: int = 200) -> Response:
    db = get_session()
    found = outcomes.round_outcomes(db, round_)
    return render(
        "reports/outcomes.html",
        round=round_,
        outcomes=found,
        addressed=outcomes.addressed_councils(db, found),
        candidates={c.statement.id: c for c in outcomes.candidates(db, round_)},
        versions=publishing.round_versions(db, round_),
        form=form,
        kind_names=KIND_NAMES,
        composing=round_.phase in outcomes.COMPOSING_PHASES,
        status=status,
    )


@bp.get("/facilitate/rounds/<id:round_id>/outcomes")
@login_required
def outcomes_page(round_id: int) -> Any:
    round_ = facilitated_round(round_id)
    return _render_outcomes(round_, _outcome_form(round_))


@bp.post("/facilitate/rounds/<id:round_id>/outcomes")
@login_required
def create_outcome(round_id: int) -> Any:
    db = get_session()
    round_ = facilitated_round(round_id)
    form = _outcome_form(round_)
    if form.validate():
        try:
            outcomes.create_outcome(db, round_=round_, user=g.user, fields=form.to_fields())
        except DomainError as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            flash(_("The outcome is written."), "success")
            return _redirect("reports.outcomes_page", round_id=round_.id)
    return _render_outcomes(round_, form, status=422)


@bp.route("/facilitate/rounds/<id:round_id>/outcomes/<id:outcome_id>/edit", methods=["GET", "POST"])
@login_required
def edit_outcome(round_id: int, outcome_id: int) -> Any:
    db = get_session()
    round_ = facilitated_round(round_id)
    outcome = outcomes.get_outcome(db, round_, outcome_id)
    form = _outcome_form(round_, outcome)
    if request.method == "POST":
        if form.validate():
            try:
                outcomes.update_outcome(
                    db, round_=round_, user=g.user, outcome=outcome, fields=form.to_fields()
                )
            except DomainError as error:
                db.rollback()
                add_error(form, error)
            else:
                db.commit()
                flash(_("The outcome is saved."), "success")
                return _redirect("reports.outcomes_page", round_id=round_.id)
        status = 422
    else:
        status = 200
    return _outcome_page(round_, outcome, form, _translation_form(round_, outcome), status)


def _translation_form(round_: Round, outcome: Outcome) -> OutcomeTranslationForm:
    form = OutcomeTranslationForm()
    others = [lang for lang in round_.languages if lang != outcome.language]
    form.language.choices = [(lang, LANGUAGE_NAMES.get(lang, lang)) for lang in others]
    return form


def _outcome_page(
    round_: Round,
    outcome: Outcome,
    form: OutcomeForm,
    translation_form: OutcomeTranslationForm,
    status: int,
) -> Response:
    db = get_session()
    return render(
        "reports/outcome_form.html",
        round=round_,
        outcome=outcome,
        form=form,
        translation_form=translation_form,
        translations=outcomes.outcome_translations(db, round_, [outcome]).get(outcome.id or 0, {}),
        candidates={c.statement.id: c for c in outcomes.candidates(db, round_)},
        status=status,
    )


@bp.post("/facilitate/rounds/<id:round_id>/outcomes/<id:outcome_id>/translations")
@login_required
def translate_outcome(round_id: int, outcome_id: int) -> Any:
    db = get_session()
    round_ = facilitated_round(round_id)
    outcome = outcomes.get_outcome(db, round_, outcome_id)
    form = _translation_form(round_, outcome)
    if form.validate():
        try:
            outcomes.translate_outcome(
                db, round_=round_, user=g.user, outcome=outcome, fields=form.to_fields()
            )
        except DomainError as error:
            db.rollback()
            add_error(form, error)
        else:
            db.commit()
            flash(_("The translation is saved."), "success")
            return _redirect("reports.edit_outcome", round_id=round_.id, outcome_id=outcome.id)
    return _outcome_page(round_, outcome, _outcome_form(round_, outcome), form, 422)


@bp.post("/facilitate/rounds/<id:round_id>/outcomes/<id:outcome_id>/delete")
@login_required
def delete_outcome(round_id: int, outcome_id: int) -> Any:
    db = get_session()
    round_ = facilitated_round(round_id)
    outcome = outcomes.get_outcome(db, round_, outcome_id)
    outcomes.delete_outcome(db, round_=round_, user=g.user, outcome=outcome)
    db.commit()
    flash(_("The outcome is deleted."), "success")
    return _redirect("reports.outcomes_page", round_id=round_.id)


@bp.post("/facilitate/rounds/<id:round_id>/publish")
@login_required
def publish(round_id: int) -> Any:
    db = get_session()
    round_ = facilitated_round(round_id)
    version = publishing.publish_report(
        db, round_=round_, user=g.user, commit=current_app.config["COMMIT"]
    )
    db.commit()
    flash(_("Version %(number)d of the report is published.", number=version.number), "success")
    return _redirect("reports.version_page", slug=round_.slug, number=version.number)


# --- Reading (everyone) -------------------------------------------------------------------


def _version(slug: str, number: int | None) -> tuple[Round, ReportVersion]:
    db = get_session()
    round_ = get_round(db, slug)
    return round_, publishing.get_version(db, round_, number)


def _frozen(
    body: str | bytes,
    mimetype: str,
    version: ReportVersion,
    filename: str,
    *,
    language: str | None = None,
) -> Any:
    """A form of a published version: immutable, with a strong ETag on its checksum. A form
    written in the reader's ``language`` (its headings, its labels) is one representation per
    language: the language is in its ETag, and caches keep one copy per language."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = IMMUTABLE
    tag = f"{version.sha256}-{filename}"
    if language is not None:
        tag = f"{version.sha256}-{language}-{filename}"
        response.headers["Content-Language"] = language
        response.vary.update(("Accept-Language", "Cookie"))
    response.set_etag(tag)
    return response.make_conditional(request)


def _page(round_: Round, version: ReportVersion, latest: bool) -> Response:
    db = get_session()
    later = publishing.later_responses(db, version)
    return render(
        "reports/report.html",
        round=round_,
        version=version,
        view=report_view(version.document, current_language(), sort=request.args.get("sort")),
        versions=publishing.round_versions(db, round_),
        facilitator=is_facilitator(db, round_, g.user),
        latest=latest,
        later_responses=later,
        council_names=_council_names(later),
        thresholds=THRESHOLDS,
        **NAMES,
    )


def _council_names(responses: list[dict[str, Any]]) -> dict[str, str]:
    """The names of the councils of ``responses`` (by document id) in the reader's language."""
    slugs = {r["council"].removeprefix("cnl:") for r in responses}
    councils = get_session().exec(select(Council).where(col(Council.slug).in_(slugs))).all()
    return {f"cnl:{c.slug}": c.name(current_language()) for c in councils}


@bp.get("/r/<slug>/report")
def report_page(slug: str) -> Any:
    round_, version = _version(slug, None)
    return _page(round_, version, latest=True)


@bp.get("/r/<slug>/report/v<id:number>")
def version_page(slug: str, number: int) -> Any:
    round_, version = _version(slug, number)
    return _page(round_, version, latest=False)


@bp.get("/r/<slug>/report/v<id:number>/outcome.json")
def version_json(slug: str, number: int) -> Any:
    round_, version = _version(slug, number)
    body = json.dumps(version.document, ensure_ascii=False, indent=2, sort_keys=True)
    return _frozen(body, "application/json", version, f"{round_.slug}-v{number}.json")


@bp.get("/r/<slug>/report/v<id:number>/report.md")
def version_markdown(slug: str, number: int) -> Any:
    round_, version = _version(slug, number)
    body = render_markdown_report(version)
    return _frozen(
        body,
        "text/markdown",
        version,
        f"{round_.slug}-v{number}.md",
        language=current_language(),
    )


def render_markdown_report(version: ReportVersion) -> str:
    """The Markdown form of ``version`` (a text template: no HTML escaping, Markdown's own)."""
    return render_template(
        "reports/report.md",
        version=version,
        view=report_view(version.document, current_language()),
        thresholds=THRESHOLDS,
        **NAMES,
    )


@bp.get("/r/<slug>/report/v<id:number>/outcomes_by_territory.csv")
def version_territory_csv(slug: str, number: int) -> Any:
    _, version = _version(slug, number)
    language = current_language()
    body = companions.outcomes_by_territory(version.document, language)
    return _frozen(body, "text/csv", version, "outcomes_by_territory.csv", language=language)


@bp.get("/r/<slug>/report/v<id:number>/outcomes.decidim-accountability.<council>.csv")
def version_decidim(slug: str, number: int, council: str) -> Any:
    _, version = _version(slug, number)
    if f"cnl:{council}" not in {c["id"] for c in version.document["councils"]}:
        raise NotFound(_l("No outcome of this version is addressed to this council."))
    body = companions.decidim_accountability(version.document, f"cnl:{council}")
    filename = f"outcomes.decidim-accountability.{council}.csv"
    return _frozen(body, "text/csv", version, filename)


def _polis_files(round_: Round) -> list[tuple[str, bytes]]:
    """The round's public Pol.is set (its votes, unchanged since it closed): (name, content)."""
    with tempfile.TemporaryDirectory() as folder:
        export_round(get_session(), round_, Path(folder), public=True)
        return [(path.name, path.read_bytes()) for path in sorted(Path(folder).iterdir())]


def _attachment(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/r/<slug>/report/v<id:number>/polis.zip")
def version_polis(slug: str, number: int) -> Any:
    """The public Pol.is set of the round."""
    round_, version = _version(slug, number)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in _polis_files(round_):
            archive.writestr(name, content)
    return _attachment(buffer.getvalue(), f"{round_.slug}-v{version.number}-polis.zip")


@bp.get("/r/<slug>/report/v<id:number>/datapackage.zip")
def version_package(slug: str, number: int) -> Any:
    """Every form of the version in one zip, described by a Frictionless datapackage.json."""
    round_, version = _version(slug, number)
    document = version.document
    language = current_language()
    files = [
        package.PackageFile(
            "outcome.json",
            "application/json",
            json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode(),
            _("The outcome document (its JSON Schema: %(url)s).", url=document["schema"]),
        ),
        package.PackageFile(
            "report.html",
            "text/html",
            _page(round_, version, latest=False).get_data(),
            _("The report for people."),
        ),
        package.PackageFile(
            "report.md",
            "text/markdown",
            render_markdown_report(version).encode(),
            _("The report in Markdown."),
        ),
        package.PackageFile(
            "outcomes_by_territory.csv",
            "text/csv",
            companions.outcomes_by_territory(document, language).encode(),
            _("One row per outcome and territory: support, agree rate, n and stance."),
        ),
    ]
    files += [
        package.PackageFile(
            f"outcomes.decidim-accountability.{council['id'][4:]}.csv",
            "text/csv",
            companions.decidim_accountability(document, council["id"]).encode(),
            _("The outcomes addressed to this council, in Decidim's accountability import."),
            delimiter=";",
        )
        for council in document["councils"]
    ]
    files += [
        package.PackageFile(
            f"polis/{name}",
            "text/csv",
            content,
            _("The public Pol.is export set, with a territory column."),
        )
        for name, content in _polis_files(round_)
    ]
    body = package.data_package(document, files)
    return _attachment(body, f"{round_.slug}-v{version.number}-datapackage.zip")


@bp.get("/r/<slug>/report/compare")
def compare(slug: str) -> Any:
    db = get_session()
    round_ = get_round(db, slug)
    older = request.args.get("from", type=int)
    newer = request.args.get("to", type=int)
    if older is None or newer is None:
        raise Invalid(_l("Choose two versions to compare."))
    first = publishing.get_version(db, round_, older)
    second = publishing.get_version(db, round_, newer)
    return render(
        "reports/compare.html",
        round=round_,
        first=first,
        second=second,
        lines=list(publishing.compare(first.document, second.document)),
        versions=publishing.round_versions(db, round_),
    )


# --- Atom feeds -----------------------------------------------------------------------------


def _feed(round_: Round | None, title: str, page_url: str) -> Response:
    feed_url = request.base_url
    response = Response(
        render_template(
            "reports/feed.xml",
            entries=feed.feed_entries(get_session(), round_),
            title=title,
            feed_url=feed_url,
            page_url=page_url,
            tag=f"tag:{urlsplit(current_app.config['PUBLIC_URL']).hostname or 'localhost'},2026:palabre",
            epoch=datetime(2026, 1, 1, tzinfo=UTC),
            decision_names=DECISION_NAMES,
        ),
        mimetype="application/atom+xml",
    )
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Accept-Language")
    return response


@bp.get("/r/<slug>/feed.atom")
def round_feed(slug: str) -> Any:
    """The round's phase changes, report versions and council answers (Atom)."""
    round_ = get_round(get_session(), slug)
    if round_.phase == Phase.DRAFT:
        raise NotFound(_l("This round is not public yet."))
    return _feed(
        round_,
        _("%(round)s: news", round=round_.text("title", current_language())),
        url_for("opinions.opinion_map", slug=round_.slug, _external=True),
    )


@bp.get("/feed.atom")
def site_feed() -> Any:
    """Every public round's phase changes, report versions and council answers (Atom)."""
    return _feed(None, _("Palabre: news of every round"), url_for("main.index", _external=True))


@bp.get("/api/v1/schema/outcome.json")
def outcome_schema_document() -> Any:
    schema = outcome_schema(public_url("reports.outcome_schema_document"))
    response = Response(
        json.dumps(schema, ensure_ascii=False, indent=2), mimetype="application/schema+json"
    )
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
