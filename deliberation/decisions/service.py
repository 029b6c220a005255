"""Decision use cases: create, edit options, open (drawing the committed seed), cast a ballot,
close (sealing the ballots). One function per use case, the session passed in; they flush and
raise domain errors, the caller commits.

Commit and reveal of the tie-break seed: when a decision opens, 256 random bits are drawn and
stored as 64 lowercase hexadecimal digits (``seed_hex``). Only ``seed_sha256``, the SHA-256 of
those 64 ASCII characters, is shown while ballots are cast; the digits are shown once the
decision is closed. The count uses ``int(seed_hex, 16)`` as ``voting.methods``' ``seed``, so
anyone can check the commitment and recompute the seeded tie-break order.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from deliberation.decisions import ballots as ballot_forms
from deliberation.decisions.counting import scale_of, seal_ballots, spec_of
from deliberation.decisions.methods import method_spec
from deliberation.errors import Conflict, Forbidden, NotFound
from deliberation.messages import lazy_message
from deliberation.models import (
    Decision,
    DecisionBallot,
    DecisionOption,
    DecisionStatus,
    Eligibility,
    Invite,
    Participant,
    Phase,
    Proposal,
    ProposalStatement,
    ProposalStatus,
    Round,
    Statement,
    StatementStatus,
    TextKind,
    Translation,
    User,
)
from deliberation.models.inputs import DecisionInput
from deliberation.models.proposals import MAX_TEXT
from deliberation.services.rounds import require_facilitator, round_by_id, round_territories
from deliberation.services.validation import FieldInvalid, has_control_characters
from deliberation.translations.reading import Original, Reading, read_texts
from deliberation.translations.texts import human_translations, set_human_translation

MAX_OPTIONS = 20
MAX_TITLE = 200  # a decision's or an option's title, as the columns hold
LABELS = string.ascii_uppercase[:MAX_OPTIONS]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite hands back naive UTC values
        return value.replace(tzinfo=UTC)
    return value


def seed_commitment(seed_hex: str) -> str:
    """SHA-256 (hexadecimal) of the seed's 64 ASCII hexadecimal digits."""
    return hashlib.sha256(seed_hex.encode("ascii")).hexdigest()


def get_decision(session: Session, decision_id: int) -> tuple[Decision, Round]:
    """The decision and its round (the round's phase brought up to date); 404 if none."""
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFound(_l("No decision has this address."))
    return decision, round_by_id(session, decision.round_id)


def facilitated_decision(
    session: Session, *, decision_id: int, user: User | None
) -> tuple[Decision, Round]:
    """The decision if ``user`` facilitates its round (404 if none, 403 otherwise)."""
    decision, round_ = get_decision(session, decision_id)
    require_facilitator(session, round_, user)
    return decision, round_


def round_decisions(session: Session, round_: Round) -> list[Decision]:
    statement = select(Decision).where(Decision.round_id == round_.id).order_by(col(Decision.id))
    return list(session.exec(statement))


def options_of(session: Session, decision: Decision) -> list[DecisionOption]:
    statement = (
        select(DecisionOption)
        .where(DecisionOption.decision_id == decision.id)
        .order_by(col(DecisionOption.label))
    )
    return list(session.exec(statement))


def selectable_proposals(session: Session, decision: Decision, round_: Round) -> list[Proposal]:
    """The round's proposals selected in drafting that are not options of ``decision`` yet."""
    taken = select(DecisionOption.proposal_id).where(
        DecisionOption.decision_id == decision.id, col(DecisionOption.proposal_id).is_not(None)
    )
    statement = (
        select(Proposal)
        .where(
            Proposal.round_id == round_.id,
            Proposal.status == ProposalStatus.SELECTED,
            col(Proposal.id).not_in(taken),
        )
        .order_by(col(Proposal.id))
    )
    return list(session.exec(statement))


