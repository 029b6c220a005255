"""Support and dissent of an outcome, computed from the votes on the statements it derives from.

Everything here reads the cells of an opinion snapshot document (``deliberation.opinions.
document``), whose counts under the round's privacy threshold are already ``null`` with
``"suppressed": true``; a rate is computed only from a shown cell.

**Territory support.** For each territory, the derived statement on which that territory agrees
least (an outcome is as supported as its weakest basis): its agree rate (agree / seen), ``n``
(the people of the territory who saw it) and a stance:

* ``endorse`` when the agree rate is at least ``ENDORSE_RATE`` (0.6),
* ``reject`` when the disagree rate is at least ``REJECT_RATE`` (0.5),
* ``mixed`` otherwise.

A territory whose cells are all suppressed has ``null`` figures, no stance, and
``"suppressed": true``.

**Support level.** ``bridging`` is the smallest territory bridging score of the derived
statements (the product over the T territories of (agree + 1) / (seen + 2)); ``lowest_territory_
agree_rate`` the smallest shown territory agree rate above; ``n`` the fewest people who saw a
derived statement. The level is

* ``strong`` when the lowest territory agree rate is at least 0.6 and bridging at least 0.55^T,
* ``moderate`` when the lowest territory agree rate is at least 0.4 and bridging at least 0.4^T,
* ``contested`` otherwise, and whenever one of these figures is unknown or suppressed.

(Comparing bridging with a rate to the power T makes the thresholds mean the same for two
territories as for ten: 0.55^T is what T territories each agreeing at 0.55 score.)

**Dissent** is never dropped: every territory and every opinion group whose disagree rate on a
derived statement is at least ``DISSENT_RATE`` (0.3) is listed, with the statements it
disagrees with and what it says instead. For a group, that is its representative statements;
for a territory, the statements it agrees with most above the other territories
(``TERRITORY_VOICE`` at most, with an agree rate of at least one half).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any

ENDORSE_RATE = 0.6
REJECT_RATE = 0.5
STRONG_RATE = 0.6
STRONG_BRIDGING = 0.55
MODERATE_RATE = 0.4
MODERATE_BRIDGING = 0.4
DISSENT_RATE = 0.3
TERRITORY_VOICE = 3
GROUP_VOICE = 3
RATE_DIGITS = 4


class SupportLevel(StrEnum):
    STRONG = "strong"
    MODERATE = "moderate"
    CONTESTED = "contested"


class Stance(StrEnum):
    ENDORSE = "endorse"
    MIXED = "mixed"
    REJECT = "reject"


@dataclass(frozen=True)
class Rates:
    agree: float
    disagree: float
    seen: int


def rates(cell: Mapping[str, Any] | None) -> Rates | None:
    """Agree and disagree rates of a shown cell with votes; None if suppressed or empty."""
    if cell is None or cell.get("suppressed") or not cell.get("seen"):
        return None
    seen = int(cell["seen"])
    return Rates(cell["agree"] / seen, cell["disagree"] / seen, seen)


def stance(cell: Rates) -> Stance:
    if cell.agree >= ENDORSE_RATE:
        return Stance.ENDORSE
    if cell.disagree >= REJECT_RATE:
        return Stance.REJECT
    return Stance.MIXED


def level(bridging: float | None, lowest: float | None, territories: int) -> SupportLevel:
    """The support level of the module docstring."""
    if bridging is None or lowest is None or territories == 0:
        return SupportLevel.CONTESTED
    if lowest >= STRONG_RATE and bridging >= STRONG_BRIDGING**territories:
        return SupportLevel.STRONG
    if lowest >= MODERATE_RATE and bridging >= MODERATE_BRIDGING**territories:
        return SupportLevel.MODERATE
    return SupportLevel.CONTESTED


def _rate(value: float) -> float:
    return round(value, RATE_DIGITS)


def territory_support(
    entries: Sequence[Mapping[str, Any]], territories: Sequence[str]
) -> list[dict[str, Any]]:
    """One row per territory label (in ``territories`` order), see the module docstring."""
    rows: list[dict[str, Any]] = []
    for label in territories:
        shown = [r for r in (rates(e.get("territories", {}).get(label)) for e in entries) if r]
        if not shown:
            rows.append(
                {
                    "territory": label,
                    "agree_rate": None,
                    "n": None,
                    "stance": None,
                    "suppressed": True,
                }
            )
            continue
        weakest = min(shown, key=lambda r: r.agree)
        rows.append(
            {
                "territory": label,
                "agree_rate": _rate(weakest.agree),
                "n": weakest.seen,
                "stance": str(stance(weakest)),
                "suppressed": False,
            }
        )
    return rows


def support(
    entries: Sequence[Mapping[str, Any]], territories: Sequence[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the outcome's support, its territory support) from the snapshot entries of its derived
    statements."""
    by_territory = territory_support(entries, territories)
    bridging_scores = [e.get("bridging") for e in entries]
    bridging = (
        None
        if not entries or any(b is None for b in bridging_scores)
        else min(float(b) for b in bridging_scores if b is not None)
    )
    shown_rates = [row["agree_rate"] for row in by_territory if row["agree_rate"] is not None]
    lowest = min(shown_rates) if shown_rates else None
    seen = [e.get("seen") for e in entries]
    n = None if not entries or any(s is None for s in seen) else min(int(s or 0) for s in seen)
    return (
        {
            "level": str(level(bridging, lowest, len(territories))),
            "bridging": None if bridging is None else round(bridging, 6),
            "lowest_territory_agree_rate": lowest,
            "n": n,
        },
        by_territory,
    )


