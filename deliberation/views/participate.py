"""The citizens' pages: join through an invite, vote card by card, write statements, withdraw."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from flask import Blueprint, Response, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from deliberation.db import (
    autocommit_request,
    commit_request,
    fetch,
    get_session,
    is_postgres,
    request_connection,
)
from deliberation.errors import Invalid, NotFound
from deliberation.extensions import generate_csrf, htmx, limiter
from deliberation.forms.participate import (
    JoinForm,
    NoticeForm,
    ReadingForm,
    StatementForm,
    StatementLanguageForm,
    TranslationTaskForm,
    statement_form,
)
from deliberation.models import (
    ModerationMode,
    Participant,
    ReviewVerdict,
    Round,
    Statement,
    Territory,
    VoteValue,
)
from deliberation.opinions.priorities import snapshot_priorities
from deliberation.services import participation, routing, statements, votes
from deliberation.services.invites import check_capacity, resolve_invite
from deliberation.services.own_data import own_data
from deliberation.services.rounds import get_round, require_joinable, round_by_id
from deliberation.services.validation import MAX_ID
from deliberation.services.vote_undo import last_vote, undo_last_vote
from deliberation.templating import (
    LANGUAGE_NAMES,
    current_language,
    language_name,
    render,
    round_urls,
)
from deliberation.translations import participants as helpers
from deliberation.translations.reading import (
    Original,
    read_along,
    read_statements,
    reader_languages,
)
from deliberation.views.confirmation import confirmation
from deliberation.views.feedback import (
    VoteFeedback,
    change_message,
    undo_feedback,
    vote_feedback,
)
from deliberation.views.participant_session import (
    UnreadVisit,
    Visit,
    current_participant,
    forget,
    forget_visit,
    found_visit,
    keep_vote,
    keys_digest,
    remember,
    session_key,
    viewing_participant,
    visit,
    vote_visit,
)

bp = Blueprint("participate", __name__)


def _participant_key() -> str:
    """Rate-limit key: the participant when known (many citizens share a town hall's address)."""
    digest = keys_digest()
    return f"p:{digest}" if digest else f"ip:{request.remote_addr}"


@bp.app_errorhandler(participation.NoticeOutdated)
def _notice_outdated(error: participation.NoticeOutdated) -> Any:
    """Pages send the participant to the new notice; participation POSTs are refused with it."""
    url = url_for("participate.privacy_notice", slug=error.slug)
    if request.method == "GET":
        return redirect(url, code=303)
    round_ = get_round(get_session(), error.slug)
    response = render(
        "participate/notice.html", round=round_, form=NoticeForm(formdata=None), status=409
    )
    if htmx:
        response.headers["HX-Redirect"] = url
    return response


# Every way of casting or changing a vote (the htmx card, the same form without JavaScript,
# the my-votes page) draws from one bucket per participant: one limit, whichever route.
vote_limit = limiter.bucket(
    lambda: current_app.config["RATELIMIT_VOTE"], scope="vote", key_func=_participant_key
)


def _language_choices(round_: Round) -> list[tuple[str, str]]:
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in round_.languages]


def _statement_form(round_: Round, **kwargs: object) -> StatementForm:
    return statement_form(round_.max_statement_length, _language_choices(round_), **kwargs)


def _languages(participant: Participant) -> list[str]:
    """The reader's languages: the interface's, then those the participant reads."""
    return reader_languages(current_language(), participant.reading_languages)


def _rng() -> random.Random:
    seed = current_app.config["ROUTING_SEED"]
    return random.Random(seed) if seed is not None else random.Random()


def _next_cards(visit: Visit, *, skip: int | None = None) -> list[Original]:
    """The statements of the participant's next cards, first the one to show, by a new
    draw; ``skip`` (the statement being voted on) is left out."""
    db = request_connection()
    return routing.next_statements(
        db,
        round_=visit.round,
        participant=visit.participant,
        rng=_rng(),
        priorities=(
            snapshot_priorities(db, visit.snapshot_id) if visit.snapshot_id is not None else None
        ),
        skip=skip,
    )


