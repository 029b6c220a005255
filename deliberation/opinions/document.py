"""The snapshot document: an opinion result as JSON, with small cells suppressed.

Schema ``palabre.opinion-snapshot/2``. Pages, the download and the Pol.is export read only this
document, so what it hides is hidden everywhere. The rules are those of
``deliberation.services.privacy`` with the round's ``privacy_k``:

* An opinion group of fewer than k people is left out entirely: no entry, no cells, no
  representative statements, and its members are not in the ``participants`` block (no dot).
  So are the participants not placed in any group when they are fewer than k.
  The groups shown are renumbered 0, 1, ... so that their letters leave no gap. The territory
  participant counts and the group composition count only the people in the ``participants``
  block, so no difference of totals gives a hidden group's size. When a group is left out,
  ``best_k`` and ``silhouettes`` are ``null``: the best k and the scores of every k computed
  would tell how many groups there are beyond those shown.
* A group or territory cell of one statement (the people of that group or territory who saw
  it) of fewer than k is ``null`` with ``"suppressed": true``, and so is its complement in the
  same statement's line of groups, respectively of territories (with the statement's total).
* Group-informed consensus is the product over the groups shown, ``null`` where one of their
  cells is hidden; bridging, lowest territory agree rate and divisiveness are ``null`` where a
  territory cell is hidden; a statement whose overall cell is hidden leaves the consensus lists.
* A representative statement is listed only where its trials (``n_trials``) and its group cell
  are shown; its counts and rates come from that cell.
* Territory participant counts and the group composition are suppressed as tables (rows and
  columns add up).

Participant ids are the app's internal pseudonymous numbers; the public map shows only
positions.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np

from deliberation.services.privacy import is_small, line_mask, suppress_table
from voting.opinions import OpinionResult, Parameters, RepStatement
from voting.opinions.consensus import group_informed_consensus
from voting.opinions.tallies import Tallies

SCHEMA = "palabre.opinion-snapshot/2"
HIDDEN_CELL: dict[str, Any] = {
    "agree": None,
    "disagree": None,
    "pass": None,
    "seen": None,
    "suppressed": True,
}


def _round(value: float, digits: int = 6) -> float | None:
    return None if not math.isfinite(value) else round(float(value), digits)


def _cell(agree: int, disagree: int, seen: int, hide: bool) -> dict[str, Any]:
    """One cell of counts, or a suppressed cell when ``hide``."""
    if hide:
        return dict(HIDDEN_CELL)
    return {
        "agree": agree,
        "disagree": disagree,
        "pass": seen - agree - disagree,
        "seen": seen,
        "suppressed": False,
    }


def _line(
    tallies: tuple[list[int], list[int], list[int]], hidden: list[bool]
) -> list[dict[str, Any]]:
    """The cells of one statement's line (its counts per group or territory: agree, disagree,
    seen), hidden ones replaced by a suppressed cell."""
    return [
        _cell(agree, disagree, seen, hide)
        for agree, disagree, seen, hide in zip(*tallies, hidden, strict=True)
    ]


def _by_statement(tallies: Tallies) -> list[tuple[list[int], list[int], list[int]]]:
    """``tallies`` as one line of Python ints per statement (agree, disagree, seen): read once
    rather than cell by cell from the arrays (a round of 10,000 statements has 80,000 cells)."""
    return list(
        zip(*(a.T.tolist() for a in (tallies.agree, tallies.disagree, tallies.seen)), strict=True)
    )


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
    revision: int,
    computed_at: str,
    territory_of: Mapping[int, str],
) -> dict[str, Any]:
    """The JSON document of ``result`` (see the module docstring).

    ``territory_of`` maps participant ids to territory labels (the conversation's).
    """
    k_min = params.privacy_k
    statement_ids = [int(s) for s in result.statement_ids]
    sizes = np.bincount(result.group[result.group >= 0], minlength=result.k)
    shown = [g for g in range(result.k) if not is_small(int(sizes[g]), k_min)]
    number = {g: i for i, g in enumerate(shown)}
    hides_a_group = len(shown) < result.k
    votes = Tallies(
        *(
            a[shown]
            for a in (
                result.group_votes.agree,
                result.group_votes.disagree,
                result.group_votes.seen,
            )
        )
    )
    consensus = group_informed_consensus(votes)
    unplaced = result.group < 0
    kept = np.isin(result.group, shown) | (unplaced & (not is_small(int(unplaced.sum()), k_min)))
    territories = result.territories
    labels = list(territories.labels) if territories else []
    consensus_agree = {c.statement for c in result.consensus.agree}
    consensus_disagree = {c.statement for c in result.consensus.disagree}
    overall_hidden: set[int] = set()

    statements = []
    group_hidden: dict[tuple[int, int], bool] = {}
    group_lines = _by_statement(votes)
    consensus_values, extremity, priority = (
        a.tolist() for a in (consensus, result.extremity, result.priority)
    )
    if territories is not None:
        territory_lines = _by_statement(territories.votes)
        bridging, lowest, divisiveness = (
            a.tolist()
            for a in (territories.bridging, territories.lowest_agree_rate, territories.divisiveness)
        )
    for j, sid in enumerate(statement_ids):
        line = group_lines[j]
        hidden_groups = line_mask(line[2], k_min)
        for g, hide in zip(shown, hidden_groups, strict=True):
            group_hidden[g, sid] = hide
        entry: dict[str, Any] = {
            "id": sid,
            "groups": _line(line, hidden_groups),
            "group_informed_consensus": None
            if any(hidden_groups)
            else _round(consensus_values[j], 12),
            "extremity": _round(extremity[j]),
            "priority": _round(priority[j]),
        }
        if territories is not None:
            line = territory_lines[j]
            agree, disagree, seen = (sum(counts) for counts in line)
            hidden = line_mask([*line[2], seen], k_min)
            entry["territories"] = dict(zip(labels, _line(line, hidden[:-1]), strict=True))
            entry.update(_cell(agree, disagree, seen, hidden[-1]))
            derived_hidden = any(hidden)
            entry.update(
                bridging=None if derived_hidden else _round(bridging[j], 12),
                lowest_territory_agree_rate=None if derived_hidden else _round(lowest[j]),
                divisiveness=None if derived_hidden else _round(divisiveness[j]),
            )
            if hidden[-1]:
                overall_hidden.add(sid)
        entry["consensus"] = (
            None
            if sid in overall_hidden
            else "agree"
            if sid in consensus_agree
            else "disagree"
            if sid in consensus_disagree
            else None
        )
        statements.append(entry)

    if territories is not None:
        composition = suppress_table(
            [[int(territories.composition[g, t]) for t in range(len(labels))] for g in shown],
            k_min,
        )
        present = Counter(territory_of.get(int(p)) for p in result.participant_ids[kept])
        counted = [present[name] for name in labels]
        participants = suppress_table([[*counted, sum(counted)]], k_min, columns=False)[0]

    groups = []
    for i, g in enumerate(shown):
        group: dict[str, Any] = {
            "id": i,
            "size": int(sizes[g]),
            "center": [_round(v, 4) for v in result.group_centers[g]],
            "representative": [
                _representative(r)
                for r in result.repness[g]
                if not is_small(r.n_trials, k_min) and not group_hidden.get((g, r.statement), True)
            ],
        }
        if territories is not None:
            group["composition"] = dict(zip(labels, composition[i], strict=True))
        groups.append(group)

    document: dict[str, Any] = {
        "schema": SCHEMA,
        "round": round_slug,
        "watermark": watermark,
        "moderation_mark": moderation_mark,
        "revision": revision,
        "computed_at": computed_at,
        "seed": seed,
        "parameters": parameters_document(params),
        "privacy": {
            "k": k_min,
            "suppression": "cells of 0 < n < k people hidden, with a complementary cell "
            "(the next smallest of the same row or column) wherever one would be derivable; "
            "results computed from a hidden cell hidden with it; groups under k left out",
        },
        "timings": {stage: round(s, 6) for stage, s in result.timings.items()},
        "k": len(shown),
        "best_k": None if hides_a_group else result.best_k,
        "silhouettes": None
        if hides_a_group
        else {str(k): _round(v) for k, v in result.silhouettes.items()},
        "participants": _participants(result, kept, number),
        "groups": groups,
        "statements": statements,
        "consensus": {
            "agree": [
                c.statement for c in result.consensus.agree if c.statement not in overall_hidden
            ],
            "disagree": [
                c.statement for c in result.consensus.disagree if c.statement not in overall_hidden
            ],
        },
    }
    if territories is not None:
        document["territories"] = [
            {"slug": label, "participants": participants[t]} for t, label in enumerate(labels)
        ]
        divisive = {s["id"] for s in statements if s["divisiveness"] is not None}
        document["most_divisive"] = [i for i in territories.most_divisive if i in divisive]
    return document


def _participants(
    result: OpinionResult, kept: np.ndarray[Any, np.dtype[np.bool_]], number: Mapping[int, int]
) -> dict[str, list[Any]]:
    """Columnar positions of the participants kept: ids, x, y, group (null when not clustered)."""
    xy = np.round(result.projection[kept], 4)
    return {
        "ids": [int(p) for p in result.participant_ids[kept]],
        "x": [float(v) for v in xy[:, 0]],
        "y": [float(v) for v in xy[:, 1]],
        "group": [number[int(g)] if g >= 0 else None for g in result.group[kept]],
    }


def parameters_document(params: Parameters) -> Mapping[str, Any]:
    return {name: getattr(params, name) for name in params.__dataclass_fields__}
