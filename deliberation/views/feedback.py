"""What the participation page says after a vote or an undo (read out by screen readers)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from babel import Locale

from deliberation.models import Round, VoteValue
from deliberation.templating import VOTE_LABELS, current_locale
from deliberation.templating import gettext as _


@dataclass(frozen=True)
class VoteFeedback:
    """``message`` for the live region; ``undo``: the statement whose vote can be undone;
    ``placed``: this vote is the one that puts the participant on the opinion map."""

    message: str
    undo: int | None = None
    placed: bool = False


def vote_feedback(round_: Round, statement_id: int, value: int, voted: int) -> VoteFeedback:
    """The feedback on a vote of ``value`` on ``statement_id``; ``voted`` is the participant's
    number of votes once it is counted."""
    placed = voted == round_.min_votes_for_map
    return VoteFeedback(
        message=_recorded(current_locale(), value, placed), undo=statement_id, placed=placed
    )


@lru_cache(maxsize=256)
def _recorded(locale: Locale | None, value: int, placed: bool) -> str:
    """The message of ``vote_feedback`` in ``locale`` (the current one), made once per locale:
    it comes with every vote."""
    message = _("Vote recorded: %(vote)s.", vote=VOTE_LABELS[VoteValue(value)])
    if placed:
        message = " ".join((message, _("You have voted enough to appear on the opinion map.")))
    return message


def undo_feedback(restored: int | None) -> VoteFeedback:
    """The feedback on an undo; ``restored`` is the value the statement has again, if any."""
    if restored is None:
        return VoteFeedback(message=_("Your vote is undone."))
    return VoteFeedback(
        message=_("Your vote is undone: back to %(vote)s.", vote=VOTE_LABELS[VoteValue(restored)])
    )


def change_message(value: int) -> str:
    """What "my votes" says once a vote is changed to ``value`` (flashed, or read out)."""
    return _("Your vote is changed: %(vote)s.", vote=VOTE_LABELS[VoteValue(value)])
