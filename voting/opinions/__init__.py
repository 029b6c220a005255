"""Pol.is-style opinion mapping of agree/disagree/pass votes (see OPINIONS.md).

``compute(conversation, state)`` turns the votes of a round into opinion groups, what represents
each group, what unites them and, per territory, what unites and divides territories; it returns
the state to pass to the next update. ``read_polis_export`` reads a Pol.is export folder.

    votes = Votes(participant_ids, statement_ids, values)    # time ordered, agree = +1
    result, state = compute(Conversation(votes, rejected=..., meta=..., territory=...))
    stored = state.to_bytes()                                # .npz bytes, no pickle
    result, state = compute(Conversation(more_votes), OpinionState.from_bytes(stored), seed=0)

Files: ``inputs`` and ``parameters`` (what goes in), ``matrix`` (sparse vote matrix),
``clustered`` (who is clustered), ``pca`` (components and projections), ``kmeans`` and
``groups`` (base clusters, opinion groups, k choice), ``tallies``, ``stats``, ``repness``,
``consensus``, ``priorities``, ``participants``, ``territories``, ``result`` and ``state`` (what
comes out), ``pipeline`` (``compute``), ``polis_export`` and ``report`` (the command line's
input and output), ``partition`` (adjusted Rand index).
"""

from voting.opinions.consensus import Consensus, ConsensusStatement
from voting.opinions.inputs import AGREE, DISAGREE, PASS, Conversation, Votes
from voting.opinions.parameters import Parameters
from voting.opinions.participants import ParticipantStats
from voting.opinions.partition import adjusted_rand_index
from voting.opinions.pipeline import compute
from voting.opinions.polis_export import (
    PolisComment,
    PolisExport,
    PolisExportError,
    read_polis_comments,
    read_polis_export,
)
from voting.opinions.repness import RepStatement
from voting.opinions.result import OpinionResult
from voting.opinions.state import OpinionState
from voting.opinions.tallies import Tallies
from voting.opinions.territories import TerritoryAnalysis

__all__ = [
    "AGREE",
    "DISAGREE",
    "PASS",
    "Consensus",
    "ConsensusStatement",
    "Conversation",
    "OpinionResult",
    "OpinionState",
    "Parameters",
    "ParticipantStats",
    "PolisComment",
    "PolisExport",
    "PolisExportError",
    "RepStatement",
    "Tallies",
    "TerritoryAnalysis",
    "Votes",
    "adjusted_rand_index",
    "compute",
    "read_polis_comments",
    "read_polis_export",
]
