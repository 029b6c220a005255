"""The participant this browser is in each round, kept in the signed session cookie as
``{round id: session key}``: every view reads and writes it through these functions.

The key is a random secret (``participation.issue_session_key``); the database keeps only its
hash, so anonymisation, which erases the hash, cuts the link between the cookie and the rows.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, NamedTuple

from flask import current_app, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ColumnElement, Select, String, Text, bindparam, cast, literal_column
from sqlalchemy import select as sql_select
from sqlmodel import col

from deliberation.clock import utcnow
from deliberation.db import (
    Database,
    attached,
    detached,
    engine,
    fetch,
    get_session,
    in_list,
    is_postgres,
    request_connection,
)
from deliberation.errors import Forbidden, NotFound
from deliberation.models import Participant, Round
from deliberation.opinions.stored import latest_snapshot_id_query
from deliberation.services import participation
from deliberation.services.rounds import refresh_phase, scheduled_phase
from deliberation.services.votes import (
    PARTICIPANT_VERSION,
    Cast,
    Keyed,
    Versions,
    count_votable,
)

KEY = "participants"


def keys_digest() -> str | None:
    """A digest of every session key this browser holds (for rate limits: the secrets never
    leave the app), or None when it holds none."""
    keys = tuple(str(value) for value in (session.get(KEY) or {}).values())
    return _digest(keys) if keys else None


@lru_cache(maxsize=4096)
def _digest(keys: tuple[str, ...]) -> str:
    """``keys_digest`` of ``keys``, hashed once per process (it comes with every vote)."""
    return hashlib.sha256(",".join(keys).encode()).hexdigest()[:32]


def session_key(round_: Round) -> str | None:
    """This browser's session key in ``round_``, unchecked; None when it has none."""
    value = (session.get(KEY) or {}).get(str(round_.id))
    return value if isinstance(value, str) else None


def current_participant(round_: Round, *, notice: bool = True) -> Participant:
    """This browser's participant in ``round_``; ``Forbidden`` when it has none, withdrew or was
    anonymised. With ``notice``, ``NoticeOutdated`` until they accepted the current privacy
    notice (reading their data, accepting the notice and withdrawing pass ``notice=False``)."""
    participant = participation.get_participant(get_session(), round_, session_key(round_))
    if notice:
        participation.require_current_notice(round_, participant)
    return participant


def viewing_participant(round_: Round) -> Participant | None:
    """This browser's participant in ``round_``, or None when it has none or withdrew (the
    notice is not checked)."""
    if session_key(round_) is None:
        return None
    try:
        return current_participant(round_, notice=False)
    except Forbidden:
        return None


def remember(participant: Participant, key: str) -> None:
    """Make ``participant``, whose session key is ``key``, this browser's participant."""
    known = dict(session.get(KEY) or {})
    known[str(participant.round_id)] = key
    session[KEY] = known


def forget(round_: Round) -> None:
    """Drop this browser's participant in ``round_`` (a new dict, so the cookie is rewritten)."""
    known = dict(session.get(KEY) or {})
    known.pop(str(round_.id), None)
    session[KEY] = known


VisitKey = tuple[str, tuple[str, ...]]
"""A round's slug and the hashes of every session key a browser holds."""


class _Read(NamedTuple):
    """What the visit query found for ``key``: the round's values, its latest snapshot's id,
    the participant's values (None when no key of the browser is of this round), on
    PostgreSQL for a vote the versions of both rows, and when it was read
    (``time.monotonic``). A tuple: each vote makes one (``keep_vote``)."""

    key: VisitKey
    round: dict[str, Any]
    snapshot_id: int | None
    participant: dict[str, Any] | None
    versions: Versions | None
    at: float


@dataclass(frozen=True)
class Visit:
    """What a participation page or vote needs first: the round (its phase up to date), this
    browser's participant in it, the id of the round's latest opinion snapshot (None before
    the first) and how many of its statements are votable; for a vote, what it was read from
    (``visit(..., kept=True)``)."""

    round: Round
    participant: Participant
    snapshot_id: int | None
    votable: int
    read: _Read | None = None

    @property
    def versions(self) -> Versions | None:
        """The versions of the rows ``round`` and ``participant`` were read at, for a vote
        that checks them (``votes.cast_vote_reading``)."""
        return self.read.versions if self.read is not None else None