def _card_context(
    visit: Visit,
    *,
    cards: list[Original] | None = None,
    statement: Statement | Original | None = None,
    shown: Mapping[int, str | None] | None = None,
    rest: Sequence[int] = (),
) -> dict[str, Any]:
    """The next card and the progress, with what the card's, the task's and the feedback's
    forms and links need (every template of the card reads them from here); ``cards`` when
    the caller drew them (``_next_cards``), ``statement`` to show that one rather than the
    routing rule's choice; ``shown``: the first card's shown translations when read with it
    (``QueuedCheck.shown``), else the card's reading is read; ``rest``: the next cards after
    ``cards``, not checked yet (``QueuedCheck.rest``)."""
    db = request_connection()
    round_, participant = visit.round, visit.participant
    task = (
        helpers.next_task(get_session(), round_=round_, participant=participant)
        if statement is None and helpers.task_due(participant)
        else None
    )
    queue: list[int] = []
    if statement is None:
        drawn = _next_cards(visit) if cards is None else cards
        statement = drawn[0] if drawn else None
        queue = [card.id for card in drawn[1:]] + list(rest)
    reading = None
    if isinstance(statement, Original) and shown is not None and statement.id in shown:
        reading = read_along(statement, shown[statement.id], _languages(participant))
    elif statement is not None:
        reading = next(
            iter(read_statements(db, round_, [statement], _languages(participant)).values())
        )
    vote_url, undo_url, map_url = round_urls(
        round_.slug, "participate.vote", "participate.undo_vote", "opinions.opinion_map"
    )
    return {
        "round": round_,
        "participant": participant,
        "statement": statement,
        "reading": reading,
        "queue": queue,
        "task": task,
        "voted": participant.vote_count,
        "total": visit.votable,
        # Made here once rather than by each template's calls (the vote's answer renders the
        # card and the feedback).
        "csrf": generate_csrf(),
        "vote_url": vote_url,
        "undo_url": undo_url,
        "map_url": map_url,
    }


@bp.route("/join/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_JOIN"], methods=["POST"])
def join(token: str) -> Any:
    db = get_session()
    invite = resolve_invite(db, token)
    round_ = round_by_id(db, invite.round_id)
    territory = db.get(Territory, invite.territory_id)
    if session_key(round_) is not None:
        if viewing_participant(round_) is not None:
            return redirect(url_for("participate.round_page", slug=round_.slug), code=303)
        forget(round_)
    form = JoinForm()
    form.language.choices = _language_choices(round_)
    form.reads.choices = _language_choices(round_)
    if request.method == "GET":
        form.language.data = (
            current_language() if current_language() in round_.languages else round_.languages[0]
        )
        form.reads.data = [form.language.data]
    if form.validate_on_submit():
        require_joinable(round_)
        check_capacity(invite)
        participant, key = participation.join_round(
            db,
            invite=invite,
            round_=round_,
            language=form.language.data or "en",
            reads=form.reads.data or [],
            translates=bool(form.translates.data),
        )
        db.commit()
        remember(participant, key)
        session["lang"] = participant.language
        return redirect(url_for("participate.round_page", slug=round_.slug), code=303)
    return render(
        "participate/join.html",
        form=form,
        round=round_,
        territory=territory,
        token=token,
        status=422 if form.errors else 200,
    )


@bp.get("/r/<slug>")
def round_page(slug: str) -> Any:
    db = get_session()
    seen = visit(slug)
    territory = db.get(Territory, seen.participant.territory_id)
    if not seen.round.accepts_contributions:
        return render("participate/round.html", round=seen.round, territory=territory)
    return render(
        "participate/round.html",
        form=_statement_form(seen.round),
        territory=territory,
        feedback=_feedback_after_redirect(seen.round, seen.participant),
        **_card_context(seen),
    )


def _feedback_after_redirect(round_: Round, participant: Participant) -> VoteFeedback | None:
    """Without JavaScript a vote redirects here with ``?voted=<statement id>``: the same
    feedback as the htmx card's, while that vote is still the participant's last."""
    try:
        statement_id = int(request.args.get("voted", ""))
    except ValueError:
        return None
    last = last_vote(get_session(), participant)
    if last is None or last.statement_id != statement_id or last.value is None:
        return None
    return vote_feedback(round_, statement_id, last.value, participant.vote_count)


