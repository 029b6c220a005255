"""The live map: updates from a stored state show what a fresh computation shows, in the colours
shown last time."""

from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from opinion_grids import grid_votes, planted_grid

from voting.opinions import (
    Conversation,
    OpinionResult,
    OpinionState,
    Parameters,
    Votes,
    adjusted_rand_index,
    compute,
    read_polis_export,
)
from voting.opinions.kmeans import Membership


def until(conversation: Conversation, n: int) -> Conversation:
    v = conversation.votes
    return replace(conversation, votes=Votes(v.participant[:n], v.statement[:n], v.value[:n]))


def both_clustered(a: OpinionResult, b: OpinionResult) -> float:
    inside = (a.group >= 0) & (b.group >= 0)
    return adjusted_rand_index(a.group[inside], b.group[inside])


def replay(
    conversation: Conversation, updates: int, params: Parameters
) -> list[tuple[OpinionResult, OpinionResult, OpinionState]]:
    """(live, fresh, live state) after every update from 30% to 100% of the votes, the state
    stored as bytes in between like the worker's."""
    total = conversation.votes.value.size
    stored = None
    seen = []
    for i in range(updates + 1):
        now = until(conversation, round(total * (0.3 + 0.7 * i / updates)))
        state = OpinionState.from_bytes(stored) if stored is not None else None
        live, new_state = compute(now, state, params=params)
        stored = new_state.to_bytes()
        seen.append((live, compute(now, params=params)[0], new_state))
    return seen


def test_live_updates_of_a_real_conversation_show_the_fresh_groups(polis_data: Path) -> None:
    export = read_polis_export(polis_data / "bg2050-volunteers")
    for live, fresh, _ in replay(export.conversation, 12, Parameters()):
        assert live.k == fresh.k
        assert both_clustered(live, fresh) == 1.0


def test_large_rounds_start_afresh_every_few_updates() -> None:
    conversation = Conversation(grid_votes(planted_grid(240, 40, groups=3, seed=7)))
    params = Parameters(fresh_below=0, fresh_every=3)
    seen = replay(conversation, 6, params)
    assert [state.since_fresh for _, _, state in seen] == [0, 1, 2, 0, 1, 2, 0]
    for live, fresh, state in seen:
        if state.since_fresh == 0:
            assert live.k == fresh.k
            assert both_clustered(live, fresh) == 1.0


def test_labels_follow_the_labels_shown_last() -> None:
    conversation = Conversation(grid_votes(planted_grid(300, 40, groups=3, seed=3)))
    first, state = compute(conversation)
    assert first.k == 3
    inside = first.group >= 0
    swapped = np.array([2, 0, 1])
    shown = Membership(first.participant_ids[inside], swapped[first.group[inside]])
    again, next_state = compute(conversation, replace(state, shown=shown))
    assert again.group[inside].tolist() == shown.cluster_ids.tolist()
    assert np.allclose(again.group_centers, first.group_centers[np.argsort(swapped)])
    assert next_state.shown.cluster_ids.tolist() == shown.cluster_ids.tolist()


@pytest.mark.parametrize("fresh_below", [0, 10_000])
def test_colours_do_not_swap_between_updates(fresh_below: int) -> None:
    conversation = Conversation(grid_votes(planted_grid(300, 40, groups=3, seed=5)))
    params = Parameters(fresh_below=fresh_below)
    seen = replay(conversation, 8, params)
    for (before, _, _), (after, _, _) in pairwise(seen):
        common = np.isin(after.participant_ids, before.participant_ids[before.group >= 0])
        row = {p: i for i, p in enumerate(before.participant_ids.tolist())}
        kept = [
            after.group[i] == before.group[row[p]]
            for i, p in enumerate(after.participant_ids.tolist())
            if common[i] and after.group[i] >= 0
        ]
        assert np.mean(kept) > 0.95
