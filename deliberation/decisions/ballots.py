"""Ballots as the app stores them (a JSON ``choice`` over option labels), read from the ballot
forms and turned into ``voting.methods.Ballot`` objects.

Stored shapes, by ballot type: ranked ``{"ranking": [["A"], ["B", "C"]]}`` (groups best first,
ties inside a group, options left out are unranked, at least one option ranked); approval
``{"approved": ["A", "C"]}``; score and grades ``{"scores": {"A": 4}}`` (options left out are
blank); stance ``{"stance": "agree" | "abstain" | "disagree"}`` or
``{"stance": "block", "reason": "..."}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from deliberation.errors import Invalid
from deliberation.messages import lazy_message
from voting.methods import Ballot, BallotKind, Block, MethodError
from voting.methods.profile import Scale, build_profile

MAX_REASON = 1000
STANCE_NAMES: dict[str, LazyString] = {
    "agree": _l("Agree"),
    "abstain": _l("Abstain"),
    "disagree": _l("Disagree"),
    "block": _l("Block"),
}
# Majority-judgment grade names by scale size, best first (Balinski and Laraki's wording).
_GRADES: dict[int, tuple[LazyString, ...]] = {
    2: (_l("Passable"), _l("To reject")),
    3: (_l("Good"), _l("Passable"), _l("To reject")),
    4: (_l("Excellent"), _l("Good"), _l("Passable"), _l("To reject")),
    5: (_l("Excellent"), _l("Very good"), _l("Good"), _l("Passable"), _l("To reject")),
    6: (
        _l("Excellent"),
        _l("Very good"),
        _l("Good"),
        _l("Passable"),
        _l("Insufficient"),
        _l("To reject"),
    ),
    7: (
        _l("Excellent"),
        _l("Very good"),
        _l("Good"),
        _l("Fairly good"),
        _l("Passable"),
        _l("Insufficient"),
        _l("To reject"),
    ),
}


def grade_names(low: int, high: int) -> dict[int, str]:
    """Each value of the scale with its name, best first: named grades for scales of 2 to 7
    values, the number itself otherwise."""
    values = list(range(high, low - 1, -1))
    names = _GRADES.get(len(values))
    if names is None:
        return {v: str(v) for v in values}
    return {v: str(name) for v, name in zip(values, names, strict=True)}


def _refuse(message: LazyString) -> Invalid:
    return Invalid(message)


def read_ranking(form: Mapping[str, str], labels: Sequence[str]) -> list[list[str]]:
    """Ranks from ``rank_<label>`` fields (1 is the top, equal numbers are tied, empty is
    unranked) as groups, best first.

    Raises:
        Invalid: a rank field for an unknown option, or a rank that is not 1..len(labels).
    """
    known = set(labels)
    ranks: dict[str, int] = {}
    for key, raw in form.items():
        if not key.startswith("rank_"):
            continue
        label = key.removeprefix("rank_")
        if label not in known:
            raise _refuse(_l("This ballot names an option that is not in this decision."))
        if not raw.strip():
            continue
        try:
            rank = int(raw)
        except ValueError:
            rank = 0
        if not 1 <= rank <= len(labels):
            raise _refuse(
                lazy_message(
                    "A rank is a number from 1 to %(count)s, or not ranked.", count=len(labels)
                )
            )
        ranks[label] = rank
    return [
        [label for label in labels if ranks.get(label) == rank]
        for rank in sorted(set(ranks.values()))
    ]


def move(ranking: list[list[str]], labels: Sequence[str], label: str, up: bool) -> list[list[str]]:
    """The ranking after moving ``label`` one step up or down.

    Up: an unranked option becomes the last ranked group; a tied option leaves its group for a
    group of its own just above it; an option alone in its group swaps with the group above.
    Down mirrors this, and an option alone in the last group becomes unranked.
    """
    groups = [list(g) for g in ranking if g]
    where = next((i for i, g in enumerate(groups) if label in g), None)
    if label not in labels:
        return groups
    if where is None:
        return [*groups, [label]] if up else groups
    group = groups[where]
    if len(group) > 1:
        group.remove(label)
        groups.insert(where if up else where + 1, [label])
        return groups
    if up and where > 0:
        groups[where - 1], groups[where] = groups[where], groups[where - 1]
    elif not up and where + 1 < len(groups):
        groups[where + 1], groups[where] = groups[where], groups[where + 1]
    elif not up:
        groups.pop(where)
    return groups


def read_choice(
    kind: BallotKind, form: Mapping[str, str], approved: Sequence[str], labels: Sequence[str]
) -> dict[str, Any]:
    """The stored ``choice`` from a ballot form (``approved`` lists the checked boxes).

    Raises:
        Invalid: an unknown option, a value off the scale, a stance that does not exist, or a
            block without a reason.
    """
    known = set(labels)
    if kind is BallotKind.RANKED:
        return {"ranking": read_ranking(form, labels)}
    if kind is BallotKind.APPROVAL:
        if not set(approved) <= known:
            raise _refuse(_l("This ballot names an option that is not in this decision."))
        return {"approved": [label for label in labels if label in set(approved)]}
    if kind is BallotKind.SCORE:
        scores: dict[str, int] = {}
        for key, raw in form.items():
            if not key.startswith("score_"):
                continue
            label = key.removeprefix("score_")
            if label not in known:
                raise _refuse(_l("This ballot names an option that is not in this decision."))
            if raw.strip():
                try:
                    scores[label] = int(raw)
                except ValueError as error:
                    raise _refuse(_l("Choose a value of the scale for each option.")) from error
        return {"scores": scores}
    stance = form.get("stance", "")
    if stance not in STANCE_NAMES:
        raise _refuse(_l("Choose agree, abstain, disagree or block."))
    if stance != "block":
        return {"stance": stance}
    reason = form.get("reason", "").strip()
    if not reason:
        raise _refuse(_l("A block needs a reason: say what makes this proposal unacceptable."))
    if len(reason) > MAX_REASON:
        raise _refuse(lazy_message("A reason has at most %(count)s characters.", count=MAX_REASON))
    return {"stance": "block", "reason": reason}


def to_ballot(kind: BallotKind, choice: Mapping[str, Any], territory: str | None = None) -> Ballot:
    """The stored ``choice`` as a ``voting`` ballot (one person, weight 1)."""
    if kind is BallotKind.RANKED:
        return Ballot([list(group) for group in choice["ranking"]], territory=territory)
    if kind is BallotKind.APPROVAL:
        return Ballot(frozenset(choice["approved"]), territory=territory)
    if kind is BallotKind.SCORE:
        return Ballot(dict(choice["scores"]), territory=territory)
    if choice["stance"] == "block":
        return Ballot(Block(choice["reason"]), territory=territory)
    return Ballot(str(choice["stance"]), territory=territory)


def check_choice(
    kind: BallotKind, choice: Mapping[str, Any], labels: Sequence[str], scale: Scale | None
) -> None:
    """Let ``voting`` validate the ballot against the options and the scale, and refuse a
    ranking that ranks nothing: ``voting`` would count it as an abstention, but the ballot
    form offers no abstention, so an empty ranking is a ballot sent before ranking anything.

    Raises:
        Invalid: the ballot breaks the method's rules (a score off the scale, for instance), or
            a ranked ballot ranks no option.
    """
    if kind is BallotKind.RANKED and not any(choice["ranking"]):
        raise _refuse(_l("Rank at least one option: give your favourite rank 1."))
    try:
        build_profile(kind, tuple(labels), [to_ballot(kind, choice)], scale)
    except MethodError as error:
        message = (
            _l("Choose a value of the scale for each option.")
            if kind is BallotKind.SCORE
            else _l("This ballot is not valid for this decision.")
        )
        raise _refuse(message) from error
