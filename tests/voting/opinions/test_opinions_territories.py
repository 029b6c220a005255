import json

import numpy as np
import pytest
from opinion_grids import grid_votes, planted_grid

from voting.opinions import Conversation, compute
from voting.opinions.report import as_json


def territory_conversation() -> Conversation:
    # Statement 0: everybody agrees. Statement 1: north agrees, south disagrees.
    grid = np.array(
        [[1.0, 1.0]] * 6 + [[1.0, -1.0]] * 6 + [[1.0, np.nan], [np.nan, 0.0]],
    )
    territory = {p: ("north" if p < 6 else "south") for p in range(12)}
    territory[12] = "tiny"
    return Conversation(grid_votes(grid), territory=territory)


def test_tallies_bridging_and_divisiveness() -> None:
    result, _ = compute(territory_conversation())
    t = result.territories
    assert t is not None
    assert t.labels == ("north", "south", "tiny")
    assert t.participants.tolist() == [6, 6, 1]
    assert t.votes.agree.tolist() == [[6, 6], [6, 0], [1, 0]]
    assert t.votes.disagree.tolist() == [[0, 0], [0, 6], [0, 0]]
    assert t.votes.seen.tolist() == [[6, 6], [6, 6], [1, 0]]
    assert t.bridging.tolist() == pytest.approx([7 / 8 * 7 / 8 * 2 / 3, 7 / 8 * 1 / 8 * 1 / 2])
    assert t.lowest_agree_rate.tolist() == pytest.approx([1.0, 0.0])
    assert t.divisiveness.tolist() == pytest.approx([7 / 8 - 2 / 3, 7 / 8 - 1 / 8])
    assert t.most_divisive == (1, 0)
    assert t.small_territory.tolist() == [False, False, True]
    assert t.small_cell[2].tolist() == [True, True]
    assert t.composition.sum() == int((result.group >= 0).sum()) - 1


def test_groups_have_a_territory_composition() -> None:
    grid = planted_grid(60, 20, seed=3)
    territory = {p: ("a" if p % 2 else "b") for p in range(60)}
    result, _ = compute(Conversation(grid_votes(grid), territory=territory))
    t = result.territories
    assert t is not None
    assert t.composition.shape == (result.k, 2)
    assert t.composition.sum() == 60


def test_no_labels_no_analysis() -> None:
    result, _ = compute(Conversation(grid_votes(planted_grid(20, 5, seed=1))))
    assert result.territories is None


def test_json_has_territories() -> None:
    result, _ = compute(territory_conversation())
    document = json.loads(json.dumps(as_json(result, {"read": 0.0, "total": 0.0})))
    territories = document["territories"]
    assert territories["labels"] == ["north", "south", "tiny"]
    assert territories["statements"]["south"]["1"] == {
        "agree": 0,
        "disagree": 6,
        "pass": 0,
        "seen": 6,
        "small": False,
    }
    assert territories["most_divisive"] == [1, 0]
