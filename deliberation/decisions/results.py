"""The results page's view model, read from a stored tally (``Result.to_dict()``): winners and
why, the social ranking, per-territory results (territories under the privacy threshold k
suppressed), the territory-fair result beside the unweighted one, quorum flags, and the
geometry of the pictures (pairwise margins with the Smith set, majority-judgment merit
profiles).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from babel import Locale
from babel.numbers import parse_pattern
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from deliberation.decisions.ballots import grade_names
from deliberation.decisions.service import ShownOption
from deliberation.messages import lazy_message
from deliberation.models import Decision, Round

COUNT_KINDS: dict[str, LazyString] = {
    "first_preferences": _l("First preferences"),
    "approvals": _l("Approvals"),
    "total_score": _l("Total score"),
    "locked_above": _l("Options ranked below it"),
    "schulze_wins": _l("Options it beats by its strongest paths"),
    "majority_grade": _l("Majority grade"),
    "copeland_score": _l("Wins minus losses"),
    "borda_score": _l("Borda score"),
    "stance_weight": _l("Weight"),
}
TIE_RULES: dict[str, LazyString] = {
    "star_protocol": _l("the STAR tie-break rules (head to head, then scores)"),
    "seeded_order": _l(
        "the order drawn from the published seed (the option whose SHA-256 of "
        "“seed:label” is smallest comes first)"
    ),
}
WEIGHTING_NAMES: dict[str, LazyString] = {
    "none": _l("One person, one vote"),
    "equal_territory": _l("Equal weight for every territory"),
    "sqrt_population": _l("Square root of each territory's population"),
}
CELL = 64  # pixels per cell of the pairwise matrix


def fraction(value: Any) -> Fraction:
    """A stored ``"p/q"`` string (or int) as a Fraction."""
    return Fraction(str(value))


@dataclass(frozen=True)
class MatrixCell:
    x: int
    y: int
    margin: Fraction
    text: str
    tone: str


@dataclass(frozen=True)
class PairwiseMatrix:
    """Margins ``d[row][column] - d[column][row]``; rows and columns in social-ranking order."""

    labels: list[str]
    titles: list[str]
    smith: list[bool]
    cells: list[MatrixCell]
    size: int
    offset: int
    cell: int = CELL


@dataclass(frozen=True)
class MeritBar:
    """One option's grades as stacked shares (best grade first), its majority grade."""

    label: str
    title: str
    segments: list[tuple[str, Fraction, Fraction, int]]  # grade name, start, share, grade index
    majority_grade: str


@dataclass(frozen=True)
class TerritoryRow:
    name: str
    ballots: int
    outcome: str


@dataclass(frozen=True)
class RunoffRound:
    """One instant-runoff round: weight per continuing option, exhausted ballots, and the
    option eliminated or elected (titles)."""

    counts: list[tuple[str, Fraction]]
    exhausted: Fraction
    eliminated: str | None
    elected: str | None


def _percent(value: Any) -> str:
    """A share as the reader's locale writes a percentage, to one decimal ("57.1%", "57,1 %")."""
    locale = get_locale() or Locale.parse("en")
    pattern = parse_pattern(locale.percent_formats[None].pattern)
    pattern.frac_prec = (1, 1)
    return str(pattern.apply(float(fraction(value)), locale))


def _consent_lines(result: dict[str, Any]) -> list[LazyString]:
    """The consent rule applied: the agree share against its threshold, and with a double
    majority the share of territories in favour against theirs."""
    explanation, settings = result["explanation"], result["settings"]
    if "threshold" not in explanation or explanation.get("share") is None:
        return []
    lines = [
        lazy_message(
            "Agreement among those who agree, disagree or block: %(share)s (required: %(rule)s "
            "%(threshold)s).",
            share=_percent(explanation["share"]),
            rule=_l("more than") if explanation["strict"] else _l("at least"),
            threshold=_percent(explanation["threshold"]),
        )
    ]
    if settings.get("double_majority") and explanation.get("territories_in_favour") is not None:
        lines.append(
            lazy_message(
                "Double majority: territories in favour %(share)s (required: %(rule)s "
                "%(threshold)s).",
                share=_percent(explanation["territories_in_favour"]),
                rule=_l("more than") if explanation["strict"] else _l("at least"),
                threshold=_percent(settings["territory_threshold"]),
            )
        )
    if explanation["blocked"]:
        lines.append(_l("A block stops the proposal, whatever the shares."))
    return lines


def _runoff_rounds(result: dict[str, Any], titles: dict[str, str]) -> list[RunoffRound]:
    return [
        RunoffRound(
            counts=[(titles.get(k, k), fraction(v)) for k, v in entry["counts"].items()],
            exhausted=fraction(entry["exhausted"]),
            eliminated=titles.get(entry["eliminated"]) if "eliminated" in entry else None,
            elected=titles.get(entry["elected"]) if "elected" in entry else None,
        )
        for entry in result["explanation"].get("rounds", [])
    ]


