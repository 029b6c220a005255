"""Sealing, counting, publishing and verifying a decision's ballots.

- **Seal** (at close, in the closing transaction): ballots of withdrawn participants are deleted,
  the rest written once as ``voting.methods``' canonical JSON (option labels as candidates,
  territory slugs as labels) into ``DecisionSeal``, and the ballot rows deleted: from then on no
  ballot is linked to a participant.
- **Count** (outside the request: the worker): ``voting.methods.tally`` over the sealed ballots
  with the decision's settings, the revealed seed, the territories' populations and the
  electorate at close; stored as ``DecisionTally.result``.
- **Publish**: the sealed ballots with every territory that cast fewer than the round's privacy
  threshold k ballots relabelled ``other``, in canonical JSON; its SHA-256 is stored beside it.
- **Receipts** (decisions with receipts): each receipt's SHA-256 is sealed with its ballot in
  the canonical encoding and published as a separate file (the ballots file and its checksum
  stay as documented in ``voting.methods.canonical``), so a voter can find their ballot.
- **Verify**: a published file is matched to its decision by SHA-256 and recounted. When no
  territory was relabelled its checksum is the result's ``ballots_sha256`` and the whole
  result must match; otherwise the unweighted count (every figure that does not depend on
  territories) must match.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Text, cast, delete
from sqlmodel import Session, col, func, select

from deliberation.clock import utcnow
from deliberation.decisions import ballots as ballot_forms
from deliberation.decisions.methods import method_spec
from deliberation.models import (
    Decision,
    DecisionBallot,
    DecisionLiveCount,
    DecisionOption,
    DecisionSeal,
    DecisionStatus,
    DecisionTally,
    Participant,
    Round,
    Territory,
)
from deliberation.services.rounds import round_territories
from voting.methods import (
    Ballot,
    BallotKind,
    BallotProfile,
    MethodError,
    MethodSpec,
    RankedProfile,
    Result,
    tally,
)
from voting.methods.canonical import canonical_json, collector_paused, parse_canonical
from voting.methods.profile import Scale, build_profile

OTHER = "other"


def spec_of(decision: Decision) -> MethodSpec:
    spec = method_spec(decision.method)
    if spec is None:
        raise MethodError(f"unknown method {decision.method!r}")
    return spec


def scale_of(decision: Decision) -> Scale | None:
    """The score or grade scale of ``decision``, or None for other ballot types."""
    if spec_of(decision).ballot is not BallotKind.SCORE:
        return None
    return Scale(int(decision.settings["scale_min"]), int(decision.settings["scale_max"]))


def seal_ballots(
    session: Session, *, decision: Decision, round_: Round, electorate: int
) -> DecisionSeal:
    """Seal ``decision``'s ballots (see the module docstring); in the caller's transaction."""
    gone = select(Participant.id).where(
        col(Participant.round_id) == decision.round_id, col(Participant.withdrawn_at).is_not(None)
    )
    session.execute(
        delete(DecisionBallot).where(
            col(DecisionBallot.decision_id) == decision.id,
            col(DecisionBallot.participant_id).in_(gone),
        )
    )
    kind, labels = spec_of(decision).ballot, tuple(_labels(session, decision))
    with collector_paused():
        choices, territories = _current_ballots(session, decision)
        grouped = _grouped(decision, list(labels), choices, territories)
        document = canonical_json(build_profile(kind, labels, grouped, scale_of(decision)))
    seal = DecisionSeal(
        decision_id=decision.id,  # type: ignore[arg-type]
        document=document,
        ballots=len(territories),
        electorate=electorate,
        receipts=_receipts(session, decision, labels) if decision.receipts else [],
    )
    session.add(seal)
    session.execute(delete(DecisionBallot).where(col(DecisionBallot.decision_id) == decision.id))
    session.flush()
    return seal


def canonical_ballot(decision: Decision, labels: tuple[str, ...], choice: dict[str, Any]) -> Any:
    """One stored ``choice`` in the canonical encoding of a ballot (see
    ``voting.methods.canonical``: aligned with the sorted labels)."""
    kind = spec_of(decision).ballot
    profile = build_profile(
        kind, labels, [ballot_forms.to_ballot(kind, choice)], scale_of(decision)
    )
    return json.loads(canonical_json(profile))["ballots"][0][0]


def _receipts(session: Session, decision: Decision, labels: tuple[str, ...]) -> list[Any]:
    rows = session.exec(
        select(DecisionBallot.receipt_sha256, DecisionBallot.choice).where(
            DecisionBallot.decision_id == decision.id,
            col(DecisionBallot.receipt_sha256).is_not(None),
        )
    ).all()
    return sorted(
        [digest, canonical_ballot(decision, labels, dict(choice))] for digest, choice in rows
    )


def _frozen(value: Any) -> Any:
    """A hashable copy of a JSON value (dicts as sorted item tuples, lists as tuples)."""
    if isinstance(value, dict):
        return ("{}", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("[]", tuple(_frozen(v) for v in value))
    return value


def _thawed(value: Any) -> Any:
    if isinstance(value, tuple) and value and value[0] == "{}":
        return {k: _thawed(v) for k, v in value[1]}
    if isinstance(value, tuple) and value and value[0] == "[]":
        return [_thawed(v) for v in value[1]]
    return value


def _current_ballots(session: Session, decision: Decision) -> tuple[str, list[str]]:
    """The open decision's ballots without withdrawn participants': the JSON text of every
    choice, one per line, and each ballot's territory slug in the same order.

    The database joins the texts into one string (``string_agg`` / ``group_concat``): one
    row instead of one per ballot, which is most of the reading time for 100,000 ballots.
    JSON texts never hold a raw line break (the encoder escapes it), so lines split them."""
    choices, territories = session.execute(
        select(
            func.aggregate_strings(cast(DecisionBallot.choice, Text), "\n"),
            func.aggregate_strings(cast(DecisionBallot.territory_id, Text), ","),
        )
        .join(Participant, col(Participant.id) == DecisionBallot.participant_id)
        .where(
            col(DecisionBallot.decision_id) == decision.id,
            col(Participant.withdrawn_at).is_(None),
        )
    ).one()
    if not choices:
        return "", []
    slugs = dict(
        session.execute(
            select(Territory.id, Territory.slug)
            .join(DecisionBallot, col(DecisionBallot.territory_id) == Territory.id)
            .where(col(DecisionBallot.decision_id) == decision.id)
            .distinct()
        ).all()
    )
    table = np.array([slugs.get(i, "") for i in range(max(slugs) + 1)], dtype=object)
    ids = np.array(territories.split(","), dtype=np.int64)
    return choices, table[ids].tolist()


def rank_array(choices: str, labels: Sequence[str]) -> npt.NDArray[np.int8]:
    """``ranks[b, j]``: the rank (1 = top, 0 = unranked) ballot ``b`` gives ``labels[j]``, read
    from ranked choices' JSON texts, one per line, without decoding them one by one.

    In a text such as ``{"ranking": [["A"], ["B", "C"]]}`` the only capital letters are the
    option labels (single capital letters, see ``service.LABELS``), and a label's rank is the
    number of ``[`` before it on its line, minus the one that opens the list of groups.

    Raises:
        MethodError: a capital letter that is not one of ``labels``.
    """
    data = np.frombuffer(choices.encode("utf-8"), dtype=np.uint8)
    breaks = np.flatnonzero(data == ord("\n"))
    opens = np.flatnonzero(data == ord("["))
    column = np.full(256, -1, dtype=np.int64)
    for j, label in enumerate(labels):
        column[ord(label)] = j
    where = np.flatnonzero((data >= ord("A")) & (data <= ord("Z")))
    columns = column[data[where]]
    if (columns < 0).any():
        raise MethodError("a ranked ballot names an option that is not in the decision")
    rows = np.searchsorted(breaks, where)
    # "[" before each label, less those on earlier lines, less the one opening the groups.
    before_line = np.searchsorted(opens, np.concatenate([[0], breaks]))
    ranks = np.zeros((len(breaks) + 1, len(labels)), dtype=np.int8)
    ranks[rows, columns] = np.searchsorted(opens, where) - before_line[rows] - 1
    return ranks


def _grouped(
    decision: Decision, labels: list[str], choices: str, territories: list[str]
) -> BallotProfile | RankedProfile:
    """``voting`` ballots from ``_current_ballots``: ranked ballots as one rank array (no
    object per ballot), the others as unique ballots with their counts."""
    kind = spec_of(decision).ballot
    if kind is BallotKind.RANKED:
        ranks = rank_array(choices, labels) if territories else np.zeros((0, len(labels)), np.int8)
        return RankedProfile(ranks, territories=tuple(territories))
    decoded: list[dict[str, Any]] = json.loads("[" + choices.replace("\n", ",") + "]")
    grouped = Counter(
        (_frozen(choice), slug) for choice, slug in zip(decoded, territories, strict=True)
    )
    return BallotProfile(
        tuple(ballot_forms.to_ballot(kind, _thawed(key), slug) for key, slug in grouped),
        tuple(grouped.values()),
    )


def _labels(session: Session, decision: Decision) -> list[str]:
    statement = select(DecisionOption.label).where(DecisionOption.decision_id == decision.id)
    return sorted(session.exec(statement).all())


def store_live_count(session: Session, decision: Decision) -> DecisionLiveCount | None:
    """Recount an open decision's current ballots when they changed since the stored live
    count; return the new live count, or None when nothing changed. Counted with seed 0 and
    no quorum share (the electorate is known at close): the page shows tied winners, never a
    tie broken, and the real seed stays secret until close."""
    stamp = session.exec(
        select(func.count(), func.max(DecisionBallot.cast_at)).where(
            DecisionBallot.decision_id == decision.id
        )
    ).one()
    watermark = f"{stamp[0]}:{stamp[1].isoformat() if stamp[1] else '-'}"
    live = session.get(DecisionLiveCount, decision.id)
    if live is not None and live.watermark == watermark:
        return None
    labels = _labels(session, decision)
    with collector_paused():
        ballots = _grouped(decision, labels, *_current_ballots(session, decision))
    settings: dict[str, Any] = dict(decision.settings) | {"seed": 0, "quorum_share": "0"}
    round_ = session.get(Round, decision.round_id)
    territories = round_territories(session, round_) if round_ else []
    settings["populations"] = {t.slug: t.population for t in territories if t.population}
    result = tally(decision.method, labels, ballots, **settings)
    if live is None:
        live = DecisionLiveCount(decision_id=decision.id, watermark=watermark)  # type: ignore[arg-type]
    live.result = result.to_dict()
    live.watermark = watermark
    live.computed_at = utcnow()
    session.add(live)
    session.flush()
    return live


def count_settings(session: Session, decision: Decision, seal: DecisionSeal) -> dict[str, Any]:
    """The settings of the count: the decision's, the revealed seed, the round territories'
    populations and, when a quorum share is set, the electorate at close."""
    settings: dict[str, Any] = dict(decision.settings)
    settings["seed"] = int(decision.seed_hex or "0", 16)
    round_ = session.get(Round, decision.round_id)
    territories = round_territories(session, round_) if round_ else []
    settings["populations"] = {t.slug: t.population for t in territories if t.population}
    if Fraction(str(settings.get("quorum_share", "0"))) > 0:
        settings["electorate"] = max(seal.electorate, 1)
    return settings


def recount(method: str, document: bytes, settings: dict[str, Any]) -> Result:
    """``voting.methods.tally`` over a canonical ballots document."""
    _kind, candidates, profile = parse_canonical(document)
    return tally(method, candidates, profile, **settings)


def published_document(
    kind: BallotKind,
    candidates: tuple[str, ...],
    profile: BallotProfile | RankedProfile,
    k: int,
    scale: Scale | None,
) -> bytes | None:
    """The sealed ballots (as ``parse_canonical`` reads them) with territories of fewer than
    ``k`` ballots labelled ``other``, in canonical JSON; None when every territory has at
    least ``k`` ballots (the sealed document is then published as it is)."""
    if isinstance(profile, RankedProfile):
        labels = list(profile.territories or ())
        counts = [int(c) for c in (profile.counts if profile.counts is not None else [])]
    else:
        labels = [b.territory for b in profile.ballots]
        counts = list(profile.counts)
    cast: Counter[str | None] = Counter()
    for label, count in zip(labels, counts, strict=True):
        cast[label] += count
    if all(label is None or cast[label] >= k for label in cast):
        return None
    shown = [label if label is None or cast[label] >= k else OTHER for label in labels]
    relabelled: BallotProfile | RankedProfile
    if isinstance(profile, RankedProfile):
        relabelled = replace(profile, territories=tuple(shown))
    else:
        relabelled = BallotProfile(
            tuple(
                Ballot(b.choice, b.weight, t) for b, t in zip(profile.ballots, shown, strict=True)
            ),
            profile.counts,
        )
    return canonical_json(build_profile(kind, candidates, relabelled, scale))


def store_tally(session: Session, decision: Decision) -> DecisionTally:
    """Count a closed decision's sealed ballots and store the result with the published
    ballots; in the caller's transaction."""
    started = time.perf_counter()
    seal = session.get(DecisionSeal, decision.id)
    round_ = session.get(Round, decision.round_id)
    if seal is None or round_ is None or decision.status != DecisionStatus.CLOSED:
        raise MethodError("only a closed, sealed decision can be counted")
    settings = count_settings(session, decision, seal)
    with collector_paused():
        kind, candidates, profile = parse_canonical(seal.document)
        result = tally(decision.method, candidates, profile, **settings)
        relabelled = published_document(
            kind, candidates, profile, round_.privacy_k, scale_of(decision)
        )
    published = seal.document if relabelled is None else relabelled
    stored = DecisionTally(
        decision_id=decision.id,  # type: ignore[arg-type]
        result=result.to_dict(),
        published=published,
        published_sha256=hashlib.sha256(published).hexdigest(),
        seconds=time.perf_counter() - started,
    )
    session.add(stored)
    session.flush()
    return stored


def due_tallies(session: Session) -> list[Decision]:
    """Closed decisions whose count is not stored yet."""
    counted = select(DecisionTally.decision_id)
    statement = select(Decision).where(
        col(Decision.status) == DecisionStatus.CLOSED, col(Decision.id).not_in(counted)
    )
    return list(session.exec(statement))


@dataclass
class Verification:
    """What ``verify_published`` found: the decision matched (if any), and the problems (none
    means the file is what was published and recounts to the stored result)."""

    decision_id: int | None = None
    full: bool = False
    problems: list[str] = field(default_factory=list)


_UNWEIGHTED_KEYS = ("candidates", "counts", "count_kind", "ranking", "ballots")


def verify_published(session: Session, data: bytes) -> Verification:
    """Check a published ballots file against the stored results (see the module docstring)."""
    report = Verification()
    digest = hashlib.sha256(data).hexdigest()
    stored = session.exec(
        select(DecisionTally).where(DecisionTally.published_sha256 == digest)
    ).first()
    if stored is None:
        report.problems.append(f"no decision published ballots with SHA-256 {digest}")
        return report
    report.decision_id = stored.decision_id
    decision = session.get(Decision, stored.decision_id)
    seal = session.get(DecisionSeal, stored.decision_id)
    if decision is None or seal is None:
        report.problems.append("the decision's sealed ballots are missing")
        return report
    try:
        kind, candidates, profile = parse_canonical(data)
        if canonical_json(build_profile(kind, candidates, profile, scale_of(decision))) != data:
            report.problems.append("the file is not in canonical form")
        result = recount(decision.method, data, count_settings(session, decision, seal)).to_dict()
    except MethodError as error:
        report.problems.append(f"the file cannot be counted: {error}")
        return report
    expected = stored.result
    report.full = result["ballots_sha256"] == expected["ballots_sha256"]
    if report.full:
        if result != expected:
            report.problems.append("the recount differs from the stored result")
        return report
    mine = result["unweighted"] if isinstance(result["unweighted"], dict) else result
    theirs = expected["unweighted"] if isinstance(expected["unweighted"], dict) else expected
    for key in _UNWEIGHTED_KEYS:
        if mine[key] != theirs[key]:
            report.problems.append(f"the recount's {key} differs from the stored result")
    return report
