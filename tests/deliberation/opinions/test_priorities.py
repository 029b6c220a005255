"""Routing priorities read from the latest snapshot, cached per database and snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, SQLModel

from app import create_app
from deliberation.db import make_engine
from deliberation.models import OpinionSnapshot
from deliberation.opinions.priorities import snapshot_priorities
from deliberation.opinions.stored import latest_snapshot_id_query
from tests.factories import make_round


@pytest.fixture
def other_app(app: Flask, app_config: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    """A second app in the same process, on a database of its own."""
    url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    other = create_app({**app_config, "DATABASE_URL": url})
    yield other
    other.extensions["palabre.engine"].dispose()


def _snapshot(app: Flask, priorities: dict[str, float]) -> tuple[int, int | None]:
    """A round with one snapshot holding ``priorities``: (round id, snapshot id)."""
    with Session(app.extensions["palabre.engine"], expire_on_commit=False) as db:
        round_ = make_round(db)
        snapshot = OpinionSnapshot(round_id=round_.id, state=b"", priorities=priorities)
        db.add(snapshot)
        db.commit()
        return round_.id, snapshot.id  # type: ignore[return-value]


def _latest(app: Flask, round_id: int) -> dict[int, float]:
    with Session(app.extensions["palabre.engine"]) as db:
        found = snapshot_priorities(db, db.exec(latest_snapshot_id_query(round_id)).one())
    assert found is not None
    return dict(zip(found.ids.tolist(), found.weights.tolist(), strict=True))


def test_priorities_do_not_leak_between_two_databases(app: Flask, other_app: Flask) -> None:
    round_a, snapshot_a = _snapshot(app, {"1": 2.0, "2": 3.0})
    round_b, snapshot_b = _snapshot(other_app, {"7": 5.0})
    assert (round_a, snapshot_a) == (round_b, snapshot_b), "the same ids in both databases"

    assert _latest(app, round_a) == {1: 2.0, 2: 3.0}
    assert _latest(other_app, round_b) == {7: 5.0}
    assert _latest(app, round_a) == {1: 2.0, 2: 3.0}


def test_a_new_snapshot_brings_its_priorities(app: Flask) -> None:
    round_id, _ = _snapshot(app, {"1": 2.0})
    assert _latest(app, round_id) == {1: 2.0}
    with Session(app.extensions["palabre.engine"]) as db:
        db.add(OpinionSnapshot(round_id=round_id, watermark=1, state=b"", priorities={"1": 9.0}))
        db.commit()
    assert _latest(app, round_id) == {1: 9.0}


def test_a_snapshot_gone_since_its_id_was_read_has_no_priorities(app: Flask) -> None:
    """Its id read by a page or kept by a visit, then deleted (superseded long enough, or of an
    older results revision): the draw goes on without priorities, no error."""
    _round_id, snapshot_id = _snapshot(app, {"1": 2.0})
    assert snapshot_id is not None
    with Session(app.extensions["palabre.engine"]) as db:
        db.delete(db.get(OpinionSnapshot, snapshot_id))
        db.commit()
        assert snapshot_priorities(db, snapshot_id) is None
