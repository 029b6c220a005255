"""The participant this browser is in each round, kept in the signed session cookie as
``{round id: session key}``: every view reads and writes it through these functions.

The key is a random secret (``participation.issue_session_key``); the database keeps only its
hash, so anonymisation, which erases the hash, cuts the link between the cookie and the rows.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import current_app, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, bindparam
from sqlalchemy import select as sql_select
from sqlmodel import col

from deliberation.clock import utcnow
from deliberation.db import attached, fetch, get_session, in_list
from deliberation.errors import Forbidden, NotFound
from deliberation.models import Participant, Round
from deliberation.opinions.stored import latest_snapshot_id_query
from deliberation.services import participation
from deliberation.services.rounds import refresh_phase
from deliberation.services.votes import count_votable

KEY = "participants"


def keys_digest() -> str | None:
    """A digest of every session key this browser holds (for rate limits: the secrets never
    leave the app), or None when it holds none."""
    keys = [str(value) for value in (session.get(KEY) or {}).values()]
    return hashlib.sha256(",".join(keys).encode()).hexdigest()[:32] if keys else None


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


@dataclass(frozen=True)
class Visit:
    """What a participation page or vote needs first: the round (its phase up to date), this
    browser's participant in it, the id of the round's latest opinion snapshot (None before
    the first) and how many of its statements are votable."""

    round: Round
    participant: Participant
    snapshot_id: int | None
    votable: int


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


def _round_columns(votes: bool) -> tuple[str, ...]:
    return VOTE_PATH_COLUMNS if votes else tuple(c.name for c in Round.__table__.columns)  # type: ignore[attr-defined]


@cache
def _visit_query(postgres: bool, votes: bool) -> Select[Any]:
    """The query behind ``visit``, built once per dialect and use: the round's columns (see
    ``_round_columns``), its latest snapshot's id, then a participant's; parameters ``slug``
    and ``key_hashes`` (of every key the browser holds: the round's id is not known before
    the query; one array on PostgreSQL, see ``in_list``). One row per participant those keys
    name, in any round (the caller keeps this round's): joined on the unique key hash alone,
    so that even a generic plan looks the keys up rather than reading the round's
    participants."""
    rounds, participants = Round.__table__.c, Participant.__table__.c  # type: ignore[attr-defined]
    return (
        sql_select(
            *(rounds[name] for name in _round_columns(votes)),
            latest_snapshot_id_query(col(Round.id)).scalar_subquery(),
            *(participants[name].label(f"participant_{name}") for name in _PARTICIPANT_COLUMNS),
        )
        .outerjoin(
            Participant,
            in_list(col(Participant.session_key_hash), "key_hashes", String(), postgres),
        )
        .where(col(Round.slug) == bindparam("slug"))
    )


def visit(slug: str, *, notice: bool = True, votes: bool = False) -> Visit:
    """The ``Visit`` of round ``slug`` by this browser, in one query: 404 without such a round,
    and the checks of ``current_participant``. ``votes`` for the vote path: only the round's
    ``VOTE_PATH_COLUMNS`` are read at first."""
    db = get_session()
    keys = [str(value) for value in (session.get(KEY) or {}).values()]
    rows = fetch(
        db,
        _visit_query(db.get_bind().dialect.name == "postgresql", votes),
        {"slug": slug, "key_hashes": [participation.key_hash(key) for key in keys]},
    )
    if not rows:
        raise NotFound(_l("No round has this address."))
    names = _round_columns(votes)
    round_ = attached(db, Round, dict(zip(names, rows[0], strict=False)))
    snapshot_id = rows[0][len(names)]
    key = session_key(round_)
    expected = participation.key_hash(key) if key is not None else None
    offset = len(names) + 1
    found = (
        dict(zip(_PARTICIPANT_COLUMNS, row[offset:], strict=True))
        for row in rows
        if row[offset] is not None
    )
    participant = next(
        (
            attached(db, Participant, values)
            for values in found
            if values["round_id"] == round_.id and values["session_key_hash"] == expected
        ),
        None,
    )
    refresh_phase(db, round_, now=utcnow())
    participant = participation.require_participant(round_, participant)
    if notice:
        participation.require_current_notice(round_, participant)
    return Visit(round_, participant, snapshot_id, _votable(round_))


def _votable(round_: Round) -> int:
    """``count_votable``, kept by each app process for ``VOTABLE_COUNT_SECONDS``: the
    progress line's total, the same for every participant of a round, would otherwise be
    counted over the round's statements on every vote (milliseconds at 10,000 statements).
    A statement added or moderated shows in the total within those seconds."""
    counts: dict[tuple[int, str], tuple[float, int]] = current_app.extensions.setdefault(
        "palabre.votable_counts", {}
    )
    key = (round_.id or 0, round_.moderation_mode)
    now = time.monotonic()
    kept = counts.get(key)
    if kept is not None and now - kept[0] < current_app.config["VOTABLE_COUNT_SECONDS"]:
        return kept[1]
    count = count_votable(get_session(), round_)
    counts[key] = (now, count)
    return count
