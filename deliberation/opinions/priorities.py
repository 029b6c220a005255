"""Snapshots' routing priorities, parsed once per snapshot, database and process."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

import numpy as np
from sqlalchemy import Connection, Engine
from sqlmodel import select

from deliberation.db import Database
from deliberation.models import OpinionSnapshot
from deliberation.services.routing import Priorities

CACHED_SNAPSHOTS = 32
# One cache per engine: snapshot ids are only unique within one database, and a process can
# serve several (an app per test, two apps on two databases). Keying by engine rather than by
# URL also forgets a database whose ids restart from 1 (emptied and refilled) with its engine.
_caches: weakref.WeakKeyDictionary[Engine, OrderedDict[int, Priorities]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def _engine(session: Database) -> Engine:
    bind = session if isinstance(session, Connection) else session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def snapshot_priorities(session: Database, snapshot_id: int) -> Priorities | None:
    """The routing priorities of snapshot ``snapshot_id`` (pages find the latest one's id with
    their first query: ``participant_session.visit``); None when that snapshot is gone since
    (superseded long enough, or of an older results revision: ``compute_snapshot``), and the
    draw follows the rule without priorities until the next visit reads the new one's id.

    They are read and parsed only the first time this process sees that snapshot of that
    database (a cache, never the only copy: the database has them)."""
    engine = _engine(session)
    with _lock:
        cache = _caches.setdefault(engine, OrderedDict())
        cached = cache.get(snapshot_id)
        if cached is not None:
            cache.move_to_end(snapshot_id)
            return cached
    stored = session.execute(
        select(OpinionSnapshot.priorities).where(OpinionSnapshot.id == snapshot_id)
    ).scalar_one_or_none()
    if stored is None:
        return None
    priorities = Priorities(
        ids=np.fromiter((int(k) for k in stored), dtype=np.int64, count=len(stored)),
        weights=np.fromiter(stored.values(), dtype=np.float64, count=len(stored)),
    )
    with _lock:
        cache[snapshot_id] = priorities
        while len(cache) > CACHED_SNAPSHOTS:
            cache.popitem(last=False)
    return priorities
