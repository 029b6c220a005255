"""The one enum of vote values, their form names and the order of the buttons."""

from __future__ import annotations

import pytest

from deliberation.models import VoteValue


def test_values_are_the_stored_integers_in_button_order() -> None:
    assert [(v.choice, int(v)) for v in VoteValue] == [("agree", 1), ("disagree", -1), ("pass", 0)]


@pytest.mark.parametrize("vote", list(VoteValue))
def test_a_choice_names_its_value(vote: VoteValue) -> None:
    assert VoteValue.from_choice(vote.choice) is vote


@pytest.mark.parametrize(
    "choice", ["", "AGREE", "Agree", "yes", "1", "abstain", "dısagree", " pass"]
)
def test_anything_else_is_not_a_vote(choice: str) -> None:
    with pytest.raises(ValueError, match="not a vote"):
        VoteValue.from_choice(choice)