class KeptVisits:
    """Each app process's last ``_Read`` per ``VisitKey``, at most ``size`` (the oldest kept
    go first), for the votes that follow: each vote's own statement checks that the rows are
    still at their versions. The values are shared by the requests that read them and never
    written (a vote keeps a new ``_Read``). The reads of one round at one version share one
    copy of its values (its texts, in every language, can be the largest part). The last read
    kept of each round (``latest``) serves a browser's first vote in the process
    (``vote_visit``)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._reads: dict[VisitKey, _Read] = {}
        self._rounds: dict[int, tuple[str, dict[str, Any]]] = {}
        self._latest: dict[str, _Read] = {}
        self._lock = threading.Lock()

    def get(self, key: VisitKey, seconds: float) -> _Read | None:
        """The ``_Read`` kept for ``key`` when read less than ``seconds`` ago."""
        read = self._reads.get(key)
        return read if read is not None and time.monotonic() - read.at < seconds else None

    def put(self, read: _Read) -> None:
        versions, round_id = read.versions, read.round["id"]
        assert versions is not None, "only a read with its versions is kept"
        with self._lock:
            shared = self._rounds.get(round_id)
            if shared is not None and shared[0] == versions.round:
                if shared[1] is not read.round:
                    read = read._replace(round=shared[1])
            else:
                self._rounds[round_id] = (versions.round, read.round)
            self._reads.pop(read.key, None)
            self._reads[read.key] = read
            while len(self._reads) > self.size:
                del self._reads[next(iter(self._reads))]
            if len(self._rounds) > self.size or len(self._latest) > self.size:
                self._rounds.clear()  # a copy only shares: dropping them loses nothing
                self._latest.clear()  # as a miss
            self._latest[read.key[0]] = read

    def latest(self, slug: str, seconds: float) -> _Read | None:
        """The last ``_Read`` kept of round ``slug``, any browser's, when read less than
        ``seconds`` ago."""
        read = self._latest.get(slug)
        return read if read is not None and time.monotonic() - read.at < seconds else None

    def round_values(self, round_id: int, version: str) -> dict[str, Any] | None:
        """The values kept of round ``round_id`` at ``version``, if any."""
        shared = self._rounds.get(round_id)
        return shared[1] if shared is not None and shared[0] == version else None

    def pop(self, key: VisitKey) -> None:
        with self._lock:
            self._reads.pop(key, None)


KEPT_VISITS = 4096
"""At most this many visits kept per app process (a participant's row and a few keys each,
beside one copy of each round's values)."""


def _kept_visits() -> KeptVisits:
    store: KeptVisits | None = current_app.extensions.get("palabre.kept_visits")
    if store is None:
        store = current_app.extensions.setdefault("palabre.kept_visits", KeptVisits(KEPT_VISITS))
    return store


# What the vote path reads of the round (``visit(..., votes=True)``): its phase and schedule,
# moderation mode, languages and the map's threshold. The texts (title, question, framing: JSON
# to decode) stay in the database; a page that shows them loads them when it reads them.
VOTE_PATH_COLUMNS = (
    "id",
    "slug",
    "languages",
    "opens_at",
    "closes_at",
    "phase",
    "moderation_mode",
    "min_votes_for_map",
)
_PARTICIPANT_COLUMNS = tuple(column.name for column in Participant.__table__.columns)  # type: ignore[attr-defined]
_JSON_ROUND_COLUMNS = frozenset(
    column.name
    for column in Round.__table__.columns  # type: ignore[attr-defined]
    if isinstance(column.type, JSON)
)


@cache
def _round_columns(votes: bool) -> tuple[str, ...]:
    return VOTE_PATH_COLUMNS if votes else tuple(c.name for c in Round.__table__.columns)  # type: ignore[attr-defined]


@cache
def _visit_query(postgres: bool, votes: bool, versions: bool) -> Select[Any]:
    """The query behind ``visit``, built once per dialect and use: the round's columns (see
    ``_round_columns``), its latest snapshot's id, a participant's, then with ``versions``
    (PostgreSQL) the versions of the round's and the participant's rows, and the round's JSON
    columns as text (see ``_kept_round``); parameters ``slug``
    and ``key_hashes`` (of every key the browser holds: the round's id is not known before
    the query; one array on PostgreSQL, see ``in_list``). One row per participant those keys
    name, in any round (the caller keeps this round's): joined on the unique key hash alone,
    so that even a generic plan looks the keys up rather than reading the round's
    participants."""
    rounds, participants = Round.__table__.c, Participant.__table__.c  # type: ignore[attr-defined]
    row_versions: tuple[ColumnElement[Any], ...] = (
        cast(literal_column("round.xmin"), Text()),
        literal_column(PARTICIPANT_VERSION),
    )
    return (
        sql_select(
            *(
                cast(rounds[name], Text())
                if versions and name in _JSON_ROUND_COLUMNS
                else rounds[name]
                for name in _round_columns(votes)
            ),
            latest_snapshot_id_query(col(Round.id)).scalar_subquery(),
            *(participants[name].label(f"participant_{name}") for name in _PARTICIPANT_COLUMNS),
            *(row_versions if versions else ()),
        )
        .outerjoin(
            Participant,
            in_list(col(Participant.session_key_hash), "key_hashes", String(), postgres),
        )
        .where(col(Round.slug) == bindparam("slug"))
    )


_ROUND_ID = _PARTICIPANT_COLUMNS.index("round_id")
_KEY_HASH = _PARTICIPANT_COLUMNS.index("session_key_hash")


def _read_visit(db: Database, key: VisitKey, *, votes: bool, versions: bool) -> _Read:
    """What ``visit`` reads of round ``key[0]`` and the browser's participant in it (``key[1]``,
    the hashes of its keys): 404 without such a round."""
    rows = fetch(
        db,
        _visit_query(is_postgres(db), votes, versions),
        {"slug": key[0], "key_hashes": list(key[1])},
    )
    if not rows:
        raise NotFound(_l("No round has this address."))
    names = _round_columns(votes)
    values = dict(zip(names, rows[0], strict=False))
    own = (session.get(KEY) or {}).get(str(values["id"]))
    expected = participation.key_hash(own) if isinstance(own, str) else None
    start = len(names) + 1
    end = start + len(_PARTICIPANT_COLUMNS)
    found = next(
        (
            row
            for row in rows
            if row[start] is not None
            and row[start + _ROUND_ID] == values["id"]
            and row[start + _KEY_HASH] == expected
        ),
        None,
    )
    row_versions = Versions(*found[end:]) if versions and found else None
    return _Read(
        key,
        _kept_round(values, row_versions) if versions else values,
        rows[0][len(names)],
        dict(zip(_PARTICIPANT_COLUMNS, found[start:end], strict=True)) if found else None,
        row_versions,
        time.monotonic(),
    )


def _kept_round(values: dict[str, Any], versions: Versions | None) -> dict[str, Any]:
    """The round's values for a read with versions: the copy this process keeps of the round
    at that version (``KeptVisits``) when it has one, else ``values`` with its JSON columns,
    read as text, decoded (texts in every language: most of what a browser's first vote in a
    process would decode)."""
    shared = _kept_visits().round_values(values["id"], versions.round) if versions else None
    if shared is not None:
        return shared
    return values | {name: json.loads(values[name]) for name in _JSON_ROUND_COLUMNS}


def visit(slug: str, *, notice: bool = True, votes: bool = False, kept: bool = False) -> Visit:
    """The ``Visit`` of round ``slug`` by this browser, in one query: 404 without such a round,
    and the checks of ``current_participant``. ``votes`` for the vote path: only the round's
    ``VOTE_PATH_COLUMNS`` are read at first.

    ``kept`` (a vote, on PostgreSQL): what the browser's last recorded vote in this app
    process was cast with (``keep_vote``), when read less than ``VISIT_KEPT_SECONDS`` ago,
    rather than the query. The ``Visit`` carries the rows' versions for the vote's statement
    to check: a change to the round or the participant since (a withdrawal, say) takes effect
    at once, the vote raising ``votes.VisitChanged`` (then ``forget_visit`` and visit without
    ``kept``). The latest snapshot's id, which only orders the next cards, may be that old.
    Its round and participant, every column read, are ``detached``: a vote only reads them
    (its statement writes the counters), on the request's own connection: no ORM session is
    opened unless the schedule moves the round's phase."""
    key = _visit_key(slug)
    kept = kept and is_postgres(engine())
    read = _kept_visits().get(key, current_app.config["VISIT_KEPT_SECONDS"]) if kept else None
    return _visit(key, notice=notice, votes=votes, kept=kept, read=read)


def _visit_key(slug: str) -> VisitKey:
    """Round ``slug`` and the hashes of every session key this browser holds."""
    keys = (session.get(KEY) or {}).values()
    return slug, tuple(participation.key_hash(str(value)) for value in keys)


def _visit(key: VisitKey, *, notice: bool, votes: bool, kept: bool, read: _Read | None) -> Visit:
    """``visit`` of ``key``; ``kept`` (PostgreSQL): from ``read``, the browser's kept read, if
    any, else read with versions."""
    if kept:
        if read is None:
            read = _read_visit(request_connection(), key, votes=False, versions=True)
        round_ = detached(Round, read.round)
        participant = detached(Participant, read.participant) if read.participant else None
    else:
        db = get_session()
        read = _read_visit(db, key, votes=votes, versions=False)
        round_ = attached(db, Round, read.round)
        participant = attached(db, Participant, read.participant) if read.participant else None
    now = utcnow()
    if scheduled_phase(round_, now) != round_.phase:
        refresh_phase(get_session(), round_, now=now)
    participant = participation.require_participant(round_, participant)
    if notice:
        participation.require_current_notice(round_, participant)
    return Visit(
        round_,
        participant,
        read.snapshot_id,
        _votable(round_),
        read if read.versions is not None else None,
    )


class UnreadVisit(NamedTuple):
    """A vote's visit not read yet (``vote_visit``): the round as another browser's vote read
    it in this app process (``kept``, with the versions it was read at), how many of its
    statements are votable, and the voter, to be found by its key in the vote's own statement
    (``votes.Keyed``)."""

    key: VisitKey
    round: Round
    kept: _Read
    votable: int
    voter: Keyed


def vote_visit(slug: str, *, unread: bool) -> Visit | UnreadVisit:
    """``visit(slug, votes=True, kept=True)``, or, with ``unread`` (a vote whose statement can
    find its voter: an htmx vote with the card's queue, see ``routing.keyed_queued_check``),
    an ``UnreadVisit`` when this browser has no read kept in this process but the process keeps
    a read of the round by another browser (within ``VISIT_KEPT_SECONDS``: the latest
    snapshot's id is that old) and the browser holds a key in it: the common miss, a browser
    reaching an app process its previous votes did not, answered without the visit's query.
    The vote's statement then checks the round's version and the participant (taking part,
    notice accepted), or raises ``votes.VisitChanged``; ``found_visit`` makes the ``Visit``.
    Never when the schedule moves the round's phase (``visit`` applies it)."""
    key = _visit_key(slug)
    if not is_postgres(engine()):
        return _visit(key, notice=True, votes=True, kept=False, read=None)
    kept = _kept_visits()
    seconds = current_app.config["VISIT_KEPT_SECONDS"]
    read = kept.get(key, seconds)
    latest = kept.latest(slug, seconds) if read is None and unread else None
    own = (session.get(KEY) or {}).get(str(latest.round["id"])) if latest else None
    if latest is not None and latest.versions is not None and isinstance(own, str):
        round_ = detached(Round, latest.round)
        if scheduled_phase(round_, utcnow()) == round_.phase:
            voter = Keyed(
                participation.key_hash(own), latest.versions.round, participation.NOTICE_VERSION
            )
            return UnreadVisit(key, round_, latest, _votable(round_), voter)
    return _visit(key, notice=True, votes=True, kept=True, read=read)


def found_visit(unread: UnreadVisit, outcome: Cast) -> Visit:
    """The ``Visit`` of an ``UnreadVisit`` once its vote was cast (``outcome``, whose statement
    read the voter), as ``visit(..., kept=True)`` would have read it, to keep (``keep_vote``)."""
    found = outcome.participant
    kept = unread.kept
    assert found is not None, "a keyed vote found its voter"
    assert kept.versions is not None, "only reads with their versions are kept"
    values = found.values | {"vote_count": outcome.voted}
    read = _Read(
        unread.key,
        kept.round,
        kept.snapshot_id,
        values,
        Versions(kept.versions.round, found.version),
        kept.at,
    )
    return Visit(
        unread.round, detached(Participant, values), kept.snapshot_id, unread.votable, read
    )


def forget_visit(seen: Visit) -> None:
    """Drop what this app process kept of ``seen``'s read: its rows changed since."""
    if seen.read is not None:
        _kept_visits().pop(seen.read.key)


def keep_vote(seen: Visit, outcome: Cast) -> None:
    """After a vote cast with ``seen``'s versions and committed, keep what it was read from
    for the browser's next vote, with the participant's count as the vote's statement read it
    (votes do not change the participant's version). Only a read that a recorded vote
    confirmed is kept: the checks it passed then (a participant who had accepted the current
    notice, an open round) hold until one of its rows changes, which the next vote's statement
    sees."""
    read = seen.read
    if read is None or read.versions is None or read.participant is None:
        return
    if read.participant["vote_count"] != outcome.voted:
        read = read._replace(participant=read.participant | {"vote_count": outcome.voted})
    _kept_visits().put(read)


def _votable(round_: Round) -> int:
    """``count_votable``, kept by each app process for ``VOTABLE_COUNT_SECONDS``: the
    progress line's total, the same for every participant of a round, would otherwise be
    counted over the round's statements on every vote (milliseconds at 10,000 statements).
    A statement added or moderated shows in the total within those seconds."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    counts: dict[tuple[int, str], tuple[float, int]] = app.extensions.setdefault(
        "palabre.votable_counts", {}
    )
    key = (round_.id or 0, round_.moderation_mode)
    now = time.monotonic()
    kept = counts.get(key)
    if kept is not None and now - kept[0] < app.config["VOTABLE_COUNT_SECONDS"]:
        return kept[1]
    count = count_votable(request_connection(), round_)
    counts[key] = (now, count)
    return count