def option_statements(session: Session, options: list[ShownOption]) -> dict[int, list[Statement]]:
    """The statements each option's proposal answers, keyed by option id (rejected ones left
    out: participants never see them)."""
    by_proposal: dict[int, list[int]] = {}
    for option in options:
        if option.proposal_id is not None and option.id is not None:
            by_proposal.setdefault(option.proposal_id, []).append(option.id)
    linked: dict[int, list[Statement]] = {o.id: [] for o in options if o.id is not None}
    if not by_proposal:
        return linked
    rows = session.exec(
        select(ProposalStatement.proposal_id, Statement)
        .join(Statement, col(Statement.id) == ProposalStatement.statement_id)
        .where(
            col(ProposalStatement.proposal_id).in_(list(by_proposal)),
            Statement.status != StatementStatus.REJECTED,
        )
        .order_by(col(Statement.id))
    )
    for proposal_id, statement in rows:
        for option_id in by_proposal[proposal_id]:
            linked[option_id].append(statement)
    return linked


MAX_OPTION_TEXT = MAX_TEXT  # an option's text is a proposal's


@dataclass(frozen=True)
class ShownOption:
    """An option as one reader sees it: title and text in their language when a translation
    exists (``translated``), else as written; the original (``original_title``,
    ``original_text`` in ``original_language``) stays one click away."""

    id: int
    label: str
    title: str
    text: str
    proposal_id: int | None
    language: str
    translated: bool
    original_title: str = ""
    original_text: str = ""
    original_language: str = ""


def written_language(round_: Round) -> str:
    """The language a decision's title (and an option without a proposal) is written in: the
    round's first."""
    return round_.languages[0] if round_.languages else "en"


def option_language(session: Session, option: DecisionOption, round_: Round) -> str:
    """The language an option is written in: its proposal's, else the round's first."""
    proposal = session.get(Proposal, option.proposal_id) if option.proposal_id else None
    return proposal.language if proposal is not None else written_language(round_)


def shown_titles(
    session: Session, round_: Round, decisions: list[Decision], languages: list[str]
) -> dict[int, Reading]:
    """The titles of ``decisions`` (of ``round_``) for a reader of ``languages`` (preferred
    first), through the reading rule, keyed by decision id."""
    written = written_language(round_)
    return read_texts(
        session,
        round_,
        kind=TextKind.DECISION_TITLE,
        originals=[Original(d.id or 0, d.title, written) for d in decisions],
        languages=languages,
    )


def title_translations(session: Session, decision: Decision) -> dict[str, str]:
    """The facilitators' translations of ``decision``'s title: ``{language: title}``."""
    found = human_translations(session, kind=TextKind.DECISION_TITLE, text_ids=[decision.id or 0])
    return found.get(decision.id or 0, {})


def translate_title(
    session: Session,
    *,
    decision: Decision,
    round_: Round,
    user: User | None,
    language: str,
    title: str,
) -> None:
    """Save a facilitator's translation of a draft decision's title into ``language`` (empty:
    remove it). Reviewed and accepted at once; frozen with the options when the decision
    opens.

    Raises:
        Forbidden: not a facilitator. Conflict: not a draft.
        FieldInvalid: a language the round does not offer or the title's own (the round's
            first), or a title too long or holding control characters.
    """
    require_facilitator(session, round_, user)
    _require_draft(decision)
    if language not in round_.languages or language == written_language(round_):
        raise FieldInvalid(_l("Choose another of the round's languages."), field="language")
    title = title.strip()
    if len(title) > MAX_TITLE or has_control_characters(title):
        raise FieldInvalid(_l("A title has at most 200 characters."), field="title")
    set_human_translation(
        session,
        round_=round_,
        user=user,
        kind=TextKind.DECISION_TITLE,
        text_id=decision.id or 0,
        language=language,
        text=title,
    )