@bp.post("/r/<slug>/vote")
@vote_limit
def vote(slug: str) -> Any:
    """Record the vote; the htmx card answers with the next card. The round and participant
    an earlier vote of this browser read may stand in for the visit's query (``kept``):
    when either row changed since, nothing was recorded and the vote is cast again on a
    fresh visit. A browser's first vote in this app process may stand on the round as another
    browser's vote read it, its participant found by the vote's own statement
    (``vote_visit``). On PostgreSQL its statements commit one by one (``autocommit_request``):
    the vote is one statement, the rest only reads."""
    autocommit_request()
    card = bool(htmx)
    seen = vote_visit(slug, unread=card and bool(request.form.get("queue")))
    if isinstance(seen, UnreadVisit):
        try:
            return _first_vote(seen)
        except votes.VisitChanged:
            seen = visit(slug, votes=True, kept=True)
    try:
        return _vote(slug, seen, card=card)
    except votes.VisitChanged:
        forget_visit(seen)
        return _vote(slug, visit(slug, votes=True), card=card)


def _vote(slug: str, seen: Visit, *, card: bool) -> Any:
    """Cast the vote on ``seen``; ``card``: an htmx vote, answered with the next card."""
    db = request_connection()
    form = request.form
    statement_id, value = _vote_input(form)
    # The htmx answer shows the next card: the first still open of those the answered card
    # carried (checked in the vote's own statement on PostgreSQL), else a new draw, made before
    # the vote when there is no queue to check. The row locks the vote takes (its statement's
    # counter is shared by everyone voting on it) are released as its statement ends on
    # PostgreSQL, else held through the card's reading only; rendered once committed.
    check = (
        routing.queued_check(
            seen.round,
            seen.participant,
            _queue_input(form),
            skip=statement_id,
            postgres=is_postgres(db),
        )
        if card
        else None
    )
    drawn = _next_cards(seen, skip=statement_id) if card and check is None else []
    outcome = votes.cast_vote_reading(
        db,
        round_=seen.round,
        participant=seen.participant,
        statement_id=statement_id,
        value=value,
        language=form.get("shown_language"),
        read=(check.query, check.params) if check is not None else None,
        versions=seen.versions,
    )
    if not card:
        commit_request()
        keep_vote(seen, outcome)
        return redirect(url_for("participate.round_page", slug=slug, voted=statement_id), code=303)
    cards = _checked(seen, check, outcome.rows, statement_id) if check else _Next(drawn)
    return _next_card(seen, statement_id, value, outcome, cards)


def _first_vote(unread: UnreadVisit) -> Any:
    """``_vote`` (htmx) on an ``UnreadVisit``: one statement finds and checks the voter,
    records the vote and checks the card's queue. ``VisitChanged`` when the round or the voter
    changed, or the card carried nothing else to check (a draw needs the visit first)."""
    form = request.form
    statement_id, value = _vote_input(form)
    check = routing.keyed_queued_check(unread.round, _queue_input(form), skip=statement_id)
    if check is None:
        raise votes.VisitChanged
    outcome = votes.cast_vote_reading(
        request_connection(),
        round_=unread.round,
        participant=unread.voter,
        statement_id=statement_id,
        value=value,
        language=form.get("shown_language"),
        read=(check.query, check.params),
    )
    seen = found_visit(unread, outcome)
    return _next_card(
        seen, statement_id, value, outcome, _checked(seen, check, outcome.rows, statement_id)
    )


class _Next(NamedTuple):
    """An htmx vote's next cards: ``drawn`` (the first one is shown), its shown translations
    when read along its check (``QueuedCheck.shown``), and the rest of the queue after them,
    not checked yet (``QueuedCheck.rest``)."""

    drawn: list[Original]
    shown: Mapping[int, str | None] | None = None
    rest: Sequence[int] = ()


def _checked(
    seen: Visit, check: routing.QueuedCheck, rows: Sequence[Any], statement_id: int
) -> _Next:
    """The next cards once the vote on ``statement_id`` checked the first of the card's queue
    (``check``, whose ``rows`` it read): those still open, with the first one's shown
    translations when read along, and the rest of the queue, unchecked; when none of them
    is open, the open ones of the rest, all checked in one query; else a new draw."""
    drawn = check.cards(rows)
    if not drawn and check.rest:
        db = request_connection()
        rest = routing.queued_check(
            seen.round,
            seen.participant,
            check.rest,
            skip=statement_id,
            postgres=is_postgres(db),
            checked=routing.QUEUE,
        )
        assert rest is not None, "a rest to check"
        check, rows = rest, fetch(db, rest.query, rest.params)
        drawn = check.cards(rows)
    if drawn:
        return _Next(drawn, check.shown(rows), check.rest)
    return _Next(_next_cards(seen, skip=statement_id))


