"""Beyond Pol.is: what unites and divides territories, and who the opinion groups are."""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from voting.opinions.consensus import group_informed_consensus
from voting.opinions.matrix import VoteMatrix
from voting.opinions.tallies import Tallies, tally

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Mask = NDArray[np.bool_]


@dataclass(frozen=True)
class TerritoryAnalysis:
    """Per-territory figures of one round. t = number of territories, n_s = statements.

    Attributes:
        labels: (t,) territory labels, sorted.
        participants: (t,) participants with at least one vote, per territory.
        votes: (t, n_s) agree, disagree, seen (passes = seen - agree - disagree) of every
            labelled participant, clustered or not.
        bridging: (n_s,) territory bridging score, the group-informed consensus product taken over
            territories: prod_t (agree_t + 1) / (seen_t + 2).
        lowest_agree_rate: (n_s,) smallest agree / seen over territories that voted on the
            statement; NaN when none did.
        divisiveness: (n_s,) spread of the territories' agree rates: the largest minus the
            smallest (agree_t + 1) / (seen_t + 2) over territories that voted on the statement
            (the +1/+2 prior damps tiny territories); 0 when fewer than two did.
        most_divisive: statement ids by decreasing divisiveness (ties in column order), mod-out
            statements and statements with no spread left out.
        composition: (n_groups, t) clustered participants of every opinion group per territory.
        privacy_k: the threshold of the flags below.
        small_territory: (t,) territories with fewer than k participants.
        small_cell: (t, n_s) territory-statement cells with fewer than k votes (all their counts
            and rates identify few people).
        small_composition: (n_groups, t) composition counts between 1 and k - 1.
    """

    labels: tuple[str, ...]
    participants: Ints
    votes: Tallies
    bridging: Floats
    lowest_agree_rate: Floats
    divisiveness: Floats
    most_divisive: tuple[int, ...]
    composition: Ints
    privacy_k: int
    small_territory: Mask
    small_cell: Mask
    small_composition: Mask


def territory_analysis(
    matrix: VoteMatrix,
    *,
    territory: Mapping[int, str],
    group: Ints,
    n_groups: int,
    mod_out: Mask,
    privacy_k: int,
) -> TerritoryAnalysis:
    """Tally votes by territory and compare territories.

    Args:
        territory: label per participant id; unlabelled participants are left out.
        group: (n_p,) opinion group of every row, -1 for none.
    """
    names = [territory.get(int(p)) for p in matrix.participant_ids]
    labels = tuple(sorted({n for n in names if n is not None}))
    index = {name: i for i, name in enumerate(labels)}
    place = np.array([-1 if n is None else index[n] for n in names], dtype=np.int64)
    t = len(labels)
    votes = tally(matrix, place, t)
    labelled = place >= 0
    participants = np.bincount(place[labelled], minlength=t).astype(np.int64)
    seen = votes.seen.astype(np.float64)
    voted = votes.seen > 0
    rate = np.where(voted, votes.agree / np.maximum(seen, 1), np.inf)
    lowest = rate.min(axis=0, initial=np.inf)
    smoothed = (votes.agree + 1.0) / (seen + 2.0)
    high = np.where(voted, smoothed, -np.inf).max(axis=0, initial=-np.inf)
    low = np.where(voted, smoothed, np.inf).min(axis=0, initial=np.inf)
    spread = np.where(voted.sum(axis=0) >= 2, high - low, 0.0)
    candidates = np.flatnonzero(~mod_out & (spread > 0))
    order = candidates[np.argsort(-spread[candidates], kind="stable")]
    both = labelled & (group >= 0)
    composition = np.zeros((n_groups, t), dtype=np.int64)
    np.add.at(composition, (group[both], place[both]), 1)
    return TerritoryAnalysis(
        labels=labels,
        participants=participants,
        votes=votes,
        bridging=group_informed_consensus(votes),
        lowest_agree_rate=np.where(np.isfinite(lowest), lowest, np.nan),
        divisiveness=spread,
        most_divisive=tuple(int(matrix.statement_ids[c]) for c in order),
        composition=composition,
        privacy_k=privacy_k,
        small_territory=participants < privacy_k,
        small_cell=votes.seen < privacy_k,
        small_composition=(composition > 0) & (composition < privacy_k),
    )