def shown_options(
    session: Session, round_: Round, options: list[DecisionOption], languages: list[str]
) -> list[ShownOption]:
    """``options`` for a reader of ``languages`` (preferred first), through the reading rule
    of ``deliberation.translations.reading`` (facilitators' translations only)."""
    written = {o.id: option_language(session, o, round_) for o in options}
    read = {
        kind: read_texts(
            session,
            round_,
            kind=kind,
            originals=[Original(o.id or 0, getattr(o, field), written[o.id]) for o in options],
            languages=languages,
        )
        for kind, field in ((TextKind.OPTION_TITLE, "title"), (TextKind.OPTION_TEXT, "text"))
    }
    shown = []
    for option in options:
        title = read[TextKind.OPTION_TITLE][option.id or 0]
        text = read[TextKind.OPTION_TEXT][option.id or 0]
        shown.append(
            ShownOption(
                id=option.id or 0,
                label=option.label,
                title=title.text,
                text=text.text,
                proposal_id=option.proposal_id,
                language=title.language,
                translated=title.translated or text.translated,
                original_title=option.title,
                original_text=option.text,
                original_language=written[option.id],
            )
        )
    return shown


def option_translations(
    session: Session, options: list[DecisionOption]
) -> dict[tuple[int, str], dict[str, str]]:
    """The facilitators' translations of ``options``: ``{(option id, language): {"title":
    ..., "text": ...}}``."""
    found: dict[tuple[int, str], dict[str, str]] = {}
    ids = [o.id for o in options if o.id is not None]
    for kind, field in ((TextKind.OPTION_TITLE, "title"), (TextKind.OPTION_TEXT, "text")):
        for option_id, by_language in human_translations(session, kind=kind, text_ids=ids).items():
            for language, value in by_language.items():
                found.setdefault((option_id, language), {})[field] = value
    return found


def translate_option(
    session: Session,
    *,
    decision: Decision,
    round_: Round,
    user: User | None,
    option_id: int,
    language: str,
    title: str,
    text: str,
) -> None:
    """Save a facilitator's translation of a draft decision's option into ``language`` (both
    empty: remove it). Reviewed and accepted at once, as a facilitator's statement
    translations are; frozen with the options when the decision opens.

    Raises:
        Forbidden: not a facilitator. Conflict: not a draft. NotFound: not an option of it.
        FieldInvalid: a language the round does not offer or the option's own, a title
            without text or the reverse, or a text too long.
    """
    require_facilitator(session, round_, user)
    _require_draft(decision)
    option = session.get(DecisionOption, option_id)
    if option is None or option.decision_id != decision.id:
        raise NotFound(_l("This option is not part of this decision."))
    if language not in round_.languages or language == option_language(session, option, round_):
        raise FieldInvalid(_l("Choose another of the round's languages."), field="language")
    title, text = title.strip(), text.strip()
    if (text and not title) or (title and option.text and not text):
        raise FieldInvalid(
            _l("Translate the title and the text together."), field="translation_title"
        )
    if len(title) > MAX_TITLE or has_control_characters(title):
        raise FieldInvalid(_l("A title has at most 200 characters."), field="translation_title")
    if len(text) > MAX_OPTION_TEXT:
        raise FieldInvalid(
            lazy_message(
                "A translated text has at most %(count)s characters.",
                count=MAX_OPTION_TEXT,
            ),
            field="translation_text",
        )
    for kind, value in ((TextKind.OPTION_TITLE, title), (TextKind.OPTION_TEXT, text)):
        set_human_translation(
            session,
            round_=round_,
            user=user,
            kind=kind,
            text_id=option.id,  # type: ignore[arg-type]
            language=language,
            text=value,
        )


def _check_fields(session: Session, round_: Round, fields: DecisionInput) -> None:
    if fields.settings.get("weighting") == "sqrt_population":
        missing = [t.slug for t in round_territories(session, round_) if not t.population]
        if missing:
            raise FieldInvalid(
                lazy_message(
                    "Weighting by population needs the population of every territory; "
                    "missing: %(territories)s.",
                    territories=", ".join(missing),
                ),
                field="setting_weighting",
            )


