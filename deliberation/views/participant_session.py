"""The participant this browser is in each round, kept in the signed session cookie as
``{round id: session key}``: every view reads and writes it through these functions.

The key is a random secret (``participation.issue_session_key``); the database keeps only its
hash, so anonymisation, which erases the hash, cuts the link between the cookie and the rows.
"""

from __future__ import annotations

import hashlib

from flask import session

from deliberation.db import get_session
from deliberation.errors import Forbidden
from deliberation.models import Participant, Round
from deliberation.services import participation

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
