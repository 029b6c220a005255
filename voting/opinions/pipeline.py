"""The opinion pipeline: votes (and the previous state) in, opinion map and new state out."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from voting.opinions.clustered import clustered_participants
from voting.opinions.consensus import consensus_statements, group_informed_consensus
from voting.opinions.groups import best_k, group_clusterings, silhouette, stable_labels
from voting.opinions.inputs import Conversation
from voting.opinions.kmeans import Clustering, Membership, kmeans
from voting.opinions.matrix import VoteMatrix, build_matrix
from voting.opinions.parameters import Parameters
from voting.opinions.participants import participant_stats
from voting.opinions.pca import (
    centred_ratings,
    principal_components,
    project_participants,
    project_statements,
)
from voting.opinions.priorities import priorities
from voting.opinions.repness import representative_statements
from voting.opinions.result import OpinionResult
from voting.opinions.state import OpinionState
from voting.opinions.tallies import tally
from voting.opinions.territories import territory_analysis

Ints = NDArray[np.int64]


class _Stopwatch:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def _among(ids: Ints, wanted: frozenset[int]) -> NDArray[np.bool_]:
    """(len(ids),) which of ``ids`` are in ``wanted``."""
    return np.isin(ids, np.fromiter(wanted, dtype=np.int64, count=len(wanted)))


def compute(
    conversation: Conversation,
    state: OpinionState | None = None,
    *,
    seed: int = 0,
    params: Parameters | None = None,
    matrix: VoteMatrix | None = None,
) -> tuple[OpinionResult, OpinionState]:
    """Run the Pol.is pipeline (OPINIONS.md sections 1-14) plus the territory analysis.

    Args:
        conversation: all votes so far (time ordered) with moderation flags and territories.
        state: what the previous update returned; None for a cold start. The clustered set
            is kept (sticky), PCA is warm-started and oriented like the previous components,
            the k smoother continues, priorities use the previous groups' vote totals (a cold
            start uses the current ones) and group labels follow the labels shown last time
            (``stable_labels``). Base clusters and every group clustering are clean-started
            from the previous ones, except every ``params.fresh_every`` updates and whenever
            fewer than ``params.fresh_below`` participants are clustered: then they start
            afresh as in a cold start and the best k is shown at once, so that the live
            map does not drift away from what a fresh computation shows.
        seed: seeds the random PCA start vector of a cold start (Pol.is draws it unseeded).
            Given the same state and seed the result is identical.
        params: constants; the defaults are Pol.is' but for the fresh starts (``Parameters``).
        matrix: ``build_matrix(conversation.votes, params)`` when the caller has it already
            (``MatrixMemo``).

    Returns:
        The opinion map and the state to pass to the next update.

    Cost grows with the number of votes: the matrix stays sparse (never n_p x n_s dense).
    """
    p = params or Parameters()
    previous = state or OpinionState()
    clock = _Stopwatch()
    with clock.stage("matrix"):
        if matrix is None:
            matrix = build_matrix(conversation.votes, p)
        statement_ids = matrix.statement_ids
        mod_out = _among(statement_ids, conversation.rejected | conversation.meta)
        meta = _among(statement_ids, conversation.meta)
    with clock.stage("clustered"):
        clustered = clustered_participants(
            matrix,
            in_time_order=conversation.votes.in_time_order,
            previous=np.isin(matrix.participant_ids, previous.clustered),
            params=p,
        )
    with clock.stage("pca"):
        ratings = centred_ratings(matrix, mod_out)
        last_components = previous.aligned_components(statement_ids) if state else None
        components = principal_components(ratings, last_components, np.random.default_rng(seed))
    with clock.stage("projection"):
        projection = project_participants(ratings, components)
        statement_projection = project_statements(ratings, components)
        extremity = np.hypot(statement_projection[:, 0], statement_projection[:, 1])
    inside = np.flatnonzero(clustered)
    since_fresh = 0 if state is None else previous.since_fresh + 1
    fresh = since_fresh >= p.fresh_every or inside.size < p.fresh_below
    if fresh:
        since_fresh = 0
    n_p = matrix.shape[0]
    base_label = np.full(n_p, -1, dtype=np.int64)
    group = np.full(n_p, -1, dtype=np.int64)
    with clock.stage("base_clusters"):
        if inside.size:
            base = kmeans(
                projection[inside],
                p.base_k,
                max_iters=p.base_iters,
                converge=p.converge,
                point_ids=matrix.participant_ids[inside],
                last=previous.base if previous.base.point_ids.size and not fresh else None,
            )
        else:
            base = Clustering(np.zeros(0, np.int64), np.zeros((0, 2)), np.zeros(0, np.int64))
        base_label[inside] = base.label
        base_sizes = np.bincount(base.label, minlength=base.ids.size).astype(np.int64)
    with clock.stage("groups"):
        clusterings = (
            group_clusterings(
                base.centers,
                base.ids,
                base_sizes.astype(np.float64),
                {} if fresh else previous.groups,
                p,
            )
            if inside.size
            else {}
        )
        silhouettes = {k: silhouette(base.centers, c.label) for k, c in clusterings.items()}
        this_k = best_k(silhouettes) if silhouettes else 0
        smoother = previous.smoother.update(this_k, set(clusterings), p.k_buffer)
        if fresh:
            smoother = replace(smoother, smoothed_k=this_k)
        chosen = clusterings.get(smoother.smoothed_k)
        k = 0 if chosen is None else chosen.ids.size
        group_centers = np.zeros((0, 2))
        if chosen is not None:
            found = chosen.label[base.label]
            label = stable_labels(previous.shown, matrix.participant_ids[inside], found, k)
            group[inside] = label[found]
            group_centers = chosen.centers[np.argsort(label)]
    with clock.stage("tallies"):
        # One pass: the groups, then everyone else as an extra row.
        counted = tally(matrix, np.where(group >= 0, group, k), k + 1)
        group_votes = counted.rows(slice(0, k))
        everyone = counted.total()
    with clock.stage("repness"):
        repness = representative_statements(
            group_votes, statement_ids, mod_out, p.z_90, p.rep_count
        )
    with clock.stage("consensus"):
        consensus = consensus_statements(
            everyone, statement_ids, mod_out, p.z_90, p.consensus_count
        )
        gac = group_informed_consensus(group_votes)
    with clock.stage("priorities"):
        totals = group_votes.total()
        last_totals = previous.aligned_group_votes(statement_ids) if state else totals
        priority = priorities(last_totals, extremity, meta, p.meta_priority)
    with clock.stage("participants"):
        stats = participant_stats(projection, group, k)
    territories = None
    if conversation.territory:
        with clock.stage("territories"):
            territories = territory_analysis(
                matrix,
                territory=conversation.territory,
                group=group,
                n_groups=k,
                mod_out=mod_out,
                privacy_k=p.privacy_k,
            )
    result = OpinionResult(
        participant_ids=matrix.participant_ids,
        statement_ids=statement_ids,
        clustered=clustered,
        projection=projection,
        center=ratings.center,
        components=components,
        statement_projection=statement_projection,
        extremity=extremity,
        base_centers=base.centers,
        base_sizes=base_sizes,
        base_label=base_label,
        k=k,
        group=group,
        group_centers=group_centers,
        silhouettes=silhouettes,
        best_k=this_k,
        group_votes=group_votes,
        repness=repness,
        consensus=consensus,
        group_informed_consensus=gac,
        priority=priority,
        participant_stats=stats,
        territories=territories,
        timings=clock.seconds,
    )
    new_state = OpinionState(
        clustered=matrix.participant_ids[inside],
        statement_ids=statement_ids,
        components=components,
        base=base.membership(matrix.participant_ids[inside]),
        groups={k_: c.membership(base.ids) for k_, c in clusterings.items()},
        smoother=smoother,
        group_votes=totals,
        shown=Membership(matrix.participant_ids[inside], group[inside]),
        since_fresh=since_fresh,
    )
    return result, new_state