def create_decision(
    session: Session, *, round_: Round, user: User | None, fields: DecisionInput
) -> Decision:
    """A draft decision in ``round_``.

    Raises:
        Forbidden: ``user`` does not facilitate the round.
        FieldInvalid: population weighting in a round whose territories lack a population
            (``fields`` holds every other rule).
    """
    require_facilitator(session, round_, user)
    _check_fields(session, round_, fields)
    decision = Decision(round_id=round_.id, title="", method=fields.method)  # type: ignore[arg-type]
    _apply(decision, fields)
    session.add(decision)
    session.flush()
    return decision


def update_decision(
    session: Session,
    *,
    decision: Decision,
    round_: Round,
    user: User | None,
    fields: DecisionInput,
) -> Decision:
    """Change a draft decision (an open one keeps its rules until it closes).

    Raises:
        Forbidden, FieldInvalid: as for ``create_decision``.
        Conflict: the decision is no longer a draft.
    """
    require_facilitator(session, round_, user)
    _require_draft(decision)
    _check_fields(session, round_, fields)
    if method_spec(fields.method) is not spec_of(decision):
        consent = {decision.method == "consent", fields.method == "consent"}
        if len(consent) > 1 and options_of(session, decision):
            raise FieldInvalid(
                _l("Remove the options before switching to or from a stance."), field="method"
            )
    _apply(decision, fields)
    session.add(decision)
    session.flush()
    return decision


def _apply(decision: Decision, fields: DecisionInput) -> None:
    decision.title = fields.title.strip()
    decision.method = fields.method
    decision.settings = fields.settings
    decision.eligibility = fields.eligibility
    decision.live_results = fields.live_results
    decision.receipts = fields.receipts
    decision.opens_at = fields.opens_at
    decision.closes_at = fields.closes_at


def _require_draft(decision: Decision) -> None:
    if decision.status != DecisionStatus.DRAFT:
        raise Conflict(_l("This decision is open or closed: its rules and options are frozen."))


def add_option(
    session: Session,
    *,
    decision: Decision,
    round_: Round,
    user: User | None,
    title: str,
    text: str,
    proposal_id: int | None = None,
) -> DecisionOption:
    """Add an option to a draft decision, labelled with the next free letter. An option from
    a proposal (``proposal_id``) must name a proposal of the round selected in drafting; an
    empty title and text are then the proposal's.

    Raises:
        Forbidden: not a facilitator. Conflict: not a draft, or no room left.
        FieldInvalid: an empty title, a title another option already has, or a proposal that
            is not a selected proposal of the round.
    """
    require_facilitator(session, round_, user)
    _require_draft(decision)
    if proposal_id is not None:
        proposal = session.get(Proposal, proposal_id)
        if (
            proposal is None
            or proposal.round_id != round_.id
            or proposal.status != ProposalStatus.SELECTED
        ):
            raise FieldInvalid(
                _l("Choose a proposal of this round selected in drafting."), field="proposal_id"
            )
        if not title.strip():
            title, text = proposal.title, text.strip() or proposal.text
    title = title.strip()
    if not title:
        raise FieldInvalid(_l("Give the option a title."), field="title")
    if len(title) > MAX_TITLE or has_control_characters(title):
        raise FieldInvalid(_l("A title has at most 200 characters."), field="title")
    if len(text) > MAX_OPTION_TEXT:
        raise FieldInvalid(
            lazy_message("A text has at most %(count)s characters.", count=MAX_OPTION_TEXT),
            field="text",
        )
    options = options_of(session, decision)
    if any(o.title == title for o in options):
        raise FieldInvalid(_l("Another option already has this title."), field="title")
    limit = 1 if decision.method == "consent" else MAX_OPTIONS
    if len(options) >= limit:
        raise Conflict(
            _l("A stance decision has exactly one proposal.")
            if limit == 1
            else lazy_message("A decision has at most %(count)s options.", count=MAX_OPTIONS)
        )
    used = {o.label for o in options}
    label = next(letter for letter in LABELS if letter not in used)
    option = DecisionOption(
        decision_id=decision.id,  # type: ignore[arg-type]
        label=label,
        title=title,
        text=text.strip(),
        proposal_id=proposal_id,
    )
    session.add(option)
    session.flush()
    return option


