"""The participant this browser is in each round, kept in the signed session cookie as
``{round id: participant id}``: every view reads and writes it through these functions."""

from __future__ import annotations

from flask import session

from deliberation.db import get_session
from deliberation.errors import Forbidden
from deliberation.models import Participant, Round
from deliberation.services import participation

KEY = "participants"


def participant_ids() -> list[int]:
    """The participant ids this browser holds, in every round."""
    return [int(value) for value in (session.get(KEY) or {}).values()]


def session_participant_id(round_: Round) -> int | None:
    """This browser's participant id in ``round_``, unchecked; None when it has none."""
    value = (session.get(KEY) or {}).get(str(round_.id))
    return int(value) if value is not None else None


def current_participant(round_: Round) -> Participant:
    """This browser's participant in ``round_``; ``Forbidden`` when it has none or withdrew."""
    return participation.get_participant(get_session(), round_, session_participant_id(round_))


def viewing_participant(round_: Round) -> Participant | None:
    """This browser's participant in ``round_``, or None when it has none or withdrew."""
    if session_participant_id(round_) is None:
        return None
    try:
        return current_participant(round_)
    except Forbidden:
        return None


def remember(participant: Participant) -> None:
    """Make ``participant`` this browser's participant in its round."""
    known = dict(session.get(KEY) or {})
    known[str(participant.round_id)] = participant.id
    session[KEY] = known


def forget(round_: Round) -> None:
    """Drop this browser's participant in ``round_`` (a new dict, so the cookie is rewritten)."""
    known = dict(session.get(KEY) or {})
    known.pop(str(round_.id), None)
    session[KEY] = known
