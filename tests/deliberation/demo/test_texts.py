"""The demo's texts, read from the packaged data files: one round per phase, all usable."""

from __future__ import annotations

import pytest

from deliberation.demo import crowd, texts
from deliberation.models import Phase, StatementStatus


@pytest.mark.parametrize("phase", texts.ROUND_PHASES)
def test_every_round_file_is_complete_and_its_stances_are_valid(phase: Phase) -> None:
    spec = texts.round_spec(phase)
    slugs = [territory.slug for territory in texts.territories()]
    assert spec.phase == phase
    for field in ("title", "question", "framing"):
        assert set(spec.fields[field]) == set(spec.fields["languages"]), field
    assert spec.opened_days_ago > 0
    assert (spec.closes_in_days > 0) == (phase == Phase.OPEN)
    assert -spec.closes_in_days < spec.opened_days_ago
    seeds = [s for s in spec.statements if s.is_seed]
    assert len(seeds) >= crowd.MIN_VOTES, "everyone can cast the fewest votes a participant casts"
    assert spec.statements[: len(seeds)] == tuple(seeds), "seeds come first"
    for statement in spec.statements:
        assert statement.language in spec.fields["languages"]
        assert len(statement.groups) == len(texts.territories()[0].group_mix)
        assert len(statement.territories) == len(slugs)
        assert set(statement.groups + statement.territories) <= set(crowd.STANCES)
        assert statement.is_seed or statement.author_territory in slugs
        assert (statement.rejection_reason is not None) == (
            statement.status == StatementStatus.REJECTED
        )


def test_rounds_have_distinct_slugs_and_territories_add_up() -> None:
    slugs = [texts.round_spec(phase).slug for phase in texts.ROUND_PHASES]
    assert len(set(slugs)) == len(slugs)
    territories = texts.territories()
    assert sum(t.share for t in territories) == pytest.approx(1.0)
    assert all(sum(t.group_mix) == pytest.approx(1.0) for t in territories)
    assert all(sum(t.languages.values()) == pytest.approx(1.0) for t in territories)
    slugs = {t.slug for t in territories}
    assert all(set(pair) <= slugs for pair in texts.twins())