def remove_option(
    session: Session, *, decision: Decision, round_: Round, user: User | None, option_id: int
) -> None:
    require_facilitator(session, round_, user)
    _require_draft(decision)
    option = session.get(DecisionOption, option_id)
    if option is None or option.decision_id != decision.id:
        raise NotFound(_l("This option is not part of this decision."))
    session.execute(  # its translations go with it (a reused id must not inherit them)
        delete(Translation).where(
            col(Translation.kind).in_([TextKind.OPTION_TITLE, TextKind.OPTION_TEXT]),
            col(Translation.text_id) == option_id,
        )
    )
    session.delete(option)
    session.flush()


def open_decision(session: Session, *, decision: Decision, now: datetime) -> Decision:
    """Freeze the options and draw the tie-break seed (only its SHA-256 is shown until close).

    Raises:
        Conflict: not a draft, or the wrong number of options (one for a stance, at least two
            otherwise).
    """
    _require_draft(decision)
    count = len(options_of(session, decision))
    if decision.method == "consent" and count != 1:
        raise Conflict(_l("A stance decision needs exactly one proposal before it opens."))
    if decision.method != "consent" and count < 2:
        raise Conflict(_l("A decision needs at least two options before it opens."))
    seed_hex = secrets.token_bytes(32).hex()
    written = session.execute(
        update(Decision)
        .where(col(Decision.id) == decision.id, col(Decision.status) == DecisionStatus.DRAFT)
        .values(
            status=DecisionStatus.OPEN,
            opened_at=now,
            seed_hex=seed_hex,
            seed_sha256=seed_commitment(seed_hex),
        )
    )
    if written.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_l("This decision was opened or closed meanwhile."))
    session.refresh(decision)
    return decision


def close_decision(session: Session, *, decision: Decision, round_: Round, now: datetime) -> None:
    """Stop taking ballots and seal them (see ``counting.seal_ballots``): from then on no
    ballot is linked to a participant. The tally follows outside the request.

    Raises:
        Conflict: the decision is not open (or was closed meanwhile).
    """
    if decision.status != DecisionStatus.OPEN:
        raise Conflict(_l("Only an open decision can be closed."))
    written = session.execute(
        update(Decision)
        .where(col(Decision.id) == decision.id, col(Decision.status) == DecisionStatus.OPEN)
        .values(status=DecisionStatus.CLOSED, closed_at=now)
    )
    if written.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_l("This decision was closed meanwhile."))
    session.refresh(decision)
    seal_ballots(
        session, decision=decision, round_=round_, electorate=electorate(session, decision)
    )


def eligible(session: Session, decision: Decision, participant: Participant) -> bool:
    """Whether ``participant`` may vote in ``decision`` (not withdrawn, in its round, and
    joined through a single-use invite when the decision requires one)."""
    if participant.round_id != decision.round_id or participant.withdrawn_at is not None:
        return False
    if decision.eligibility == Eligibility.JOINED:
        return True
    invite = session.get(Invite, participant.invite_id) if participant.invite_id else None
    return invite is not None and invite.single_use


def electorate(session: Session, decision: Decision) -> int:
    """How many participants may vote in ``decision`` now."""
    statement = (
        select(func.count())
        .select_from(Participant)
        .where(
            col(Participant.round_id) == decision.round_id, col(Participant.withdrawn_at).is_(None)
        )
    )
    if decision.eligibility == Eligibility.SINGLE_USE_INVITES:
        statement = statement.join(Invite, col(Invite.id) == Participant.invite_id).where(
            col(Invite.single_use).is_(True)
        )
    return int(session.exec(statement).one())


