"""The latest snapshot's routing priorities, parsed once per snapshot and process."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from sqlmodel import Session, select

from deliberation.models import OpinionSnapshot
from deliberation.opinions.stored import latest_snapshot_id
from deliberation.services.routing import Priorities

CACHED_SNAPSHOTS = 32
_cache: OrderedDict[int, Priorities] = OrderedDict()
_lock = threading.Lock()


def latest_priorities(session: Session, round_id: int) -> Priorities | None:
    """Priorities of the round's latest snapshot, or None before the first snapshot.

    One indexed lookup of the latest snapshot id per call; the priorities themselves are read
    and parsed only the first time this process sees that snapshot (a cache, never the only
    copy: the database has them).
    """
    snapshot_id = latest_snapshot_id(session, round_id)
    if snapshot_id is None:
        return None
    with _lock:
        cached = _cache.get(snapshot_id)
        if cached is not None:
            _cache.move_to_end(snapshot_id)
            return cached
    stored = session.exec(
        select(OpinionSnapshot.priorities).where(OpinionSnapshot.id == snapshot_id)
    ).one()
    priorities = Priorities(
        ids=np.fromiter((int(k) for k in stored), dtype=np.int64, count=len(stored)),
        weights=np.fromiter(stored.values(), dtype=np.float64, count=len(stored)),
    )
    with _lock:
        _cache[snapshot_id] = priorities
        while len(_cache) > CACHED_SNAPSHOTS:
            _cache.popitem(last=False)
    return priorities
