"""Decision methods: exact, explained, and fair across territories.

Entry point :func:`tally`; the methods, their ballot types and settings are listed in
:data:`REGISTRY` (``REGISTRY[name].describe()`` gives them as JSON). Inputs are
:class:`Ballot` objects (or the bulk :class:`BallotProfile` and :class:`RankedProfile`); the
output is a frozen :class:`Result`, stored as ``Result.to_dict()``::

    result = tally(
        "schulze",
        ["Parc", "Piscine"],
        [Ballot([["Parc"], ["Piscine"]], territory="nord"), Ballot([["Piscine"]])],
        seed=20260601,
    )
    result.winners, result.winner, result.explanation["strongest_paths"]
"""

from voting.methods.ballots import Ballot, BallotProfile, Block, RankedProfile, Stance
from voting.methods.errors import MethodError
from voting.methods.profile import BallotKind
from voting.methods.registry import COMMON_SETTINGS, REGISTRY, MethodSpec, Setting
from voting.methods.result import (
    BallotSummary,
    InvalidBallots,
    Notice,
    Quorum,
    Result,
    TieBreak,
)
from voting.methods.tally import tally
from voting.methods.weighting import (
    TerritoryWeight,
    Weighting,
    WeightingReport,
    penrose_weight,
)

__all__ = [
    "COMMON_SETTINGS",
    "REGISTRY",
    "Ballot",
    "BallotKind",
    "BallotProfile",
    "BallotSummary",
    "Block",
    "InvalidBallots",
    "MethodError",
    "MethodSpec",
    "Notice",
    "Quorum",
    "RankedProfile",
    "Result",
    "Setting",
    "Stance",
    "TerritoryWeight",
    "TieBreak",
    "Weighting",
    "WeightingReport",
    "penrose_weight",
    "tally",
]
