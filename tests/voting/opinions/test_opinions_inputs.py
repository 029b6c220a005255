"""The engine's public API refuses bad input with a clear ValueError and orders unordered votes."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.opinions import Conversation, Parameters, Votes, compute

INT64_MAX = 2**63 - 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0.5, "event 0 has 0.5"),
        (math.nan, "event 0 has nan"),
        (math.inf, "event 0 has inf"),
        (-math.inf, "event 0 has -inf"),
        (2, "event 0 has 2"),
        (True, "event 0 has True"),
    ],
)
def test_vote_values_other_than_minus_one_zero_one_are_refused(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"exactly -1 .* {message}"):
        Votes.from_lists([1], [1], [value])  # type: ignore[list-item]


@pytest.mark.parametrize(
    "values",
    [np.array([1.0, 0.5]), np.array([1.0, np.nan]), np.array([0, 3], dtype=np.int64)],
    ids=["half", "nan", "three"],
)
def test_vote_arrays_are_checked_value_by_value(values: np.ndarray) -> None:
    with pytest.raises(ValueError, match="event 1 has"):
        Votes(np.array([1, 2]), np.array([1, 1]), values)


def test_exact_float_and_wide_integer_votes_are_converted() -> None:
    votes = Votes(
        np.array([1, 2], dtype=np.int32), np.array([1, 1], dtype=np.uint8), np.array([1.0, -1.0])
    )
    assert votes.value.dtype == np.int8
    assert votes.value.tolist() == [1, -1]
    assert votes.participant.dtype == votes.statement.dtype == np.int64


@pytest.mark.parametrize(
    ("participant", "statement", "message"),
    [
        ([INT64_MAX + 1], [1], "participant ids must be integers between"),
        ([1], [-(2**63) - 1], "statement ids must be integers between"),
        ([1.5], [1], "participant ids must be integers"),
        (np.array([2**64 - 1], dtype=np.uint64), [1], "participant id 18446744073709551615"),
        (np.array([1.0]), [1], "participant ids must be integers, not float64"),
    ],
    ids=["above", "below", "fraction", "uint64", "float-array"],
)
def test_ids_outside_int64_are_refused(
    participant: object, statement: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Votes(
            np.asarray(participant, dtype=object if isinstance(participant, list) else None),
            np.asarray(statement, dtype=object),
            np.array([1]),
        )


def test_the_int64_bounds_themselves_are_ids() -> None:
    votes = Votes.from_lists([INT64_MAX, -(2**63)], [1, 1], [1, -1])
    assert votes.participant.tolist() == [INT64_MAX, -(2**63)]


@pytest.mark.parametrize(
    ("rejected", "meta", "territory", "message"),
    [
        (frozenset({2**63}), frozenset(), {}, "rejected statement"),
        (frozenset(), frozenset({-(2**64)}), {}, "meta statement"),
        (frozenset(), frozenset(), {2**70: "north"}, "territory participant"),
        (frozenset(), frozenset(), {1: 3}, "territory labels must be strings"),
    ],
)
def test_conversation_ids_and_labels_are_checked(
    rejected: frozenset[int], meta: frozenset[int], territory: dict[int, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Conversation(Votes.from_lists([1], [1], [1]), rejected, meta, territory)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("min_votes", 0, "min_votes must be at least 1"),
        ("max_participants", -1, "max_participants must be at least 1"),
        ("base_k", 1, "base_k must be at least 2"),
        ("max_k", 1, "max_k must be at least 2"),
        ("base_iters", 0, "base_iters must be at least 1"),
        ("k_buffer", 0, "k_buffer must be at least 1"),
        ("greedy_n", -1, "greedy_n must be at least 0"),
        ("rep_count", -5, "rep_count must be at least 0"),
        ("privacy_k", 0, "privacy_k must be at least 1"),
        ("base_k", 2.5, "base_k must be an integer"),
        ("max_k", True, "max_k must be an integer"),
        ("converge", math.nan, "converge must be finite"),
        ("z_90", math.inf, "z_90 must be finite"),
        ("z_90", -1.0, "z_90 must be at least 0"),
        ("meta_priority", "7", "meta_priority must be a number"),
    ],
)
def test_parameters_out_of_range_are_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"Parameters.{message}"):
        Parameters(**{field: value})  # type: ignore[arg-type]


def test_parameters_accept_their_defaults_and_numpy_integers() -> None:
    assert Parameters(min_votes=np.int64(3)).min_votes == 3  # type: ignore[arg-type]
    assert Parameters() == Parameters()


def test_unordered_votes_are_put_in_statement_then_participant_order() -> None:
    votes = Votes.from_lists([3, 1, 2, 1], [1, 1, 0, 0], [1, -1, 0, 1], in_time_order=False)
    assert list(zip(votes.statement.tolist(), votes.participant.tolist(), strict=True)) == [
        (0, 1),
        (0, 2),
        (1, 1),
        (1, 3),
    ]
    assert votes.value.tolist() == [1, 0, -1, 1]


def test_unordered_votes_refuse_two_values_on_one_cell() -> None:
    with pytest.raises(ValueError, match=r"participant 1 has .* on statement 2"):
        Votes.from_lists([1, 1], [2, 2], [1, -1], in_time_order=False)


def _grid_votes(seed: int, n: int, m: int) -> tuple[list[int], list[int], list[int]]:
    rng = np.random.default_rng(seed)
    group = np.arange(n) % 2
    stance = rng.choice([-1, 1], (2, m))
    cells = [(p, s) for p in range(n) for s in range(m) if rng.random() < 0.8]
    values = [
        int(stance[group[p], s]) if rng.random() < 0.85 else int(rng.integers(-1, 2))
        for p, s in cells
    ]
    return [p for p, _ in cells], [s for _, s in cells], values


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 40), m=st.integers(2, 12), data=st.data())
def test_without_timestamps_the_result_does_not_depend_on_the_order_of_the_events(
    seed: int, n: int, m: int, data: st.DataObject
) -> None:
    p, s, v = _grid_votes(seed, n, m)
    order = data.draw(st.permutations(range(len(p))))
    base, _ = compute(Conversation(Votes.from_lists(p, s, v, in_time_order=False)))
    shuffled, _ = compute(
        Conversation(
            Votes.from_lists(
                [p[i] for i in order],
                [s[i] for i in order],
                [v[i] for i in order],
                in_time_order=False,
            )
        )
    )
    assert shuffled.participant_ids.tolist() == base.participant_ids.tolist()
    assert shuffled.group.tolist() == base.group.tolist()
    assert shuffled.clustered.tolist() == base.clustered.tolist()
    np.testing.assert_allclose(shuffled.projection, base.projection, atol=1e-9)
    assert shuffled.repness == base.repness
