"""Fairness across territories: how much each territory's ballots weigh.

Modes (setting ``weighting``):

- ``none``: one person one vote; each ballot keeps its own weight.
- ``equal_territory``: every territory taking part weighs 1 in total, shared among its
  non-abstaining ballots in proportion to their own weights (abstentions do not dilute a
  territory's say; a territory where everybody abstains carries no weight).
- ``sqrt_population``: Penrose square-root weights; a territory weighs the square root of its
  declared population, rounded half-even to six significant digits and then taken as an exact
  rational (see :func:`penrose_weight`), shared among its ballots the same way.

A territory with fewer ballots than ``min_territory_ballots`` is flagged; under the two
territory modes its total weight is also scaled by ``ballots / min_territory_ballots``.
"Ballots" here counts every ballot cast in the territory, abstentions and invalid ones included
(participation, not opinion).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Context, Decimal
from enum import StrEnum
from fractions import Fraction

import numpy as np

from voting.methods.errors import MethodError
from voting.methods.profile import Profile


class Weighting(StrEnum):
    """Weighting mode; see the module docstring."""

    NONE = "none"
    EQUAL_TERRITORY = "equal_territory"
    SQRT_POPULATION = "sqrt_population"


@dataclass(frozen=True)
class TerritoryWeight:
    """How one territory was weighted.

    Attributes:
        territory: label.
        ballots: ballots cast there (people, not weight).
        population: declared population, if any.
        weight: the territory's total weight after weighting (under ``none``, the own weight of
            its non-abstaining ballots).
        scale: ``ballots / min_territory_ballots`` when flagged under a territory mode, else 1.
        below_minimum: fewer ballots than ``min_territory_ballots``.
    """

    territory: str
    ballots: int
    population: int | None
    weight: Fraction
    scale: Fraction
    below_minimum: bool


@dataclass(frozen=True)
class WeightingReport:
    """The weighting applied, territory by territory (sorted by label)."""

    mode: Weighting
    min_territory_ballots: int
    territories: tuple[TerritoryWeight, ...]


def penrose_weight(population: int) -> Fraction:
    """Square root of ``population`` rounded half-even to six significant digits, exactly.

    >>> penrose_weight(2)
    Fraction(141421, 100000)

    Raises:
        MethodError: if ``population`` is not a positive integer.
    """
    if isinstance(population, bool) or not isinstance(population, int) or population < 1:
        raise MethodError(f"a population must be a positive integer, not {population!r}")
    return Fraction(Context(prec=6, rounding=ROUND_HALF_EVEN).sqrt(Decimal(population)))


def apply_weighting(
    profile: Profile,
    *,
    mode: Weighting,
    populations: Mapping[str, int],
    min_territory_ballots: int,
) -> tuple[Profile, WeightingReport]:
    """Return ``profile`` with per-ballot weights multiplied by their territory's factor.

    A ballot's factor is ``target * scale / W`` where ``target`` is 1 (``equal_territory``) or
    :func:`penrose_weight` of the population (``sqrt_population``), ``scale`` the minimum-ballots
    factor and ``W`` the total own weight of the territory's non-abstaining ballots. Under
    ``none`` nothing changes, but territories below the minimum are still flagged.

    Raises:
        MethodError: a territory mode with a ballot lacking a territory, or ``sqrt_population``
            without a population for a territory that voted.
    """
    labels = profile.territories
    located = profile.territory >= 0
    ballots = np.zeros(len(labels), dtype=np.int64)
    np.add.at(ballots, profile.territory[located], profile.count[located])
    expressing = located & ~profile.abstaining
    per_weight = np.zeros((len(labels), len(profile.weights)), dtype=np.int64)
    np.add.at(
        per_weight,
        (profile.territory[expressing], profile.weight[expressing]),
        profile.count[expressing],
    )
    own = [
        sum((int(n) * w for n, w in zip(row, profile.weights, strict=True)), Fraction(0))
        for row in per_weight
    ]
    if mode is not Weighting.NONE and not bool(located.all()):
        raise MethodError(f"weighting {mode.value} needs a territory on every ballot")
    factors: list[Fraction] = []
    rows: list[TerritoryWeight] = []
    for t, label in enumerate(labels):
        population = populations.get(label)
        below = int(ballots[t]) < min_territory_ballots
        scale = Fraction(int(ballots[t]), min_territory_ballots) if below else Fraction(1)
        if mode is Weighting.NONE:
            target, scale = own[t], Fraction(1)
        elif mode is Weighting.EQUAL_TERRITORY:
            target = scale
        else:
            if population is None:
                raise MethodError(f"no population declared for territory {label!r}")
            target = penrose_weight(population) * scale
        factors.append(target / own[t] if own[t] else Fraction(0))
        rows.append(TerritoryWeight(label, int(ballots[t]), population, target, scale, below))
    for label, population in populations.items():
        if label not in labels:
            below = min_territory_ballots > 0
            rows.append(TerritoryWeight(label, 0, population, Fraction(0), Fraction(1), below))
    report = WeightingReport(
        mode=mode,
        min_territory_ballots=min_territory_ballots,
        territories=tuple(sorted(rows, key=lambda r: r.territory)),
    )
    if mode is Weighting.NONE:
        return profile, report
    return _reweighted(profile, factors), report


def _reweighted(profile: Profile, factors: list[Fraction]) -> Profile:
    pair = profile.weight * len(factors) + profile.territory
    distinct, index = np.unique(pair, return_inverse=True)
    weights = tuple(
        profile.weights[int(p) // len(factors)] * factors[int(p) % len(factors)] for p in distinct
    )
    return replace(profile, weights=weights, weight=index.reshape(-1).astype(np.int64))