def accepts_ballots(decision: Decision, round_: Round, now: datetime) -> bool:
    """Open, inside its schedule, in a round that is deciding."""
    closes = _aware(decision.closes_at)
    return (
        decision.status == DecisionStatus.OPEN
        and round_.phase == Phase.DECIDING
        and (closes is None or now < closes)
    )


def current_ballot(
    session: Session, decision: Decision, participant: Participant
) -> DecisionBallot | None:
    statement = select(DecisionBallot).where(
        DecisionBallot.decision_id == decision.id,
        DecisionBallot.participant_id == participant.id,
    )
    return session.exec(statement).first()


def receipt_sha256(code: str) -> str:
    """SHA-256 of a receipt code as typed: spaces and hyphens dropped, lower case."""
    cleaned = "".join(c for c in code.lower() if c not in " -")
    return hashlib.sha256(cleaned.encode("ascii", "replace")).hexdigest()


def cast_ballot(
    session: Session,
    *,
    decision: Decision,
    round_: Round,
    participant: Participant,
    choice: dict[str, Any],
    now: datetime,
) -> str | None:
    """Store ``participant``'s ballot, replacing the previous one; return the new receipt
    code when the decision gives receipts (shown once, stored only as its SHA-256; a
    replaced ballot's receipt no longer counts), else None.

    The decision's status is read again under a shared row lock (``FOR SHARE`` on
    PostgreSQL): closing updates that row, so a ballot is either in before the seal or refused
    after it, never left behind unsealed.

    Raises:
        Conflict: the decision does not take ballots now, or the same participant's other
            ballot was being stored at the same moment.
        Forbidden: the participant is not eligible.
        Invalid: the ballot breaks the method's rules (nothing is stored).
    """
    status = session.exec(
        select(Decision.status).where(Decision.id == decision.id).with_for_update(read=True)
    ).one()
    if status != DecisionStatus.OPEN or not accepts_ballots(decision, round_, now):
        raise Conflict(_l("This decision does not take ballots now."))
    if not eligible(session, decision, participant):
        raise Forbidden(_l("Only participants who joined through a personal invite vote here."))
    labels = [o.label for o in options_of(session, decision)]
    ballot_forms.check_choice(spec_of(decision).ballot, choice, labels, scale_of(decision))
    ballot = current_ballot(session, decision, participant)
    if ballot is None:
        ballot = DecisionBallot(
            decision_id=decision.id,  # type: ignore[arg-type]
            participant_id=participant.id,  # type: ignore[arg-type]
            territory_id=participant.territory_id,
        )
    code = None
    if decision.receipts:
        raw = secrets.token_hex(12)
        code = "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
    ballot.choice = choice
    ballot.cast_at = now
    ballot.receipt_sha256 = receipt_sha256(code) if code else None
    try:
        with session.begin_nested():
            session.add(ballot)
    except IntegrityError as error:
        raise Conflict(_l("Your ballot was being recorded twice at once: try again.")) from error
    return code


def advance_decisions(session: Session, *, now: datetime) -> int:
    """Open scheduled drafts of deciding rounds and close open decisions past their closing
    time; return how many changed. A draft that cannot open (missing options) stays a draft.
    Runs in the worker, in the caller's transaction."""
    changed = 0
    due = select(Decision).where(
        (
            (col(Decision.status) == DecisionStatus.DRAFT)
            & col(Decision.opens_at).is_not(None)
            & (col(Decision.opens_at) <= now)
        )
        | (
            (col(Decision.status) == DecisionStatus.OPEN)
            & col(Decision.closes_at).is_not(None)
            & (col(Decision.closes_at) <= now)
        )
    )
    for decision in session.exec(due).all():
        round_ = round_by_id(session, decision.round_id, now=now)
        if decision.status == DecisionStatus.OPEN:
            close_decision(session, decision=decision, round_=round_, now=now)
            changed += 1
        elif round_.phase == Phase.DECIDING:
            try:
                with session.begin_nested():
                    open_decision(session, decision=decision, now=now)
                changed += 1
            except Conflict:
                continue
    return changed
