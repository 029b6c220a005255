"""Every translatable text of a round, whatever its kind, as one ``Source``.

A source is a text's kind and id in its table, its text as written and its language: a
statement's own; a proposal's title and text in the proposal's language; an amendment's
paragraph and rationale in its proposal's language; a draft decision's title in the round's first
language, and its options' titles and texts in the option's language (its proposal's, else the
round's first); an outcome's title, text and
rationale in the outcome's. PO files, machine translation and participants' translations all
reach texts through here, so every kind is handled once.

What is left out cannot be translated now: rejected statements, hidden proposals and
amendments, the title and options of a decision already opened (they are frozen), empty parts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from deliberation.errors import Invalid, NotFound
from deliberation.messages import lazy_message
from deliberation.models import (
    Amendment,
    Decision,
    DecisionOption,
    DecisionStatus,
    Outcome,
    Proposal,
    Round,
    Statement,
    StatementStatus,
    TextKind,
)
from deliberation.models.proposals import MAX_REASON, MAX_TEXT, MAX_TITLE
from deliberation.models.reports import MAX_OUTCOME_TEXT
from deliberation.services.statements import clean_text
from deliberation.services.validation import has_control_characters, has_visible_text

PROPOSAL_KINDS = (
    TextKind.PROPOSAL_TITLE,
    TextKind.PROPOSAL_TEXT,
    TextKind.AMENDMENT_TEXT,
    TextKind.AMENDMENT_RATIONALE,
)
"""The kinds written while drafting, which participants may translate as statements."""

LIMITS = {
    TextKind.PROPOSAL_TITLE: MAX_TITLE,
    TextKind.PROPOSAL_TEXT: MAX_TEXT,
    TextKind.AMENDMENT_TEXT: MAX_TEXT,
    TextKind.AMENDMENT_RATIONALE: MAX_REASON,
    TextKind.DECISION_TITLE: 200,
    TextKind.OPTION_TITLE: 200,
    TextKind.OPTION_TEXT: MAX_TEXT,
    TextKind.OUTCOME_TITLE: 200,
    TextKind.OUTCOME_TEXT: MAX_OUTCOME_TEXT,
    TextKind.OUTCOME_RATIONALE: MAX_OUTCOME_TEXT,
}
"""The longest translation of each kind but statements (whose limit is the round's): the
original's own limit."""

_ONE_LINE = frozenset(
    {
        TextKind.PROPOSAL_TITLE,
        TextKind.DECISION_TITLE,
        TextKind.OPTION_TITLE,
        TextKind.OUTCOME_TITLE,
    }
)


@dataclass(frozen=True)
class Source:
    """One translatable text: ``kind`` and ``id`` name it, ``text`` in ``language``.
    ``parent_id`` is the proposal of a proposal's or an amendment's part (None otherwise)."""

    kind: TextKind
    id: int
    text: str
    language: str
    parent_id: int | None = None


def statement_source(statement: Statement) -> Source:
    """A statement as a source, whatever its moderation."""
    return Source(TextKind.STATEMENT, statement.id or 0, statement.text, statement.language)


def clean_for(round_: Round, kind: TextKind, text: str) -> str:
    """A translation of a text of ``kind``: trimmed (a title, and a statement, on one line;
    Markdown keeps its lines), visible, without control characters, within the original's
    limit. Raises ``Invalid``."""
    if kind == TextKind.STATEMENT:
        return clean_text(round_, text)
    if has_control_characters(text):
        raise Invalid(_l("A translation cannot contain control characters."))
    if kind in _ONE_LINE:
        text = " ".join(text.split())
    else:
        text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not has_visible_text(text):
        raise Invalid(_l("Write a translation."))
    if len(text) > LIMITS[kind]:
        raise Invalid(
            lazy_message(
                "A translation has at most %(limit)d characters; this one has %(length)d.",
                limit=LIMITS[kind],
                length=len(text),
            )
        )
    return text


def _statements(session: Session, round_: Round, ids: list[int] | None) -> Iterable[Source]:
    query = select(Statement).where(
        Statement.round_id == round_.id, Statement.status != StatementStatus.REJECTED
    )
    if ids is not None:
        query = query.where(col(Statement.id).in_(ids))
    for statement in session.exec(query.order_by(col(Statement.id))):
        yield statement_source(statement)


def _proposals(
    session: Session, round_: Round, kinds: frozenset[TextKind], ids: list[int] | None
) -> Iterable[Source]:
    query = select(Proposal).where(
        Proposal.round_id == round_.id, col(Proposal.hidden_at).is_(None)
    )
    if ids is not None:
        query = query.where(col(Proposal.id).in_(ids))
    for proposal in session.exec(query.order_by(col(Proposal.id))):
        for kind, value in (
            (TextKind.PROPOSAL_TITLE, proposal.title),
            (TextKind.PROPOSAL_TEXT, proposal.text),
        ):
            if kind in kinds:
                yield Source(kind, proposal.id or 0, value, proposal.language, proposal.id)


def _amendments(
    session: Session, round_: Round, kinds: frozenset[TextKind], ids: list[int] | None
) -> Iterable[Source]:
    query = (
        select(Amendment, Proposal)
        .join(Proposal, col(Proposal.id) == Amendment.proposal_id)
        .where(
            Proposal.round_id == round_.id,
            col(Proposal.hidden_at).is_(None),
            col(Amendment.hidden_at).is_(None),
        )
    )
    if ids is not None:
        query = query.where(col(Amendment.id).in_(ids))
    for amendment, proposal in session.exec(query.order_by(col(Amendment.id))):
        for kind, value in (
            (TextKind.AMENDMENT_TEXT, amendment.replacement),
            (TextKind.AMENDMENT_RATIONALE, amendment.rationale),
        ):
            if kind in kinds and value.strip():
                yield Source(kind, amendment.id or 0, value, proposal.language, proposal.id)


def _decisions(
    session: Session, round_: Round, kinds: frozenset[TextKind], ids: list[int] | None
) -> Iterable[Source]:
    query = select(Decision).where(
        Decision.round_id == round_.id, Decision.status == DecisionStatus.DRAFT
    )
    if ids is not None:
        query = query.where(col(Decision.id).in_(ids))
    for decision in session.exec(query.order_by(col(Decision.id))):
        if TextKind.DECISION_TITLE in kinds and decision.title.strip():
            yield Source(
                TextKind.DECISION_TITLE, decision.id or 0, decision.title, round_.languages[0]
            )


def _options(
    session: Session, round_: Round, kinds: frozenset[TextKind], ids: list[int] | None
) -> Iterable[Source]:
    query = (
        select(DecisionOption, Proposal.language)
        .join(Decision, col(Decision.id) == DecisionOption.decision_id)
        .outerjoin(Proposal, col(Proposal.id) == DecisionOption.proposal_id)
        .where(Decision.round_id == round_.id, Decision.status == DecisionStatus.DRAFT)
    )
    if ids is not None:
        query = query.where(col(DecisionOption.id).in_(ids))
    for option, language in session.exec(query.order_by(col(DecisionOption.id))):
        for kind, value in (
            (TextKind.OPTION_TITLE, option.title),
            (TextKind.OPTION_TEXT, option.text),
        ):
            if kind in kinds and value.strip():
                yield Source(kind, option.id or 0, value, language or round_.languages[0])


def _outcomes(
    session: Session, round_: Round, kinds: frozenset[TextKind], ids: list[int] | None
) -> Iterable[Source]:
    query = select(Outcome).where(Outcome.round_id == round_.id)
    if ids is not None:
        query = query.where(col(Outcome.id).in_(ids))
    for outcome in session.exec(query.order_by(col(Outcome.id))):
        for kind, value in (
            (TextKind.OUTCOME_TITLE, outcome.title),
            (TextKind.OUTCOME_TEXT, outcome.text),
            (TextKind.OUTCOME_RATIONALE, outcome.rationale),
        ):
            if kind in kinds and value.strip():
                yield Source(kind, outcome.id or 0, value, outcome.language)


def round_sources(
    session: Session,
    round_: Round,
    *,
    kinds: Iterable[TextKind] = tuple(TextKind),
    ids: dict[TextKind, list[int]] | None = None,
) -> list[Source]:
    """The translatable texts of ``round_`` of ``kinds`` (all by default), in the order of
    ``TextKind`` then by id; only the ids of ``ids[kind]`` for each kind when ``ids`` is
    given (a kind missing from it has none)."""
    wanted = frozenset(kinds)
    if ids is not None:
        wanted = wanted & frozenset(kind for kind, chosen in ids.items() if chosen)

    def only(*group: TextKind) -> list[int] | None:
        if ids is None:
            return None
        return sorted({i for kind in group for i in ids.get(kind, [])})

    found: list[Source] = []
    if TextKind.STATEMENT in wanted:
        found.extend(_statements(session, round_, only(TextKind.STATEMENT)))
    groups = (
        (_proposals, (TextKind.PROPOSAL_TITLE, TextKind.PROPOSAL_TEXT)),
        (_amendments, (TextKind.AMENDMENT_TEXT, TextKind.AMENDMENT_RATIONALE)),
        (_decisions, (TextKind.DECISION_TITLE,)),
        (_options, (TextKind.OPTION_TITLE, TextKind.OPTION_TEXT)),
        (_outcomes, (TextKind.OUTCOME_TITLE, TextKind.OUTCOME_TEXT, TextKind.OUTCOME_RATIONALE)),
    )
    for load, group in groups:
        if wanted & frozenset(group):
            found.extend(load(session, round_, wanted & frozenset(group), only(*group)))
    order = {kind: index for index, kind in enumerate(TextKind)}
    return sorted(found, key=lambda source: (order[source.kind], source.id))


def get_source(session: Session, round_: Round, kind: TextKind, text_id: int) -> Source:
    """The text of ``kind`` and ``text_id`` in ``round_``; ``NotFound`` when it is not (or
    cannot be translated now)."""
    found = round_sources(session, round_, kinds=(kind,), ids={kind: [text_id]})
    if not found:
        raise NotFound(_l("This text does not exist in this round."))
    return found[0]


def check_language(round_: Round, source: Source, language: str) -> str:
    """``language`` if ``source`` can be translated into it: one of the round's languages,
    other than the text's own."""
    if language not in round_.languages:
        raise Invalid(_l("This round does not offer this language."))
    if language == source.language:
        if source.kind == TextKind.STATEMENT:
            raise Invalid(_l("This statement is already written in this language."))
        raise Invalid(_l("This text is already written in this language."))
    return language
