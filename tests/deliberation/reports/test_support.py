"""Support and dissent of an outcome: the documented thresholds, on worked examples."""

from __future__ import annotations

from typing import Any

import pytest

from deliberation.reports.support import (
    Rates,
    Stance,
    SupportLevel,
    dissent,
    level,
    stance,
    support,
)


def _cell(agree: int, disagree: int, seen: int) -> dict[str, Any]:
    return {
        "agree": agree,
        "disagree": disagree,
        "pass": seen - agree - disagree,
        "seen": seen,
        "suppressed": False,
    }


HIDDEN = {"agree": None, "disagree": None, "pass": None, "seen": None, "suppressed": True}


def _entry(statement: int, bridging: float | None, seen: int, **territories: Any) -> dict[str, Any]:
    return {
        "id": statement,
        "bridging": bridging,
        "seen": seen,
        "territories": territories,
        "groups": [],
    }


@pytest.mark.parametrize(
    ("agree", "disagree", "expected"),
    [
        (0.6, 0.1, Stance.ENDORSE),
        (0.59, 0.2, Stance.MIXED),
        (0.3, 0.49, Stance.MIXED),
        (0.2, 0.5, Stance.REJECT),
    ],
)
def test_stance_thresholds(agree: float, disagree: float, expected: Stance) -> None:
    assert stance(Rates(agree, disagree, 10)) == expected


@pytest.mark.parametrize(
    ("bridging", "lowest", "territories", "expected"),
    [
        (0.55**2, 0.6, 2, SupportLevel.STRONG),
        (0.55**2 - 0.001, 0.9, 2, SupportLevel.MODERATE),
        (0.9, 0.59, 2, SupportLevel.MODERATE),
        (0.4**3, 0.4, 3, SupportLevel.MODERATE),
        (0.4**3 - 0.001, 0.9, 3, SupportLevel.CONTESTED),
        (0.9, 0.39, 3, SupportLevel.CONTESTED),
        (None, 0.9, 2, SupportLevel.CONTESTED),
        (0.9, None, 2, SupportLevel.CONTESTED),
    ],
)
def test_support_level_thresholds(
    bridging: float | None, lowest: float | None, territories: int, expected: SupportLevel
) -> None:
    assert level(bridging, lowest, territories) == expected


def test_each_territory_is_judged_on_its_weakest_statement() -> None:
    entries = [
        _entry(1, 0.5, 30, a=_cell(16, 2, 20), b=_cell(6, 1, 10)),
        _entry(2, 0.3, 28, a=_cell(18, 1, 20), b=_cell(2, 6, 8)),
    ]
    found, territories = support(entries, ["a", "b"])
    assert territories == [
        {"territory": "a", "agree_rate": 0.8, "n": 20, "stance": "endorse", "suppressed": False},
        {"territory": "b", "agree_rate": 0.25, "n": 8, "stance": "reject", "suppressed": False},
    ]
    assert found == {
        "level": "contested",
        "bridging": 0.3,
        "lowest_territory_agree_rate": 0.25,
        "n": 28,
    }


def test_a_suppressed_territory_has_no_figures_and_does_not_count_as_lowest() -> None:
    entries = [_entry(1, None, 40, a=_cell(32, 2, 40), b=HIDDEN)]
    found, territories = support(entries, ["a", "b"])
    assert territories[1] == {
        "territory": "b",
        "agree_rate": None,
        "n": None,
        "stance": None,
        "suppressed": True,
    }
    assert found["lowest_territory_agree_rate"] == 0.8
    assert found["level"] == "contested"  # bridging unknown (a hidden cell): never strong


def test_dissent_lists_every_territory_and_group_that_disagrees() -> None:
    entries = [
        {
            "id": 1,
            "bridging": 0.2,
            "seen": 40,
            "territories": {"a": _cell(18, 2, 20), "b": _cell(5, 9, 20)},
            "groups": [_cell(20, 0, 20), _cell(3, 12, 20)],
        }
    ]
    quotable = [
        {"id": 1, "territories": {"a": _cell(18, 2, 20), "b": _cell(5, 9, 20)}},
        {"id": 7, "territories": {"a": _cell(4, 10, 20), "b": _cell(17, 1, 20)}},
    ]
    groups = [
        {"id": 0, "representative": [{"statement": 1, "direction": "agree"}]},
        {
            "id": 1,
            "representative": [
                {"statement": 7, "direction": "agree"},
                {"statement": 99, "direction": "agree"},
            ],
        },
    ]
    rows = dissent(entries, territories=["a", "b"], groups=groups, statements=quotable)
    assert rows == [
        {
            "kind": "territory",
            "id": "b",
            "disagrees": [{"statement": 1, "disagree_rate": 0.45, "n": 20}],
            "says": [{"statement": 7, "direction": "agree", "agree_rate": 0.85}],
        },
        {
            "kind": "group",
            "id": 1,
            "disagrees": [{"statement": 1, "disagree_rate": 0.6, "n": 20}],
            "says": [{"statement": 7, "direction": "agree"}],
        },
    ]