def _next_card(
    seen: Visit,
    statement_id: int,
    value: int,
    outcome: votes.Cast,
    cards: _Next,
) -> Any:
    """The htmx vote's answer: the next card (the first of ``cards``) and the vote's
    feedback, rendered once the vote is committed and kept (``keep_vote``)."""
    context = _card_context(seen, cards=cards.drawn, shown=cards.shown, rest=cards.rest)
    context["voted"] = outcome.voted
    commit_request()
    keep_vote(seen, outcome)
    return render(
        "participate/_card.html",
        "participate/_vote_response.html",
        feedback=vote_feedback(seen.round, statement_id, value, outcome.voted),
        **context,
    )


@bp.post("/r/<slug>/vote/undo")
@vote_limit
def undo_vote(slug: str) -> Any:
    """Undo the last vote (the one the feedback offered): the card of that statement comes
    back when it had no earlier vote, else the previous value is restored."""
    db = get_session()
    seen = visit(slug)
    try:
        statement_id = int(request.form.get("statement_id", ""))
    except ValueError as error:
        raise Invalid(_l("Only your last vote can be undone, and it is already undone.")) from error
    undone = undo_last_vote(
        db, round_=seen.round, participant=seen.participant, statement_id=statement_id
    )
    feedback = undo_feedback(undone.restored)
    if not htmx:
        db.commit()
        flash(feedback.message, "success")
        return redirect(url_for("participate.round_page", slug=slug), code=303)
    again = votes.get_statement(db, seen.round, statement_id) if undone.restored is None else None
    context = _card_context(seen, statement=again)
    db.commit()
    return render(
        "participate/_card.html",
        "participate/_vote_response.html",
        feedback=feedback,
        **context,
    )


_QUEUED_ID = re.compile(f"[0-9]{{1,{len(str(MAX_ID))}}}")


def _queue_input(form: MultiDict[str, str]) -> list[int]:
    """The statement ids the answered card carried for the next cards (``routing.QUEUE`` at
    most). Only a hint: what is not a statement id is ignored, and each id is checked again."""
    parts = form.get("queue", "").split()[: routing.QUEUE]
    return [i for i in map(int, filter(_QUEUED_ID.fullmatch, parts)) if 1 <= i <= MAX_ID]


def _vote_input(form: MultiDict[str, str]) -> tuple[int, int]:
    try:
        statement_id = int(form.get("statement_id", ""))
        value = VoteValue.from_choice(form.get("vote", ""))
    except ValueError as error:
        raise Invalid(_l("A vote is agree, disagree or pass on one statement.")) from error
    if not 1 <= statement_id <= MAX_ID:
        raise NotFound(_l("This statement is not open for votes in this round."))
    return statement_id, value


@bp.route("/r/<slug>/privacy", methods=["GET", "POST"])
def privacy_notice(slug: str) -> Any:
    """The current privacy notice, for a participant to read and accept again after it changed."""
    db = get_session()
    round_ = get_round(db, slug)
    participant = current_participant(round_, notice=False)
    form = NoticeForm()
    if form.validate_on_submit():
        participation.accept_notice(participant)
        db.add(participant)
        db.commit()
        return redirect(url_for("participate.round_page", slug=slug), code=303)
    status = 422 if form.errors else 200
    return render("participate/notice.html", round=round_, form=form, status=status)


@bp.get("/r/<slug>/my-data.json")
def my_data(slug: str) -> Any:
    """Everything the round holds about the participant, as a JSON download."""
    db = get_session()
    round_ = get_round(db, slug)
    participant = current_participant(round_, notice=False)
    body = json.dumps(own_data(db, participant), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{round_.slug}-my-data.json"'},
    )


