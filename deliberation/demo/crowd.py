"""The synthetic side of one demo round, drawn with ``synthetic`` (deterministic for a given
generator): who takes part, which statements exist when, and every vote cast.

- every participant belongs to one of three latent opinion groups; the group mix differs by
  territory (Strasbourg leans to the first, the Ortenau district to the third);
- every statement has a stance per group and per territory (see ``texts``); a participant's
  score is the sum of the two plus a little personal noise, and turns into agree / disagree /
  pass probabilities (``synthetic.stance_probabilities``);
- every participant votes on 10 to 40 statements among those visible when they joined (seed
  statements likelier, as routing shows them first), one vote every half minute or so; a few
  votes are changed once, so the event log holds more events than there are current votes.

Times are seconds after the round opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from deliberation.demo.synthetic import (
    cast_votes,
    draw_categories,
    stance_probabilities,
)
from deliberation.demo.texts import StatementSpec, TerritorySpec
from deliberation.models import StatementStatus

STANCES = {"A": 2.5, "a": 1.2, ".": 0.0, "d": -1.2, "D": -2.5}
LANGUAGES = ("fr", "de", "en", "es")
MIN_VOTES, MAX_VOTES = 10, 40
MEAN_SECONDS_BETWEEN_VOTES = 30.0
CHANGED_VOTE_SHARE = 0.04
SEED_STATEMENTS_CREATED = -86_400.0
WRITING_DELAY = 600.0
MODERATION_DELAY = 4 * 3600.0


@dataclass(frozen=True)
class Crowd:
    """The synthetic participants, in join order: territory index (into the territory
    specs), latent group, language, and when they joined."""

    territories: np.ndarray
    groups: np.ndarray
    languages: list[str]
    joined: np.ndarray

    @classmethod
    def draw(
        cls, rng: np.random.Generator, territories: Sequence[TerritorySpec], n: int, *, span: float
    ) -> Crowd:
        shares = np.array([spec.share for spec in territories])
        where = draw_categories(rng, np.tile(shares / shares.sum(), (n, 1)))
        mixes = np.array([spec.group_mix for spec in territories])
        groups = draw_categories(rng, mixes[where])
        tongues = np.array(
            [[spec.languages.get(code, 0.0) for code in LANGUAGES] for spec in territories]
        )
        languages = draw_categories(rng, tongues[where])
        return cls(
            territories=where,
            groups=groups,
            languages=[LANGUAGES[i] for i in languages],
            joined=np.sort(rng.uniform(0.0, span, n)),
        )


def _stances(letters: str) -> list[float]:
    return [STANCES[letter] for letter in letters]


@dataclass(frozen=True)
class Catalogue:
    """Every statement of the round, in spec order (seeds first). ``visible`` is when other
    participants could first vote on it (inf: never, as it is pending or rejected);
    ``authors`` holds crowd indexes, -1 for seed statements; ``moderated`` is NaN for seeds
    and pending statements."""

    specs: Sequence[StatementSpec]
    authors: np.ndarray
    created: np.ndarray
    moderated: np.ndarray
    visible: np.ndarray
    group_scores: np.ndarray
    territory_scores: np.ndarray

    @classmethod
    def build(
        cls,
        rng: np.random.Generator,
        crowd: Crowd,
        specs: Sequence[StatementSpec],
        territory_slugs: Sequence[str],
    ) -> Catalogue:
        authors = np.array(
            [-1 if spec.is_seed else _author(rng, crowd, spec, territory_slugs) for spec in specs],
            dtype=np.int64,
        )
        created = np.where(
            authors >= 0, crowd.joined[authors] + WRITING_DELAY, SEED_STATEMENTS_CREATED
        )
        reviewed = np.array(
            [not spec.is_seed and spec.status != StatementStatus.PENDING for spec in specs]
        )
        moderated = np.where(reviewed, created + MODERATION_DELAY, np.nan)
        accepted = np.array([spec.status == StatementStatus.ACCEPTED for spec in specs])
        return cls(
            specs=specs,
            authors=authors,
            created=created,
            moderated=moderated,
            visible=np.where(accepted, np.where(reviewed, moderated, created), np.inf),
            group_scores=np.array([_stances(spec.groups) for spec in specs]),
            territory_scores=np.array([_stances(spec.territories) for spec in specs]),
        )

    @property
    def is_seed(self) -> np.ndarray:
        return self.authors < 0


def _author(
    rng: np.random.Generator, crowd: Crowd, spec: StatementSpec, territory_slugs: Sequence[str]
) -> int:
    """A participant of the statement's territory: an early one for reviewed statements, a
    recent one for pending ones (falling back to anyone when the crowd is small)."""
    n = len(crowd.joined)
    order = np.arange(n)
    period = order < max(1, n // 2) if spec.status != StatementStatus.PENDING else order >= n * 0.85
    territory = territory_slugs.index(spec.author_territory or "")
    for candidates in (
        np.flatnonzero(period & (crowd.territories == territory)),
        np.flatnonzero(period),
        order,
    ):
        if len(candidates):
            return int(rng.choice(candidates))
    raise ValueError("The demo needs at least one participant.")


@dataclass(frozen=True)
class Ballots:
    """Every vote cast, as parallel arrays over events in time order: voter (crowd index),
    statement (catalogue index), value and time. Authors agree with their own statement."""

    voters: np.ndarray
    statements: np.ndarray
    values: np.ndarray
    times: np.ndarray

    @classmethod
    def draw(cls, rng: np.random.Generator, crowd: Crowd, catalogue: Catalogue) -> Ballots:
        voters, statements, times = _choices(rng, crowd, catalogue)
        agree, passes = stance_probabilities(
            catalogue.group_scores[statements, crowd.groups[voters]]
            + catalogue.territory_scores[statements, crowd.territories[voters]]
            + rng.normal(0.0, 0.5, len(voters))
        )
        values = cast_votes(rng, agree, passes)
        authored = np.flatnonzero(catalogue.authors >= 0)
        voters = np.concatenate([voters, catalogue.authors[authored]])
        statements = np.concatenate([statements, authored])
        values = np.concatenate([values, np.ones(len(authored), dtype=np.int8)])
        times = np.concatenate([times, catalogue.created[authored]])
        return _with_changes(rng, voters, statements, values, times)


def _choices(
    rng: np.random.Generator, crowd: Crowd, catalogue: Catalogue
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which statements each participant votes on, and when: 10 to 40 of those visible when
    they joined (seeds three times likelier), about half a minute apart."""
    voters: list[np.ndarray] = []
    statements: list[np.ndarray] = []
    times: list[np.ndarray] = []
    for index, joined in enumerate(crowd.joined):
        eligible = np.flatnonzero(catalogue.visible < joined)
        if len(eligible) == 0:
            continue
        weights = np.where(catalogue.is_seed[eligible], 3.0, 1.0)
        k = min(int(rng.integers(MIN_VOTES, MAX_VOTES + 1)), len(eligible))
        chosen = rng.choice(eligible, size=k, replace=False, p=weights / weights.sum())
        voters.append(np.full(k, index))
        statements.append(chosen)
        times.append(joined + np.cumsum(rng.exponential(MEAN_SECONDS_BETWEEN_VOTES, k)))
    if not voters:
        empty = np.zeros(0, dtype=int)
        return empty, empty, np.zeros(0)
    return np.concatenate(voters), np.concatenate(statements), np.concatenate(times)


def _with_changes(
    rng: np.random.Generator,
    voters: np.ndarray,
    statements: np.ndarray,
    values: np.ndarray,
    times: np.ndarray,
) -> Ballots:
    """Add a later, different vote for a few pairs (people change their minds), then sort
    every event by time."""
    changed = np.flatnonzero(rng.random(len(voters)) < CHANGED_VOTE_SHARE)
    new_values = (values[changed] + 1 + rng.integers(1, 3, len(changed))) % 3 - 1
    later = times[changed] + rng.uniform(3600.0, 12 * 3600.0, len(changed))
    order = np.argsort(np.concatenate([times, later]), kind="stable")
    return Ballots(
        voters=np.concatenate([voters, voters[changed]])[order],
        statements=np.concatenate([statements, statements[changed]])[order],
        values=np.concatenate([values, new_values])[order],
        times=np.concatenate([times, later])[order],
    )
