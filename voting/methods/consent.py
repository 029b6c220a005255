"""Consent decision on one proposal, with optional double majority across territories."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import numpy as np

from voting.methods.ballots import Stance
from voting.methods.count import Context, Count
from voting.methods.profile import STANCE_CODES, BoolArray
from voting.methods.result import Explained


def meets(share: Fraction | None, threshold: Fraction, strict: bool) -> bool:
    """Whether ``share`` exceeds (``strict``) or reaches ``threshold``; None never does."""
    if share is None:
        return False
    return share > threshold if strict else share >= threshold


def count_consent(ctx: Context) -> Count:
    """Consent: any block stops the proposal. Otherwise it passes when the agree share,
    ``agree / (agree + disagree + block)`` by weight (abstentions excluded), meets
    ``threshold`` (exceeds it when ``strict``, the default, else reaches it).

    With ``double_majority`` it must also be in favour in a share of the territories that meets
    ``territory_threshold`` (same strictness). A territory is in favour when its own ballots
    pass: no block there and its own agree share meets ``threshold``. Territories counted are
    those with ballots plus those with a declared population (no ballots: not in favour). The
    quorum is applied by ``tally``.

    Explanation: ``stances`` (weight), ``share``, ``threshold``, ``strict``, ``blocked``,
    ``block_reasons`` (each distinct reason with its number of ballots, sorted by reason), and
    with territories ``territories`` (per territory: stances, share, in_favour) and
    ``territories_in_favour`` (a share, or None without territories).
    """
    profile = ctx.profile
    threshold = ctx.fraction("threshold")
    strict = ctx.flag("strict")
    code = profile.values[:, 0]
    located = [profile.territory == t for t in range(len(profile.territories))]

    def stances(rows: BoolArray) -> dict[Stance, Fraction]:
        return {
            s: ctx.weight(int(ctx.mass[rows & (code == c)].sum())) for s, c in STANCE_CODES.items()
        }

    def share(weights: dict[Stance, Fraction]) -> Fraction | None:
        against = weights[Stance.DISAGREE] + weights[Stance.BLOCK]
        expressed = weights[Stance.AGREE] + against
        return weights[Stance.AGREE] / expressed if expressed else None

    everywhere = stances(np.ones(profile.rows, dtype=np.bool_))
    overall = share(everywhere)
    blocked = everywhere[Stance.BLOCK] > 0
    passed = not blocked and meets(overall, threshold, strict)
    blocks = code == STANCE_CODES[Stance.BLOCK]
    reasons: dict[str, int] = {}
    for row in np.flatnonzero(blocks):
        text = profile.reasons[int(profile.reason[row])]
        reasons[text] = reasons.get(text, 0) + int(profile.count[row])
    explanation: dict[str, Explained] = {
        "stances": {s.value: w for s, w in everywhere.items()},
        "share": overall,
        "threshold": threshold,
        "strict": strict,
        "blocked": blocked,
        "block_reasons": [{"reason": r, "ballots": reasons[r]} for r in sorted(reasons)],
    }
    populations = ctx.settings["populations"]
    declared = sorted(populations) if isinstance(populations, Mapping) else []
    labels = sorted(set(profile.territories) | set(declared))
    if labels:
        table: dict[str, Explained] = {}
        in_favour = 0
        for label in labels:
            rows = (
                located[profile.territories.index(label)]
                if label in profile.territories
                else np.zeros(profile.rows, dtype=np.bool_)
            )
            weights = stances(rows)
            local = share(weights)
            favour = weights[Stance.BLOCK] == 0 and meets(local, threshold, strict)
            in_favour += favour
            table[label] = {
                "stances": {s.value: w for s, w in weights.items()},
                "share": local,
                "in_favour": favour,
            }
        territory_share = Fraction(in_favour, len(labels))
        explanation["territories"] = table
        explanation["territories_in_favour"] = territory_share
        if ctx.flag("double_majority"):
            territory_threshold = ctx.fraction("territory_threshold")
            passed = passed and meets(territory_share, territory_threshold, strict)
    elif ctx.flag("double_majority"):
        passed = False
        explanation["territories_in_favour"] = None
    return Count(
        winners=(0,) if passed else (),
        winner=0 if passed else None,
        tie_rule="seeded_order",
        ranking=((0,),),
        counts={s.value: w for s, w in everywhere.items()},
        count_kind="stance_weight",
        explanation=explanation,
        passed=passed,
    )
