import numpy as np

from voting.opinions import Parameters, Votes
from voting.opinions.clustered import clustered_participants
from voting.opinions.matrix import build_matrix


def replay(votes: Votes, params: Parameters) -> set[int]:
    """The rule of OPINIONS.md section 3 evaluated literally after every event."""
    inside: set[int] = set()
    cells: dict[int, set[int]] = {}
    statements: set[int] = set()
    order: list[int] = []
    for p, s in zip(votes.participant.tolist(), votes.statement.tolist(), strict=True):
        if p not in cells:
            order.append(p)
        cells.setdefault(p, set()).add(s)
        statements.add(s)
        inside |= {q for q, c in cells.items() if len(c) >= min(params.min_votes, len(statements))}
        if len(inside) < params.greedy_n:
            others = sorted((q for q in order if q not in inside), key=lambda q: -len(cells[q]))
            inside |= set(others[: params.greedy_n - len(inside)])
    return inside


def clustered(votes: Votes, params: Parameters) -> set[int]:
    m = build_matrix(votes, params)
    mask = clustered_participants(
        m,
        in_time_order=votes.in_time_order,
        previous=np.zeros(m.shape[0], dtype=bool),
        params=params,
    )
    return set(m.participant_ids[mask].tolist())


def test_early_participants_with_few_votes_stay_in() -> None:
    # Participants 0 and 1 vote while only 2 statements exist; 2 and 3 come later with 2 votes.
    events = [(0, 0), (0, 1), (1, 0), (1, 1)]
    events += [(4, s) for s in range(9)]
    events += [(2, 0), (2, 1), (3, 5)]
    p, s = zip(*events, strict=True)
    votes = Votes.from_lists(list(p), list(s), [1] * len(events))
    params = Parameters(greedy_n=1)
    assert clustered(votes, params) == {0, 1, 4}
    assert replay(votes, params) == {0, 1, 4}


def test_greedy_top_up_takes_the_first_participants() -> None:
    votes = Votes.from_lists([5, 6, 7, 8], [1, 2, 3, 4], [1, 0, -1, 1])
    assert clustered(votes, Parameters(greedy_n=3)) == {5, 6, 7}


def test_final_matrix_rule_tops_up_by_count() -> None:
    p = [1] * 3 + [2] * 5 + [3] * 4
    s = [0, 1, 2, *list(range(5)), *list(range(4))]
    for n in (8, 9):
        votes = Votes.from_lists(p, s, [1] * len(p), in_time_order=False)
        params = Parameters(min_votes=n, greedy_n=2)
        assert clustered(votes, params) == {2, 3}


def test_random_streams_match_a_literal_replay() -> None:
    rng = np.random.default_rng(3)
    for _ in range(30):
        n = int(rng.integers(1, 200))
        votes = Votes(
            rng.integers(0, 25, n), rng.integers(0, 12, n), rng.integers(-1, 2, n).astype(np.int8)
        )
        params = Parameters(greedy_n=int(rng.integers(1, 8)), min_votes=int(rng.integers(2, 8)))
        assert clustered(votes, params) == replay(votes, params)
