"""The single entry point: :func:`tally`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from voting.methods.ballots import Ballot, BallotProfile, RankedProfile
from voting.methods.canonical import ballots_sha256
from voting.methods.count import Context, Count, SettingValue
from voting.methods.errors import MethodError
from voting.methods.profile import BallotKind, Profile, Scale, build_profile
from voting.methods.registry import REGISTRY, MethodSpec
from voting.methods.result import BallotSummary, InvalidBallots, Notice, Quorum, Result, TieBreak
from voting.methods.tiebreak import tiebreak_order
from voting.methods.weighting import Weighting, WeightingReport, apply_weighting

# A territory's own count: its ballots alone, unweighted, without the decision's quorum.
_LOCAL: dict[str, SettingValue] = {
    "weighting": Weighting.NONE.value,
    "quorum_ballots": 0,
    "quorum_share": Fraction(0),
    "electorate": None,
    "double_majority": False,
}


def tally(
    method: str,
    candidates: Sequence[str],
    ballots: Sequence[Ballot] | BallotProfile | RankedProfile,
    **settings: object,
) -> Result:
    """Count ``ballots`` over ``candidates`` with a registered ``method``.

    ``candidates`` are distinct option names (opaque strings, never normalised); consent takes
    exactly one, the proposal. ``settings`` are the method's settings from the registry, each
    checked and defaulted. The result carries the count with the requested weighting, the same
    count unweighted when a territory weighting was used, and the count in each territory (its
    ballots alone, no weighting, no quorum).

    Raises:
        MethodError: unknown method or setting, a setting out of bounds, duplicate or non-string
            candidates, or ballots that break the method's ballot type (unknown candidate, off
            the scale, a block without reason...).
    """
    spec = REGISTRY.get(method)
    if spec is None:
        raise MethodError(f"unknown method {method!r}; known: {', '.join(REGISTRY)}")
    names = _candidates(candidates, spec)
    resolved = spec.resolve(settings)
    scale = None
    if spec.ballot is BallotKind.SCORE:
        scale = Scale(_int(resolved["scale_min"]), _int(resolved["scale_max"]))
    profile = build_profile(spec.ballot, names, ballots, scale)
    mode = Weighting(str(resolved["weighting"]))
    populations = resolved["populations"]
    weighted, report = apply_weighting(
        profile,
        mode=mode,
        populations=populations if isinstance(populations, Mapping) else {},
        min_territory_ballots=_int(resolved["min_territory_ballots"]),
    )
    digest = ballots_sha256(profile)
    plain = WeightingReport(Weighting.NONE, report.min_territory_ballots, ())
    unweighted = None
    if mode is not Weighting.NONE:
        unplain = resolved | {"weighting": Weighting.NONE.value}
        unweighted = _result(spec, profile, unplain, digest=digest, report=plain)
    local = resolved | {k: v for k, v in _LOCAL.items() if k in resolved}
    territories = {}
    for index, label in sorted(enumerate(profile.territories), key=lambda item: item[1]):
        part = profile.select(profile.territory == index)
        territories[label] = _result(spec, part, local, digest=ballots_sha256(part), report=plain)
    notices = tuple(
        Notice(
            "territory_below_minimum",
            f"Territory {t.territory!r} cast {t.ballots} ballots, fewer than the minimum "
            f"{report.min_territory_ballots}.",
            {
                "territory": t.territory,
                "ballots": t.ballots,
                "minimum": report.min_territory_ballots,
                "scale": t.scale,
            },
        )
        for t in report.territories
        if t.below_minimum
    )
    return _result(
        spec,
        weighted,
        resolved,
        digest=digest,
        report=report,
        notices=notices,
        unweighted=unweighted,
        territories=territories,
    )


def _int(value: SettingValue) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("expected an integer setting")
    return value


def _candidates(candidates: Sequence[str], spec: MethodSpec) -> tuple[str, ...]:
    if isinstance(candidates, str):
        raise MethodError("candidates must be a sequence of names, not one string")
    names = tuple(candidates)
    if not names:
        raise MethodError("at least one candidate is needed")
    if any(not isinstance(n, str) for n in names):
        raise MethodError("candidate names must be strings")
    if len(set(names)) != len(names):
        raise MethodError("candidate names must be distinct")
    if spec.ballot is BallotKind.STANCE and len(names) != 1:
        raise MethodError(f"{spec.name} decides on exactly one proposal")
    return names


def _result(
    spec: MethodSpec,
    profile: Profile,
    settings: dict[str, SettingValue],
    *,
    digest: str,
    report: WeightingReport,
    notices: tuple[Notice, ...] = (),
    unweighted: Result | None = None,
    territories: Mapping[str, Result] | None = None,
) -> Result:
    mass, denominator = profile.mass()
    seed = _int(settings["seed"])
    ctx = Context(profile, settings, tiebreak_order(profile.candidates, seed), mass, denominator)
    count = spec.count(ctx)
    summary = _summary(profile, count, ctx)
    quorum = _quorum(settings, summary.cast)
    names = profile.candidates
    winners: tuple[int, ...] = count.winners
    winner = count.winner
    passed = count.passed
    extra: list[Notice] = [
        Notice(
            "invalid_ballots",
            f"{group.ballots} ballot(s) invalid for this count: {group.reason}.",
            {"reason": group.reason, "ballots": group.ballots, "weight": group.weight},
        )
        for group in summary.invalid
    ]
    condorcet = count.explanation.get("condorcet_winner")
    if isinstance(condorcet, str) and names.index(condorcet) not in winners:
        extra.append(
            Notice(
                "condorcet_winner_not_elected",
                f"{condorcet} beats every other option head to head but does not win.",
                {"condorcet_winner": condorcet},
            )
        )
    if summary.valid == 0:
        winners, winner = (), None
        extra.append(Notice("no_valid_ballots", "No valid ballot: nothing is decided."))
    if not quorum.met:
        winners, winner, passed = (), None, (False if passed is not None else None)
        extra.append(
            Notice(
                "quorum_not_met",
                "The quorum is not met: nothing is decided.",
                {"ballots": quorum.ballots},
            )
        )
    tie_break = None
    if winner is not None and len(winners) > 1:
        tie_break = TieBreak(tuple(names[x] for x in winners), count.tie_rule, seed)
        extra.append(
            Notice(
                "tie_broken",
                f"Tie among {', '.join(names[x] for x in winners)} broken by {count.tie_rule}.",
                {"among": [names[x] for x in winners], "rule": count.tie_rule, "seed": seed},
            )
        )
    return Result(
        method=spec.name,
        settings=dict(settings),
        candidates=names,
        ballots=summary,
        quorum=quorum,
        winners=tuple(names[x] for x in winners),
        winner=None if winner is None else names[winner],
        tie_break=tie_break,
        ranking=tuple(tuple(names[x] for x in tier) for tier in count.ranking),
        counts=dict(count.counts),
        count_kind=count.count_kind,
        passed=passed,
        explanation=dict(count.explanation),
        warnings=(*notices, *count.notices, *extra),
        ballots_sha256=digest,
        weighting=report,
        unweighted=unweighted,
        territories=dict(territories or {}),
    )


def _summary(profile: Profile, count: Count, ctx: Context) -> BallotSummary:
    abstaining = profile.abstaining
    pending = ~abstaining
    invalid: list[InvalidBallots] = []
    for reason, rows in count.invalid:
        chosen = rows & pending
        if chosen.any():
            invalid.append(
                InvalidBallots(
                    reason,
                    int(profile.count[chosen].sum()),
                    ctx.weight(int(ctx.mass[chosen].sum())),
                )
            )
        pending &= ~chosen
    return BallotSummary(
        cast=int(profile.count.sum()),
        total_weight=ctx.weight(int(ctx.mass.sum())),
        valid=int(profile.count[pending].sum()),
        valid_weight=ctx.weight(int(ctx.mass[pending].sum())),
        abstaining=int(profile.count[abstaining].sum()),
        abstaining_weight=ctx.weight(int(ctx.mass[abstaining].sum())),
        invalid=tuple(invalid),
    )


def _quorum(settings: Mapping[str, SettingValue], cast: int) -> Quorum:
    minimum = _int(settings["quorum_ballots"])
    share = settings["quorum_share"]
    share = share if isinstance(share, Fraction) else Fraction(0)
    electorate = settings["electorate"]
    size = electorate if isinstance(electorate, int) else None
    met = cast >= minimum and (size is None or Fraction(cast, size) >= share)
    return Quorum(minimum, share, size, cast, met)