def _star_runoff(result: dict[str, Any], titles: dict[str, str]) -> list[tuple[str, Fraction]]:
    runoff = result["explanation"].get("runoff")
    if not isinstance(runoff, dict):
        return []
    rows = [(titles.get(k, k), fraction(v)) for k, v in runoff["preferring"].items()]
    return [*rows, (str(_l("No preference")), fraction(runoff["no_preference"]))]


@dataclass
class ResultsView:
    titles: dict[str, str]
    method: str
    winners: list[str]
    winner: str | None
    tie_note: LazyString | None
    ranking: list[list[str]]
    counts: list[tuple[str, str]]
    count_kind: LazyString
    passed: bool | None
    ballots: dict[str, Any]
    quorum: dict[str, Any]
    weighting: str
    weighting_name: LazyString
    comparison: LazyString | None
    unweighted_winners: list[str]
    territories: list[TerritoryRow]
    suppressed: int
    k: int
    notices: list[LazyString]
    block_reasons: list[tuple[str, int]]
    stances: dict[str, Fraction]
    ballots_sha256: str
    leading: str = ""
    consent_lines: list[LazyString] = field(default_factory=list)
    runoff_rounds: list[RunoffRound] = field(default_factory=list)
    star_runoff: list[tuple[str, Fraction]] = field(default_factory=list)
    matrix: PairwiseMatrix | None = None
    published_sha256: str = ""
    merit: list[MeritBar] = field(default_factory=list)


def _outcome(result: dict[str, Any], titles: dict[str, str]) -> str:
    if result["passed"] is not None:
        return str(_l("passes") if result["passed"] else _l("does not pass"))
    if not result["winners"]:
        return str(_l("nothing decided"))
    return ", ".join(titles.get(w, w) for w in result["winners"])


def _notices(result: dict[str, Any]) -> list[LazyString]:
    texts: list[LazyString] = []
    for notice in result["warnings"]:
        code, details = notice["code"], notice["details"]
        if code == "quorum_not_met":
            texts.append(_l("The quorum is not met: nothing is decided."))
        elif code == "no_valid_ballots":
            texts.append(_l("No valid ballot: nothing is decided."))
        elif code == "territory_below_minimum":
            texts.append(
                lazy_message(
                    "Ballots cast in a territory: %(ballots)s, below the minimum of %(minimum)s.",
                    ballots=details["ballots"],
                    minimum=details["minimum"],
                )
            )
        elif code == "condorcet_winner_not_elected":
            texts.append(
                _l("An option beats every other head to head but does not win under this method.")
            )
        elif code == "invalid_ballots":
            texts.append(
                lazy_message(
                    "Ballots set aside by this method's rules: %(ballots)s.",
                    ballots=details["ballots"],
                )
            )
    return texts


def _counts(decision: Decision, result: dict[str, Any]) -> list[tuple[str, str]]:
    """The headline number per option; majority grades by their names."""
    counts = result["counts"].items()
    if decision.method != "majority_judgment":
        return [(label, str(value)) for label, value in counts]
    names = grade_names(int(decision.settings["scale_min"]), int(decision.settings["scale_max"]))
    return [(label, names[int(fraction(value))]) for label, value in counts]


def _matrix(result: dict[str, Any], titles: dict[str, str]) -> PairwiseMatrix | None:
    pairwise = result["explanation"].get("pairwise")
    if not isinstance(pairwise, dict) or len(pairwise) < 2:
        return None
    order = [label for tier in result["ranking"] for label in tier]
    smith = set(result["explanation"].get("smith_set") or [])
    offset = 40
    cells = []
    for i, row in enumerate(order):
        for j, column in enumerate(order):
            if i == j:
                continue
            margin = fraction(pairwise[row][column]) - fraction(pairwise[column][row])
            tone = "win" if margin > 0 else "loss" if margin < 0 else "tie"
            # Exact in the table below; short in the picture (weighted margins are fractions).
            text = str(margin) if margin.denominator == 1 else f"{float(margin):.2f}"
            text = f"+{text}" if margin > 0 else text
            cells.append(MatrixCell(offset + j * CELL, offset + i * CELL, margin, text, tone))
    return PairwiseMatrix(
        labels=order,
        titles=[titles.get(label, label) for label in order],
        smith=[label in smith for label in order],
        cells=cells,
        size=offset + len(order) * CELL,
        offset=offset,
    )