def _territory_cell(label: str, entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
    cell: Mapping[str, Any] | None = entry.get("territories", {}).get(label)
    return cell


def _group_cell(position: int, entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
    cells = entry.get("groups", [])
    return cells[position] if position < len(cells) else None


def _disagreeing(
    entries: Sequence[Mapping[str, Any]],
    cell_of: Callable[[Mapping[str, Any]], Mapping[str, Any] | None],
) -> list[tuple[Mapping[str, Any], Rates]]:
    found = []
    for entry in entries:
        cell = rates(cell_of(entry))
        if cell is not None and cell.disagree >= DISSENT_RATE:
            found.append((entry, cell))
    return found


def _territory_voice(
    label: str, statements: Sequence[Mapping[str, Any]], territories: Sequence[str]
) -> list[dict[str, Any]]:
    """The statements ``label`` agrees with most above the other territories."""
    scored = []
    for entry in statements:
        cells = entry.get("territories", {})
        own = rates(cells.get(label))
        others = [r for t in territories if t != label if (r := rates(cells.get(t)))]
        if own is None or not others or own.agree < 0.5:
            continue
        lead = own.agree - sum(r.agree for r in others) / len(others)
        if lead > 0:
            scored.append((lead, entry["id"], own))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [
        {"statement": statement, "direction": "agree", "agree_rate": _rate(own.agree)}
        for _, statement, own in scored[:TERRITORY_VOICE]
    ]


def dissent(
    entries: Sequence[Mapping[str, Any]],
    *,
    territories: Sequence[str],
    groups: Sequence[Mapping[str, Any]],
    statements: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Every territory and group disagreeing with a derived statement (module docstring).

    ``groups`` and ``statements`` are the snapshot document's; ``statements`` are those that
    may be quoted (shown, accepted, not meta). Rows: ``{"kind": "territory"|"group", "id",
    "disagrees": [{"statement", "disagree_rate", "n"}], "says": [{"statement", "direction",
    ...}]}`` with ``id`` the territory label or the group number.
    """
    quotable = {s["id"] for s in statements}
    rows: list[dict[str, Any]] = []
    for label in territories:
        found = _disagreeing(entries, partial(_territory_cell, label))
        if found:
            rows.append(
                {
                    "kind": "territory",
                    "id": label,
                    "disagrees": [_disagreement(e, r) for e, r in found],
                    "says": _territory_voice(label, statements, territories),
                }
            )
    for number, group in enumerate(groups):
        found = _disagreeing(entries, partial(_group_cell, number))
        if found:
            rows.append(
                {
                    "kind": "group",
                    "id": group["id"],
                    "disagrees": [_disagreement(e, r) for e, r in found],
                    "says": [
                        {"statement": r["statement"], "direction": r["direction"]}
                        for r in group.get("representative", [])
                        if r["statement"] in quotable
                    ][:GROUP_VOICE],
                }
            )
    return rows


def _disagreement(entry: Mapping[str, Any], cell: Rates) -> dict[str, Any]:
    return {"statement": entry["id"], "disagree_rate": _rate(cell.disagree), "n": cell.seen}