@bp.get("/r/<slug>/my-votes")
def my_votes(slug: str) -> Any:
    db = get_session()
    round_ = get_round(db, slug)
    participant = current_participant(round_, notice=False)
    voted = statements.participant_votes(db, participant)
    return render(
        "participate/my_votes.html",
        round=round_,
        participant=participant,
        votes=voted,
        readings=read_statements(db, round_, [s for s, _ in voted], _languages(participant)),
        own=statements.participant_statements(db, participant),
        votable=votes.votable_statuses(round_),
    )


@bp.post("/r/<slug>/my-votes/<id:statement_id>")
@vote_limit
def change_vote(slug: str, statement_id: int) -> Any:
    db = get_session()
    round_ = get_round(db, slug)
    participant = current_participant(round_)
    try:
        value = VoteValue.from_choice(request.form.get("vote", ""))
    except ValueError as error:
        raise Invalid(_l("A vote is agree, disagree or pass on one statement.")) from error
    votes.cast_vote(
        db,
        round_=round_,
        participant=participant,
        statement_id=statement_id,
        value=value,
        language=request.form.get("shown_language"),
    )
    db.commit()
    if htmx:
        statement = votes.get_statement(db, round_, statement_id)
        return render(
            "participate/_vote_row.html",
            round=round_,
            statement=statement,
            readings=read_statements(db, round_, [statement], _languages(participant)),
            value=value,
            votable=votes.votable_statuses(round_),
            changed=change_message(value),
        )
    flash(change_message(value), "success")
    return redirect(url_for("participate.my_votes", slug=slug), code=303)


@bp.post("/r/<slug>/statements")
@limiter.limit(lambda: current_app.config["RATELIMIT_STATEMENT"], key_func=_participant_key)
def write_statement(slug: str) -> Any:
    db = get_session()
    seen = visit(slug)
    round_, participant = seen.round, seen.participant
    form = _statement_form(round_)
    duplicate = None
    if form.validate_on_submit():
        text = form.text.data or ""
        duplicate = statements.find_duplicate(db, round_, text)
        if duplicate is not None and not form.confirm_duplicate.data:
            form.text.errors = [_("A statement very much like this one already exists.")]
        else:
            try:
                statement = statements.submit_statement(
                    db,
                    round_=round_,
                    participant=participant,
                    text=text,
                    language=form.language.data or None,
                )
            except Invalid as error:
                db.rollback()
                form.text.errors = [str(error.message)]
            else:
                db.commit()
                if htmx:
                    # The fragment thanks the author itself: a flash would linger until the
                    # next full page and thank them a second time.
                    return render(
                        "participate/_statement_form.html",
                        round=round_,
                        form=_statement_form(round_, formdata=None),
                        sent=statement,
                    )
                if round_.moderation_mode == ModerationMode.PRE:
                    flash(_("Thank you: the facilitators will review your statement."), "success")
                else:
                    flash(_("Thank you: your statement is published."), "success")
                flash(
                    _(
                        "We read it as written in %(language)s. If that is wrong, correct it under My votes and statements.",
                        language=language_name(statement.language),
                    ),
                    "info",
                )
                return redirect(url_for("participate.round_page", slug=slug), code=303)
    context: dict[str, Any] = {"round": round_, "form": form, "duplicate": duplicate}
    if htmx:
        return render("participate/_statement_form.html", status=422, **context)
    territory = db.get(Territory, participant.territory_id)
    context.update(_card_context(seen))
    return render("participate/round.html", status=422, territory=territory, **context)


def _language_form(round_: Round) -> StatementLanguageForm:
    form = StatementLanguageForm()
    form.language.choices = _language_choices(round_)
    return form


@bp.post("/r/<slug>/statements/<id:statement_id>/language")
def correct_language(slug: str, statement_id: int) -> Any:
    db = get_session()
    round_ = get_round(db, slug)
    participant = current_participant(round_)
    form = _language_form(round_)
    if not form.validate_on_submit():
        raise Invalid(_l("Choose one of this round's languages."))
    statement = statements.correct_statement_language(
        db,
        round_=round_,
        participant=participant,
        statement_id=statement_id,
        language=form.language.data or "",
    )
    db.commit()
    flash(
        _(
            "Your statement is now marked as written in %(language)s.",
            language=language_name(statement.language),
        ),
        "success",
    )
    return redirect(url_for("participate.my_votes", slug=slug), code=303)


