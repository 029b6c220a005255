"""Plain data views of an ``OpinionResult``: the JSON document and the readable summary."""

import math
from typing import Any

import numpy as np

from voting.opinions.result import OpinionResult


def _number(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _territories(result: OpinionResult) -> dict[str, Any] | None:
    t = result.territories
    if t is None:
        return None
    ids = [str(s) for s in result.statement_ids.tolist()]
    return {
        "labels": list(t.labels),
        "privacy_k": t.privacy_k,
        "participants": {
            label: {"count": int(n), "small": bool(small)}
            for label, n, small in zip(t.labels, t.participants, t.small_territory, strict=True)
        },
        "statements": {
            label: {
                sid: {
                    "agree": int(t.votes.agree[i, c]),
                    "disagree": int(t.votes.disagree[i, c]),
                    "pass": int(t.votes.passes[i, c]),
                    "seen": int(t.votes.seen[i, c]),
                    "small": bool(t.small_cell[i, c]),
                }
                for c, sid in enumerate(ids)
                if t.votes.seen[i, c] > 0
            }
            for i, label in enumerate(t.labels)
        },
        "bridging": dict(zip(ids, map(_number, t.bridging.tolist()), strict=True)),
        "lowest_agree_rate": dict(
            zip(ids, map(_number, t.lowest_agree_rate.tolist()), strict=True)
        ),
        "divisiveness": dict(zip(ids, map(_number, t.divisiveness.tolist()), strict=True)),
        "most_divisive": list(t.most_divisive),
        "composition": {
            str(g): {
                label: {"count": int(t.composition[g, i]), "small": bool(t.small_composition[g, i])}
                for i, label in enumerate(t.labels)
            }
            for g in range(result.k)
        },
    }


def as_json(result: OpinionResult, timings: dict[str, float]) -> dict[str, Any]:
    """The command line's JSON document (keys: k, participants, group_informed_consensus,
    consensus, repness, territories when labels exist, timings)."""
    document: dict[str, Any] = {
        "k": result.k,
        "participants": {
            str(p): (int(g) if g >= 0 else None)
            for p, g in zip(result.participant_ids.tolist(), result.group.tolist(), strict=True)
        },
        "group_informed_consensus": {
            str(s): float(v)
            for s, v in zip(
                result.statement_ids.tolist(), result.group_informed_consensus.tolist(), strict=True
            )
        },
        "consensus": {
            "agree": [c.statement for c in result.consensus.agree],
            "disagree": [c.statement for c in result.consensus.disagree],
        },
        "repness": {
            str(g): [
                {
                    "statement": r.statement,
                    "direction": r.direction,
                    "repness": r.repness,
                    "repness_test": r.repness_test,
                    "p_success": r.p_success,
                    "p_test": r.p_test,
                    "n_success": r.n_success,
                    "n_trials": r.n_trials,
                }
                for r in reps
            ]
            for g, reps in enumerate(result.repness)
        },
    }
    territories = _territories(result)
    if territories is not None:
        document["territories"] = territories
    document["timings"] = timings
    return document


def summary(result: OpinionResult, timings: dict[str, float]) -> str:
    """A few readable lines about the opinion map."""
    sizes = np.bincount(result.group[result.group >= 0], minlength=result.k)
    lines = [
        f"{result.participant_ids.size} participants, {result.statement_ids.size} statements, "
        f"{int(result.clustered.sum())} clustered",
        f"{result.k} opinion groups: "
        + ", ".join(f"group {g}: {n} participants" for g, n in enumerate(sizes.tolist())),
    ]
    for g, reps in enumerate(result.repness):
        described = ", ".join(f"{r.statement} ({r.direction})" for r in reps) or "none"
        lines.append(f"group {g} is represented by statements {described}")
    agree = ", ".join(str(c.statement) for c in result.consensus.agree) or "none"
    disagree = ", ".join(str(c.statement) for c in result.consensus.disagree) or "none"
    lines.append(f"consensus: agree on {agree}; disagree on {disagree}")
    if result.statement_ids.size:
        order = np.argsort(-result.group_informed_consensus, kind="stable")[:5]
        best = ", ".join(
            f"{result.statement_ids[c]} ({result.group_informed_consensus[c]:.3f})" for c in order
        )
        lines.append(f"highest group-informed consensus: {best}")
    t = result.territories
    if t is not None:
        lines.append(f"territories: {', '.join(t.labels)}")
        divisive = ", ".join(str(s) for s in t.most_divisive[:5]) or "none"
        lines.append(f"statements dividing territories most: {divisive}")
    lines.append(
        "timings (s): " + ", ".join(f"{name} {seconds:.3f}" for name, seconds in timings.items())
    )
    return "\n".join(lines)
