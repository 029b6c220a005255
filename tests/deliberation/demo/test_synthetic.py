"""The synthetic opinion generator shared by the demo, the tests and the benchmarks."""

from __future__ import annotations

import numpy as np
import pytest

from deliberation.demo.synthetic import (
    cast_votes,
    draw_categories,
    draw_cells,
    planted_agreement,
    stance_probabilities,
)


def test_votes_follow_their_probabilities() -> None:
    rng = np.random.default_rng(0)
    n = 200_000
    values = cast_votes(rng, np.full(n, 0.75), passes=0.2)
    assert values.dtype == np.int8
    assert np.mean(values == 0) == pytest.approx(0.2, abs=0.01)
    assert np.mean(values == 1) == pytest.approx(0.8 * 0.75, abs=0.01)
    assert np.mean(values == -1) == pytest.approx(0.8 * 0.25, abs=0.01)


def test_certain_cells_give_certain_votes() -> None:
    rng = np.random.default_rng(1)
    agree = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert np.array_equal(cast_votes(rng, agree, passes=0.0), [[1, -1], [-1, 1]])
    assert not cast_votes(rng, agree, passes=1.0).any()


def test_the_same_generator_state_gives_the_same_votes() -> None:
    def draw(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        agree = planted_agreement(rng, 3, 40, (0.1, 0.9))
        return cast_votes(rng, agree[np.arange(60) % 3], passes=0.1)

    assert np.array_equal(draw(5), draw(5))
    assert not np.array_equal(draw(5), draw(6))


def test_planted_groups_agree_within_and_differ_across() -> None:
    rng = np.random.default_rng(2)
    agree = planted_agreement(rng, 2, 50, (0.1, 0.9))
    assert agree.shape == (2, 50)
    assert set(np.unique(agree)) <= {0.1, 0.9}
    values = cast_votes(rng, agree[np.arange(400) % 2], passes=0.0)
    rates = [(values[group::2] == 1).mean(axis=0) for group in (0, 1)]
    assert np.corrcoef(rates[0], agree[0])[0, 1] > 0.9
    assert np.corrcoef(rates[1], agree[1])[0, 1] > 0.9


def test_stances_turn_into_probabilities() -> None:
    agree, passes = stance_probabilities([-2.5, 0.0, 2.5])
    assert agree[0] < 0.1
    assert agree[1] == pytest.approx(0.5)
    assert agree[2] > 0.9
    assert passes[1] > passes[0]
    assert passes[0] == pytest.approx(passes[2])


def test_categories_follow_their_rows() -> None:
    rng = np.random.default_rng(3)
    drawn = draw_categories(rng, np.tile([0.0, 1.0, 0.0], (100, 1)))
    assert np.array_equal(drawn, np.ones(100))
    mixed = draw_categories(rng, np.tile([0.5, 0.5], (20_000, 1)))
    assert mixed.mean() == pytest.approx(0.5, abs=0.02)


def test_distinct_cells_are_distinct_and_sorted() -> None:
    rng = np.random.default_rng(4)
    voter, statement = draw_cells(
        rng, participants=30, statements=20, votes=500, popularity=np.arange(1, 21), distinct=True
    )
    keys = voter * 20 + statement
    assert len(keys) == 500
    assert np.array_equal(keys, np.unique(keys))
    assert voter.max() < 30
    assert statement.max() < 20
    with pytest.raises(ValueError, match="distinct votes"):
        draw_cells(rng, participants=3, statements=2, votes=7, distinct=True)


def test_cells_follow_activity() -> None:
    rng = np.random.default_rng(5)
    voter, statement = draw_cells(
        rng, participants=3, statements=4, votes=30_000, activity=[1.0, 0.0, 3.0]
    )
    assert np.bincount(voter, minlength=3)[1] == 0
    assert (voter == 2).mean() == pytest.approx(0.75, abs=0.02)
    assert set(np.unique(statement)) == {0, 1, 2, 3}