def _merit(decision: Decision, result: dict[str, Any], titles: dict[str, str]) -> list[MeritBar]:
    grades = result["explanation"].get("grades")
    if decision.method != "majority_judgment" or not isinstance(grades, dict):
        return []
    low, high = int(decision.settings["scale_min"]), int(decision.settings["scale_max"])
    names = grade_names(low, high)
    majority = result["explanation"]["majority_grades"]
    bars = []
    for tier in result["ranking"]:
        for label in tier:
            weights = {int(g): fraction(w) for g, w in grades[label].items()}
            total = sum(weights.values(), Fraction(0))
            start = Fraction(0)
            segments = []
            for grade in range(high, low - 1, -1):
                share = weights.get(grade, Fraction(0)) / total if total else Fraction(0)
                if share:
                    segments.append((names[grade], start, share, high - grade))
                start += share
            bars.append(MeritBar(label, titles[label], segments, names[int(majority[label])]))
    return bars


def build(
    decision: Decision,
    round_: Round,
    options: list[ShownOption],
    result: dict[str, Any],
    territory_names: dict[str, str],
) -> ResultsView:
    """The view of a stored ``result`` (``Result.to_dict()``) for the results page;
    ``territory_names`` maps territory slugs (the results' labels) to their names in the
    reader's language. ``published_sha256`` is left empty for the caller to fill in."""
    titles = {o.label: o.title for o in options}
    weighting = result["weighting"]["mode"]
    unweighted = result["unweighted"] or result
    comparison = None
    if weighting != "none":
        same = (
            sorted(unweighted["winners"]) == sorted(result["winners"])
            and unweighted["passed"] == result["passed"]
        )
        comparison = (
            _l(
                "Counted one person one vote, the outcome is the same: the territories' weights "
                "do not change who wins."
            )
            if same
            else _l(
                "Counted one person one vote, the outcome differs: territories with many ballots "
                "would outweigh the others, and the territory-fair count gives each its due share."
            )
        )
    rows, suppressed = [], 0
    for label, local in sorted(result["territories"].items()):
        cast = int(local["ballots"]["cast"])
        if cast < round_.privacy_k:
            suppressed += 1
            continue
        rows.append(TerritoryRow(territory_names.get(label, label), cast, _outcome(local, titles)))
    tie = result["tie_break"]
    explanation = result["explanation"]
    return ResultsView(
        titles=titles,
        method=decision.method,
        winners=result["winners"],
        winner=result["winner"],
        tie_note=(
            lazy_message(
                "Several options tied: %(among)s. The winner was chosen by %(rule)s.",
                among=", ".join(titles.get(x, x) for x in tie["among"]),
                rule=TIE_RULES.get(tie["rule"], tie["rule"]),
            )
            if tie
            else None
        ),
        ranking=result["ranking"],
        counts=_counts(decision, result),
        count_kind=COUNT_KINDS.get(result["count_kind"], _l("Count")),
        passed=result["passed"],
        ballots=result["ballots"],
        quorum=result["quorum"],
        weighting=weighting,
        weighting_name=WEIGHTING_NAMES[weighting],
        comparison=comparison,
        unweighted_winners=unweighted["winners"],
        territories=rows,
        suppressed=suppressed,
        k=round_.privacy_k,
        notices=_notices(result),
        block_reasons=[
            (b["reason"], int(b["ballots"])) for b in explanation.get("block_reasons", [])
        ],
        stances={k: fraction(v) for k, v in explanation.get("stances", {}).items()},
        ballots_sha256=result["ballots_sha256"],
        leading=_outcome(result, titles),
        consent_lines=_consent_lines(result),
        runoff_rounds=_runoff_rounds(result, titles),
        star_runoff=_star_runoff(result, titles),
        matrix=_matrix(result, titles),
        merit=_merit(decision, result, titles),
    )


def describe_ballot(
    kind: str, labels: list[str], entry: Any, titles: dict[str, str], stances: dict[str, Any]
) -> str:
    """A ballot in the canonical encoding (aligned with the sorted ``labels``) in words:
    ranked ``1. Parc; 2. Piscine = Ombre``, approval the approved titles, score
    ``Parc: 4; Piscine: blank``, stance its name and a block's reason."""
    if kind == "stance":
        if isinstance(entry, list):
            return f"{stances['block']}: {entry[1]}"
        return str(stances[entry])
    named = [(titles.get(label, label), value) for label, value in zip(labels, entry, strict=True)]
    if kind == "approval":
        return ", ".join(title for title, value in named if value) or str(_l("nothing approved"))
    if kind == "score":
        return "; ".join(
            f"{title}: {str(_l('blank')) if value is None else value}" for title, value in named
        )
    depth = max((value for _title, value in named), default=0)
    groups = [
        " = ".join(title for title, value in named if value == rank) for rank in range(1, depth + 1)
    ]
    return "; ".join(f"{rank}. {group}" for rank, group in enumerate(groups, start=1)) or str(
        _l("nothing ranked")
    )
