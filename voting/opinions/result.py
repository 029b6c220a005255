"""Output of the opinion pipeline."""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from voting.opinions.consensus import Consensus
from voting.opinions.participants import ParticipantStats
from voting.opinions.repness import RepStatement
from voting.opinions.tallies import Tallies
from voting.opinions.territories import TerritoryAnalysis

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


@dataclass(frozen=True)
class OpinionResult:
    """The opinion map of a round. n_p participants, n_s statements, k groups.

    Rows and columns follow first appearance in the vote stream.

    Attributes:
        participant_ids: (n_p,) participant id of every row.
        statement_ids: (n_s,) statement id of every column.
        clustered: (n_p,) participants taking part in the clustering (Pol.is "in-conv").
        projection: (n_p, 2) position of every participant on the map.
        center: (n_s,) mean vote of every statement (rating matrix, mod-out statements 0).
        components: (2, n_s) principal axes (unit rows, or zero rows when there is no variance).
        statement_projection: (n_s, 2) position of a participant agreeing with that statement only.
        extremity: (n_s,) length of ``statement_projection``.
        base_centers: (n_base, 2) centers of the base clusters.
        base_sizes: (n_base,) clustered participants in every base cluster.
        base_label: (n_p,) base cluster index of every row, -1 if not clustered.
        k: number of opinion groups shown (0 without participants).
        group: (n_p,) opinion group 0 .. k - 1 of every row, -1 if not clustered.
        group_centers: (k, 2) weighted mean of every group's base centers.
        silhouettes: silhouette of every candidate k; ``best_k`` is their arg max.
        best_k: the best k of this update (before smoothing).
        group_votes: (k, n_s) raw votes of every group's clustered participants.
        repness: for every group, its representative statements.
        consensus: statements most participants agree or disagree with.
        group_informed_consensus: (n_s,) product over groups of (agree + 1) / (seen + 2).
        priority: (n_s,) routing weight of every statement.
        participant_stats: centricness, coreness, extremeness of every row.
        territories: per-territory figures, None when no participant has a territory.
        timings: seconds spent in every stage.
    """

    participant_ids: Ints
    statement_ids: Ints
    clustered: NDArray[np.bool_]
    projection: Floats
    center: Floats
    components: Floats
    statement_projection: Floats
    extremity: Floats
    base_centers: Floats
    base_sizes: Ints
    base_label: Ints
    k: int
    group: Ints
    group_centers: Floats
    silhouettes: Mapping[int, float]
    best_k: int
    group_votes: Tallies
    repness: tuple[tuple[RepStatement, ...], ...]
    consensus: Consensus
    group_informed_consensus: Floats
    priority: Floats
    participant_stats: ParticipantStats
    territories: TerritoryAnalysis | None
    timings: Mapping[str, float]
