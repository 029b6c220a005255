"""Which statement a participant sees next.

Before any opinion snapshot exists (the foundation's rule): never one already voted on, only
votable ones (accepted, or pending under post-moderation), seed statements first, then the
least-seen, counted in tiers that double (``Statement.seen_tier``: no vote; 1; 2-3; 4-7; ...),
the oldest first within a tier. Among the ``CANDIDATES`` first in that order, those with the
fewest votes come first, drawn at random among equals so concurrent participants spread over
statements. (Exact counts in the order would put the vote counter in the routing index, and
every vote would rewrite index entries; by tiers it does so only when a count doubles.)

With a snapshot, Pol.is' rule: a draw among the participant's unvoted statements with probability
proportional to the snapshot's priorities. It is done as weighted sampling without replacement
(Efraimidis-Spirakis keys ``log(u) / w``): the unvoted statement with the largest key among the
largest keys is exactly a draw proportional to weight among them, and one indexed query checks
which of those are still open to this participant (as many keys as should hold ``QUEUE`` open
statements twice over, by how much the participant has voted: ``_sample_size``). Statements absent from the
snapshot (nobody had voted on them) weigh ``UNSEEN_PRIORITY``, the priority the Pol.is formula
gives a statement seen by no one; if none of the sampled statements is open, the foundation's
rule decides. Every draw uses the generator passed in, so tests fix it with a seed.

A draw gives not one card but the next ``QUEUE`` in order (the draw without replacement
continued; the foundation's rule orders its first tier at random): the card shows the first and
carries the others, so the next vote only checks whether the first of them (``CHECKED``) are
still open to the participant (``queued_check``: still votable, not voted, readable) instead of
drawing again; each of the others is checked when its turn comes. New priorities and new
statements therefore reach a participant within ``QUEUE`` votes.

Languages. Both rules consider only the statements the participant can read: written in a
language they read, or with a shown translation into one (see
``deliberation.translations.reading``); a participant who reads all of the round's languages
sees every statement. And untranslated statements go first to those who read their language,
so that they are read, and translated by bilingual helpers, early: in the weighted draw, a
statement that some language of the round cannot read yet weighs ``UNTRANSLATED_BOOST`` times
its priority for participants who read its original language (its key is divided by the
factor, which is a draw with the weight multiplied, among the sampled statements). The factor
is bounded, so every statement keeps a positive probability of being drawn by everyone who can
read it: none is starved. Under the foundation's rule new statements, being least seen,
already come first.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import (
    ARRAY,
    Boolean,
    ColumnElement,
    CompoundSelect,
    Integer,
    String,
    Subquery,
    any_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    union_all,
)
from sqlalchemy import Select as SqlSelect
from sqlalchemy import select as sql_select
from sqlmodel import col, select

from deliberation.db import Database, fetch, in_list, is_postgres
from deliberation.models import (
    Participant,
    Round,
    Statement,
    StatementStatus,
    TextKind,
    Translation,
    Vote,
)
from deliberation.services.votes import KEYED_PARTICIPANT_ID, votable_statuses
from deliberation.translations.reading import Original, shown_along, shown_condition

CANDIDATES = 8
QUEUE = 8
CHECKED = 2
"""How many of a queue's first statements a vote checks (``queued_check``); the others go on
unchecked, each checked when its turn comes."""
SAMPLE = 64
"""The most keys a weighted draw looks up (``_sample_size``)."""
UNSEEN_PRIORITY = (0.25 * 9) ** 2
UNTRANSLATED_BOOST = 3.0


@dataclass(frozen=True, eq=False)
class Priorities:
    """Routing weights of one snapshot: ``ids`` (n,) statement ids, ``weights`` (n,) > 0."""

    ids: NDArray[np.int64]
    weights: NDArray[np.float64]

    @cached_property
    def known(self) -> frozenset[int]:
        return frozenset(self.ids.tolist())


def _not_voted_by(participant_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """True for the statements the participant ``participant_id`` (a bound id, or SQL) has no
    current vote on: checked statement by statement, one lookup of the pair in
    ``uq_vote_participant_statement`` each. ``OFFSET 0`` keeps PostgreSQL from making it an
    anti-join, which reads every vote of the participant (its plan, made once for every
    participant, counts on the round's average) for the few statements a draw or a queue
    check looks at: the more a participant had voted, the more each vote cost."""
    return ~(
        sql_select(literal(1))
        .where(
            col(Vote.participant_id) == participant_id,
            col(Vote.statement_id) == Statement.id,
        )
        .offset(0)
        .exists()
    )


def _in_reads(column: Any, postgres: bool, reads: ColumnElement[Any] | None) -> Any:
    """SQL: ``column`` is one of the bound ``reads`` languages, or of the array ``reads``."""
    if reads is None:
        return in_list(column, "reads", String(), postgres)
    return column == any_(reads)


def _shown_translation(
    statuses: tuple[StatementStatus, ...], postgres: bool, reads: ColumnElement[Any] | None
) -> ColumnElement[bool]:
    """SQL: a shown translation of the statement exists in one of the reader's languages
    (``_in_reads``; the reading rule's condition with the round's votable statuses).

    ``OFFSET 0`` keeps PostgreSQL from turning this EXISTS into a hashed subplan: it would
    read every translation of the table to build the hash (about 4 ms at 10,000 statements,
    once per candidate list) where the routing index visits a dozen statements, each checked
    through ``ix_translation_text``."""
    return (
        sql_select(literal(1))
        .where(
            col(Translation.kind) == TextKind.STATEMENT,
            col(Translation.text_id) == Statement.id,
            _in_reads(col(Translation.language), postgres, reads),
            shown_condition(statuses),
        )
        .offset(0)
        .exists()
    )


def _readable(
    statuses: tuple[StatementStatus, ...],
    postgres: bool,
    reads: ColumnElement[Any] | None = None,
) -> ColumnElement[bool]:
    """SQL: the statement is readable in one of the reader's languages (``_in_reads``)."""
    return or_(
        _in_reads(col(Statement.language), postgres, reads),
        _shown_translation(statuses, postgres, reads),
    )


def _reads_filter(round_: Round, participant: Participant) -> list[str] | None:
    """The languages to filter statements by, or None when the participant reads them all."""
    reads = participant.reading_languages
    return None if set(round_.languages) <= set(reads) else reads


def _first_chosen(
    statuses: tuple[StatementStatus, ...], filtered: bool, postgres: bool
) -> Subquery:
    """The ids, seed flags and tiers of the ``CANDIDATES`` first open statements in the
    foundation's order (see ``_candidates``); parameters ``participant_id``,
    ``round_id``, ``skip`` (a statement to leave out: the one being voted on) and, when
    ``filtered``, ``reads``. The branches and their union carry only the
    sort keys."""
    branches: list[SqlSelect[Any]] = [
        sql_select(
            sql_select(col(Statement.id), col(Statement.is_seed), col(Statement.seen_tier))
            .where(
                _not_voted_by(bindparam("participant_id")),
                col(Statement.id) != bindparam("skip"),
                col(Statement.round_id) == bindparam("round_id"),
                col(Statement.status) == status,
                col(Statement.is_seed) == is_seed,
                *([_readable(statuses, postgres)] if filtered else []),
            )
            .order_by(col(Statement.seen_tier), col(Statement.id))
            .limit(CANDIDATES)
            .subquery()  # type: ignore[arg-type]
        )
        for is_seed in (True, False)
        for status in statuses
    ]
    union = union_all(*branches).subquery()
    return (
        sql_select(union.c.id, union.c.is_seed, union.c.seen_tier)
        .order_by(union.c.is_seed.desc(), union.c.seen_tier, union.c.id)
        .limit(CANDIDATES)
        .subquery()
    )


_CARD_COLUMNS: tuple[Any, ...] = (
    col(Statement.id),
    col(Statement.round_id),
    col(Statement.status),
    col(Statement.language),
    col(Statement.is_seed),
    col(Statement.vote_count),
    col(Statement.text),
)


def _open_among(statuses: tuple[StatementStatus, ...], filtered: bool, postgres: bool) -> Any:
    """SQL conditions: the statement is one of the bound ``ids``, ``participant_id`` has not
    voted on it and, when ``filtered``, it can be read in ``reads``."""
    return (
        in_list(col(Statement.id), "ids", Integer(), postgres),
        _not_voted_by(bindparam("participant_id")),
        *([_readable(statuses, postgres)] if filtered else []),
    )


@cache
def _candidates_query(
    statuses: tuple[StatementStatus, ...], filtered: bool, postgres: bool, sampled: bool
) -> SqlSelect[Any] | CompoundSelect:
    """The one query of a draw, built once per shape (its construction costs more than its
    execution; the lists are bound at execution): the ``CANDIDATES`` first open statements in
    the foundation's order (``is_first`` true, see ``_first_chosen``) and, when ``sampled``,
    the statements among ``ids`` that ``participant_id`` has not voted on (and, when
    ``filtered``, can read in ``reads``), with the number of the round's ``languages`` each
    statement has a shown translation into (``translated``; when ``filtered``, only for the
    statements written in a language of ``reads``, the only ones the draw boosts: null for the
    others, whose translations would be counted for nothing). Rows in no particular order,
    each with what the draw weighs and what the card shows, read by SQL rather than as
    objects."""
    columns: list[Any] = list(_CARD_COLUMNS)
    if sampled:
        translated: ColumnElement[Any] = (
            select(func.count(func.distinct(Translation.language)))
            .where(
                col(Translation.kind) == TextKind.STATEMENT,
                col(Translation.text_id) == Statement.id,
                in_list(col(Translation.language), "languages", String(), postgres),
                shown_condition(statuses),
            )
            .scalar_subquery()
        )
        if filtered:
            translated = case((_in_reads(col(Statement.language), postgres, None), translated))
        columns.append(translated.label("translated"))
    chosen = _first_chosen(statuses, filtered, postgres)
    first = sql_select(literal(True).label("is_first"), *columns).join_from(
        chosen, Statement, col(Statement.id) == chosen.c.id
    )
    if not sampled:
        return first
    return union_all(
        first,
        sql_select(literal(False).label("is_first"), *columns).where(
            *_open_among(statuses, filtered, postgres)
        ),
    )


def _along(statuses: tuple[StatementStatus, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """What a queue check reads along (PostgreSQL), columns and conditions: the shown
    translations (``shown_along``) of the first card still open in the queue's order (the
    order of ``ids``), and which card that is (``first``). The other open cards only go on to
    the next answer as ids: building their translations' JSON was a quarter of the check's
    time, for nothing (8 cards in a round of 3 languages). The card is first among the rows
    of the round in a votable status, as ``QueuedCheck.cards`` orders them."""
    order = func.array_position(bindparam("ids", type_=ARRAY(Integer())), Statement.id)
    first = func.row_number().over(order_by=order) == 1
    return (
        (shown_along(statuses, first), first.label("first")),
        (
            col(Statement.round_id) == bindparam("round_id"),
            or_(*(col(Statement.status) == status for status in statuses)),
        ),
    )


@cache
def _queued_query(
    statuses: tuple[StatementStatus, ...], filtered: bool, postgres: bool, along: bool = False
) -> SqlSelect[Any]:
    """The statements among ``ids`` still open to ``participant_id`` (see ``_open_among``),
    with ``along`` (PostgreSQL) the first one's shown translations (``_along``)."""
    columns, conditions = _along(statuses) if along else ((), ())
    return sql_select(*_CARD_COLUMNS, *columns).where(
        *_open_among(statuses, filtered, postgres), *conditions
    )


# The keyed vote's voter, as its statement finds it (``votes.Keyed``, PostgreSQL): its id, the
# languages it reads and whether they are all of the round's.
_WHO_ID: ColumnElement[int] = literal_column(KEYED_PARTICIPANT_ID, Integer())
_WHO_READS: ColumnElement[Any] = literal_column(
    "CAST((SELECT reading FROM who) AS VARCHAR[])", ARRAY(String())
)
_WHO_READS_ALL: ColumnElement[bool] = literal_column("(SELECT reads_all FROM who)", Boolean())


@cache
def _keyed_queued_query(statuses: tuple[StatementStatus, ...], along: bool) -> SqlSelect[Any]:
    """``_queued_query`` for the voter of a keyed vote, read along its statement (which finds
    it: ``votes.Keyed``), filtered by what it reads unless it reads all of the round's
    languages (as ``_reads_filter``), with ``along`` the first one's shown translations."""
    columns, conditions = _along(statuses) if along else ((), ())
    return sql_select(*_CARD_COLUMNS, *columns).where(
        in_list(col(Statement.id), "ids", Integer(), True),
        _not_voted_by(_WHO_ID),
        or_(_WHO_READS_ALL, _readable(statuses, True, _WHO_READS)),
        *conditions,
    )


def _params(round_: Round, participant: Participant, skip: int | None) -> dict[str, Any]:
    """The parameters every routing query binds; ``reads`` only when it filters."""
    params: dict[str, Any] = {
        "participant_id": participant.id,
        "round_id": round_.id,
        "skip": skip or 0,
    }
    reads = _reads_filter(round_, participant)
    if reads is not None:
        params["reads"] = reads
    return params


def _in_round(rows: Sequence[Any], round_: Round) -> list[Any]:
    """The rows of ``round_`` in a votable status. Round and status of statements looked up
    by id are checked here rather than in SQL: SQLite without statistics would otherwise scan
    the round's routing index instead of looking the ids up."""
    votable = votable_statuses(round_)
    return [row for row in rows if row.round_id == round_.id and row.status in votable]


def _candidates(
    session: Database,
    *,
    round_: Round,
    participant: Participant,
    ids: list[int] | None,
    skip: int | None,
) -> tuple[list[Any], list[Any]]:
    """The first candidates in the foundation's order (seeds first, then by ``seen_tier``,
    then by id; returned sorted by ``vote_count`` within that), and the open ones among the
    sampled ``ids`` (when given), in one query; ``skip`` is left out of both.

    The first candidates are a union of one branch per (seed or not, votable status) pair:
    each branch is an ordered scan of ``ix_statement_routing`` (round, status, is_seed,
    seen_tier, id) that stops after ``CANDIDATES`` unvoted rows, and at most
    ``4 * CANDIDATES`` rows are sorted. Ordering all open statements at once, over several statuses, would sort
    the whole round instead (tens of milliseconds at 10,000 statements).
    """
    params = _params(round_, participant, skip)
    if ids is not None:
        params |= {"ids": [i for i in ids if i != skip], "languages": list(round_.languages)}
    query = _candidates_query(
        votable_statuses(round_), "reads" in params, is_postgres(session), ids is not None
    )
    rows = fetch(session, query, params)
    first = sorted(
        (row for row in rows if row.is_first),
        key=lambda row: (not row.is_seed, row.vote_count, row.id),
    )
    return first, _in_round([row for row in rows if not row.is_first], round_)


def _card(row: Any) -> Original:
    return Original(row.id, row.text, row.language)


def _least_seen(first: list[Any], rng: random.Random) -> list[Original]:
    """The foundation's order of the first candidates (sorted by ``_candidates``): at random
    among equals, those of the same seed flag and vote count (so concurrent participants
    spread over the least seen)."""
    equals: dict[tuple[bool, int], list[Any]] = {}
    for row in first:
        equals.setdefault((row.is_seed, row.vote_count), []).append(row)
    order: list[Original] = []
    for rows in equals.values():
        rng.shuffle(rows)
        order.extend(_card(row) for row in rows)
    return order[:QUEUE]


@dataclass(frozen=True)
class QueuedCheck:
    """Which of the first statements of a queue (ids from an earlier draw, in its order) are
    still open to a participant: ``query`` with ``params`` (for ``fetch``, or read in the
    vote's own statement: ``votes.cast_vote_reading``), then ``cards`` of its rows; ``along``
    when the query reads the first open card's shown translations with them (``_along``).

    Only the first ``CHECKED`` (``ids``) are checked: the card to show is the first open one
    among them, and the ``rest`` of the queue goes on to the next answer as it came, each
    statement checked when its turn comes (checking them all, at every vote, looked each up
    again and again: most of the check's index reads). When none of those checked is open,
    the rest is checked next, all of it at once (``queued_check`` with ``checked=QUEUE``)."""

    query: Any
    params: dict[str, Any]
    ids: list[int]
    rest: list[int]
    round_: Round
    along: bool

    def cards(self, rows: Sequence[Any]) -> list[Original]:
        """The open statements among ``rows`` (the query's), in the queue's order."""
        found = {row.id: row for row in _in_round(rows, self.round_)}
        return [_card(found[i]) for i in self.ids if i in found]

    def shown(self, rows: Sequence[Any]) -> dict[int, str | None] | None:
        """The shown translations read with ``rows`` (the first open card's, ``_along``), by
        statement id (``read_along``), or None when the query did not read them (SQLite, a
        round of one language)."""
        return {row.id: row.shown for row in rows if row.first} if self.along else None


def queued_check(
    round_: Round,
    participant: Participant,
    queue: list[int],
    *,
    skip: int | None,
    postgres: bool,
    checked: int = CHECKED,
) -> QueuedCheck | None:
    """The check of the first ``checked`` of ``queue`` for ``participant`` (``skip`` left
    out; ``postgres`` for the dialect), or None when nothing is left to check."""
    ids = _queued(queue, skip)
    if not ids:
        return None
    params = _params(round_, participant, skip) | {"ids": ids[:checked]}
    along = postgres and _translated(round_)
    query = _queued_query(votable_statuses(round_), "reads" in params, postgres, along)
    return QueuedCheck(query, params, ids[:checked], ids[checked:], round_, along)


def keyed_queued_check(round_: Round, queue: list[int], *, skip: int) -> QueuedCheck | None:
    """``queued_check`` for the voter of a keyed vote (``votes.Keyed``, PostgreSQL), to be read
    along its statement only: the voter is the one the statement finds."""
    ids = _queued(queue, skip)
    if not ids:
        return None
    params = {"round_id": round_.id, "ids": ids[:CHECKED]}
    along = _translated(round_)
    query = _keyed_queued_query(votable_statuses(round_), along)
    return QueuedCheck(query, params, ids[:CHECKED], ids[CHECKED:], round_, along)


def _queued(queue: list[int], skip: int | None) -> list[int]:
    """The statements of ``queue`` still to show, in its order: each once, ``skip`` left out,
    at most the ``QUEUE`` first."""
    return [i for i in dict.fromkeys(queue) if i != skip][:QUEUE]


def _translated(round_: Round) -> bool:
    """Whether ``round_``'s cards may be read in translation (it has several languages): only
    then does a queue check read the first open card's shown translations along (``_along``)."""
    return len(round_.languages) > 1


def next_statements(
    session: Database,
    *,
    round_: Round,
    participant: Participant,
    rng: random.Random,
    priorities: Priorities | None = None,
    skip: int | None = None,
) -> list[Original]:
    """The statements of ``participant``'s next cards, as written, in the order drawn (at most
    ``QUEUE``; empty when nothing is left to vote on); ``skip`` is left out (the statement
    being voted on)."""
    if priorities is not None and priorities.ids.size:
        return _weighted_draw(
            session,
            round_=round_,
            participant=participant,
            rng=rng,
            priorities=priorities,
            skip=skip,
        )
    first, _ = _candidates(session, round_=round_, participant=participant, ids=None, skip=skip)
    return _least_seen(first, rng)


def _sample_size(priorities: Priorities, participant: Participant) -> int:
    """How many of the largest keys a draw looks up: twice what should hold ``QUEUE`` open
    statements, by the share of the snapshot's statements the participant has not voted on
    yet (``SAMPLE`` at most). Each costs the draw's query a few index lookups; a sample with
    fewer open statements than ``QUEUE`` only gives a shorter queue (the order among those it
    holds is still exact), and one with none leaves the draw to the foundation's rule."""
    unvoted = max(1.0 - participant.vote_count / priorities.ids.size, 2 * QUEUE / SAMPLE)
    return min(SAMPLE, math.ceil(2 * QUEUE / unvoted))


def _weighted_draw(
    session: Database,
    *,
    round_: Round,
    participant: Participant,
    rng: random.Random,
    priorities: Priorities,
    skip: int | None,
) -> list[Original]:
    """The draw by priorities; the foundation's when none of the sampled statements is open."""
    generator = np.random.default_rng(rng.getrandbits(64))
    keys = np.log(generator.random(priorities.ids.size)) / priorities.weights
    size = _sample_size(priorities, participant)
    top = np.argsort(-keys)[:size] if keys.size <= size else np.argpartition(-keys, size)[:size]
    key_of = {int(priorities.ids[i]): float(keys[i]) for i in top}
    first, sampled = _candidates(
        session, round_=round_, participant=participant, ids=list(key_of), skip=skip
    )
    if not first:
        return []
    # The first candidates absent from the snapshot weigh UNSEEN_PRIORITY; they are open.
    unseen = [row for row in first if row.id not in priorities.known]
    for row in unseen:
        key_of[row.id] = math.log(1.0 - rng.random()) / UNSEEN_PRIORITY
    candidates = [*unseen, *sampled]
    if not candidates:
        return _least_seen(first, rng)
    reader_of = set(participant.reading_languages)
    languages = set(round_.languages)
    for row in candidates:
        # Untranslated into some language of the round, and read by this participant in
        # the original: it goes first (see the module's docstring).
        if row.language in reader_of and row.translated < len(languages - {row.language}):
            key_of[row.id] /= UNTRANSLATED_BOOST
    drawn = sorted(candidates, key=lambda row: key_of[row.id], reverse=True)
    return [_card(row) for row in drawn[:QUEUE]]
