"""The snapshot document: an opinion result as JSON, with small cells suppressed.

Schema ``palabre.opinion-snapshot/1``. Counts of fewer than ``privacy_k`` people in a group,
territory or group-statement cell are ``null`` with ``"suppressed": true``; pages and downloads
read only this document, so a suppressed count is hidden everywhere. Participant ids are the
app's internal pseudonymous numbers; the public map shows only positions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from voting.opinions import OpinionResult, Parameters, RepStatement

SCHEMA = "palabre.opinion-snapshot/1"


def _round(value: float, digits: int = 6) -> float | None:
    return None if not math.isfinite(value) else round(float(value), digits)


def _cell(agree: int, disagree: int, seen: int, privacy_k: int) -> dict[str, Any]:
    """Counts of one group or territory on one statement, or a suppressed cell."""
    if 0 < seen < privacy_k:
        return {"agree": None, "disagree": None, "pass": None, "seen": None, "suppressed": True}
    return {
        "agree": int(agree),
        "disagree": int(disagree),
        "pass": int(seen - agree - disagree),
        "seen": int(seen),
        "suppressed": False,
    }


def _count(value: int, privacy_k: int) -> int | None:
    return None if 0 < value < privacy_k else int(value)


def _representative(rep: RepStatement) -> dict[str, Any]:
    return {
        "statement": rep.statement,
        "direction": str(rep.direction),
        "repness": _round(rep.repness),
        "repness_test": _round(rep.repness_test),
        "p_success": _round(rep.p_success),
        "p_test": _round(rep.p_test),
        "n_success": rep.n_success,
        "n_trials": rep.n_trials,
        "best_agree": rep.best_agree,
    }


def build_document(
    result: OpinionResult,
    *,
    round_slug: str,
    params: Parameters,
    seed: int,
    watermark: int,
    moderation_mark: int,
    computed_at: str,
) -> dict[str, Any]:
    """The JSON document of ``result`` (see the module docstring)."""
    k_min = params.privacy_k
    statement_ids = [int(s) for s in result.statement_ids]
    votes = result.group_votes
    territories = result.territories
    labels = list(territories.labels) if territories else []
    consensus_agree = {c.statement for c in result.consensus.agree}
    consensus_disagree = {c.statement for c in result.consensus.disagree}
    group_sizes = np.bincount(result.group[result.group >= 0], minlength=result.k)

    statements = []
    for j, sid in enumerate(statement_ids):
        entry: dict[str, Any] = {
            "id": sid,
            "groups": [
                _cell(votes.agree[g, j], votes.disagree[g, j], votes.seen[g, j], k_min)
                for g in range(result.k)
            ],
            "group_informed_consensus": _round(result.group_informed_consensus[j], 12),
            "extremity": _round(result.extremity[j]),
            "priority": _round(result.priority[j]),
            "consensus": "agree"
            if sid in consensus_agree
            else "disagree"
            if sid in consensus_disagree
            else None,
        }
        if territories is not None:
            tv = territories.votes
            entry["territories"] = {
                label: _cell(tv.agree[t, j], tv.disagree[t, j], tv.seen[t, j], k_min)
                for t, label in enumerate(labels)
            }
            overall = (int(tv.agree[:, j].sum()), int(tv.disagree[:, j].sum()))
            entry.update(
                _cell(overall[0], overall[1], int(tv.seen[:, j].sum()), k_min),
                bridging=_round(territories.bridging[j], 12),
                lowest_territory_agree_rate=_round(territories.lowest_agree_rate[j]),
                divisiveness=_round(territories.divisiveness[j]),
            )
        statements.append(entry)

    groups = []
    for g in range(result.k):
        group: dict[str, Any] = {
            "id": g,
            "size": _count(int(group_sizes[g]), k_min),
            "center": [_round(v, 4) for v in result.group_centers[g]],
            "representative": [_representative(r) for r in result.repness[g]],
        }
        if territories is not None:
            group["composition"] = {
                label: _count(int(territories.composition[g, t]), k_min)
                for t, label in enumerate(labels)
            }
        groups.append(group)

    document: dict[str, Any] = {
        "schema": SCHEMA,
        "round": round_slug,
        "watermark": watermark,
        "moderation_mark": moderation_mark,
        "computed_at": computed_at,
        "seed": seed,
        "parameters": parameters_document(params),
        "timings": {stage: round(s, 6) for stage, s in result.timings.items()},
        "k": result.k,
        "best_k": result.best_k,
        "silhouettes": {str(k): _round(v) for k, v in result.silhouettes.items()},
        "participants": _participants(result),
        "groups": groups,
        "statements": statements,
        "consensus": {
            "agree": [c.statement for c in result.consensus.agree],
            "disagree": [c.statement for c in result.consensus.disagree],
        },
    }
    if territories is not None:
        document["territories"] = [
            {"slug": label, "participants": _count(int(territories.participants[t]), k_min)}
            for t, label in enumerate(labels)
        ]
        document["most_divisive"] = list(territories.most_divisive)
    return document


def _participants(result: OpinionResult) -> dict[str, list[Any]]:
    """Columnar positions: ids, x, y, group (null when not clustered)."""
    xy: NDArray[np.float64] = np.round(result.projection, 4)
    return {
        "ids": [int(p) for p in result.participant_ids],
        "x": [float(v) for v in xy[:, 0]],
        "y": [float(v) for v in xy[:, 1]],
        "group": [int(g) if g >= 0 else None for g in result.group],
    }


def parameters_document(params: Parameters) -> Mapping[str, Any]:
    return {name: getattr(params, name) for name in params.__dataclass_fields__}
