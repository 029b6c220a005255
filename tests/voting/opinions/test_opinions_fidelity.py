"""Golden results: Pol.is' own groups and group-informed consensus on real conversations."""

from pathlib import Path

import numpy as np
import pytest

from voting.opinions import (
    OpinionResult,
    PolisExport,
    adjusted_rand_index,
    compute,
    read_polis_export,
)


def run(folder: Path) -> tuple[PolisExport, OpinionResult]:
    export = read_polis_export(folder)
    result, _ = compute(export.conversation)
    return export, result


def agreement(export: PolisExport, result: OpinionResult) -> float:
    ids = result.participant_ids.tolist()
    row = {p: i for i, p in enumerate(ids)}
    ours = {p for p, inside in zip(ids, result.clustered.tolist(), strict=True) if inside}
    common = sorted(ours & set(export.polis_groups))
    return adjusted_rand_index(
        np.array([result.group[row[p]] for p in common]),
        np.array([export.polis_groups[p] for p in common]),
    )


def test_bg2050_volunteers_is_reproduced_exactly(polis_data: Path) -> None:
    export, result = run(polis_data / "bg2050-volunteers")
    clustered = set(result.participant_ids[result.clustered].tolist())
    assert clustered == set(export.polis_groups)
    assert agreement(export, result) == 1.0
    assert result.k == 2
    column = {int(s): i for i, s in enumerate(result.statement_ids)}
    assert set(column) == set(export.polis_consensus)
    for statement, value in export.polis_consensus.items():
        assert result.group_informed_consensus[column[statement]] == pytest.approx(value, abs=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("conversation", "minimum"),
    [
        ("scoop-hivemind.biodiversity", 0.95),
        ("austria-climate.5twd2jsnkf.2022-08-08", 0.95),
        ("vtaiwan.uberx", 0.85),
    ],
)
def test_adjusted_rand_index_against_polis(
    polis_data: Path, conversation: str, minimum: float
) -> None:
    export, result = run(polis_data / conversation)
    assert result.k == 2
    assert agreement(export, result) >= minimum