@bp.route("/r/<slug>/languages", methods=["GET", "POST"])
def reading_settings(slug: str) -> Any:
    """The small settings panel: languages read, and helping to translate."""
    db = get_session()
    round_ = get_round(db, slug)
    participant = current_participant(round_)
    form = ReadingForm()
    form.reads.choices = _language_choices(round_)
    if request.method == "GET":
        form.reads.data = participant.reading_languages
        form.translates.data = participant.translates
    elif form.validate_on_submit():
        try:
            helpers.set_reading_languages(
                db,
                round_=round_,
                participant=participant,
                reads=form.reads.data or [],
                translates=bool(form.translates.data),
            )
        except Invalid as error:
            db.rollback()
            form.reads.errors = [*form.reads.errors, error.message]
        else:
            db.commit()
            flash(_("Your languages are saved."), "success")
            return redirect(url_for("participate.round_page", slug=slug), code=303)
    return render(
        "participate/languages.html",
        round=round_,
        form=form,
        status=422 if form.errors else 200,
    )


def _after_task(seen: Visit) -> Any:
    if htmx:
        return render(
            "participate/_card.html",
            "participate/_vote_response.html",
            **_card_context(seen),
        )
    return redirect(url_for("participate.round_page", slug=seen.round.slug), code=303)


def _form_id(name: str) -> int:
    try:
        value = int(request.form.get(name, ""))
    except ValueError as error:
        raise Invalid(_l("This task is not valid.")) from error
    if not 1 <= value <= MAX_ID:
        raise NotFound(_l("This statement does not exist in this round."))
    return value


@bp.post("/r/<slug>/tasks/translate")
@limiter.limit(lambda: current_app.config["RATELIMIT_VOTE"], key_func=_participant_key)
def translate_task(slug: str) -> Any:
    db = get_session()
    seen = visit(slug)
    round_, participant = seen.round, seen.participant
    form = TranslationTaskForm()
    if not form.validate_on_submit():
        raise Invalid(_l("Write a translation."))
    helpers.propose_translation(
        db,
        round_=round_,
        participant=participant,
        text_id=_form_id("statement_id"),
        language=request.form.get("language", ""),
        text=form.text.data or "",
    )
    db.commit()
    if not htmx:
        flash(_("Thank you: another participant will review your translation."), "success")
    return _after_task(seen)


@bp.post("/r/<slug>/tasks/review")
@limiter.limit(lambda: current_app.config["RATELIMIT_VOTE"], key_func=_participant_key)
def review_task(slug: str) -> Any:
    db = get_session()
    seen = visit(slug)
    round_, participant = seen.round, seen.participant
    try:
        verdict = ReviewVerdict(request.form.get("verdict", ""))
    except ValueError as error:
        raise Invalid(_l("Answer yes, no, or suggest a better translation.")) from error
    helpers.review_translation(
        db,
        round_=round_,
        participant=participant,
        translation_id=_form_id("translation_id"),
        verdict=verdict,
        better=request.form.get("better", ""),
    )
    db.commit()
    if not htmx:
        flash(_("Thank you for your review."), "success")
    return _after_task(seen)


@bp.post("/r/<slug>/tasks/skip")
def skip_task(slug: str) -> Any:
    db = get_session()
    seen = visit(slug)
    helpers.skip_task(db, participant=seen.participant)
    db.commit()
    return _after_task(seen)


@bp.post("/r/<slug>/withdraw")
def withdraw(slug: str) -> Any:
    db = get_session()
    round_ = get_round(db, slug)
    participant = current_participant(round_, notice=False)
    participation.withdraw(db, participant)
    ask = confirmation(
        _("Withdraw from this round?"),
        consequence=_(
            "Your votes will no longer count and your statements will no longer be linked to you. This cannot be undone."
        ),
        action=_("Withdraw from this round"),
        back=url_for("participate.my_votes", slug=slug),
    )
    if ask is not None:
        return ask
    db.commit()
    forget(round_)
    flash(
        _(
            "You have withdrawn. Your votes no longer count and your statements are no longer linked to you."
        ),
        "info",
    )
    return redirect(url_for("main.index"), code=303)
