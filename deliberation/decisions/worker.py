"""The decisions' share of the worker pass (``flask opinions worker`` or the embedded thread):
apply decision schedules, then count every closed decision not counted yet. Never in a
request."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from deliberation.decisions.counting import due_tallies, store_live_count, store_tally
from deliberation.decisions.service import advance_decisions
from deliberation.models import Decision, DecisionStatus

log = logging.getLogger(__name__)


def run_once(session: Session, *, now: datetime) -> int:
    """Advance schedules, refresh the live counts of open decisions that show them, and store
    due tallies, each in its own transaction; return how many tallies were stored. A count
    another worker stored first, or one that fails, is rolled back and logged; the others go
    on."""
    try:
        advance_decisions(session, now=now)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("decision schedules could not be applied")
    live = select(Decision).where(
        col(Decision.status) == DecisionStatus.OPEN, col(Decision.live_results).is_(True)
    )
    for decision in session.exec(live).all():
        try:
            store_live_count(session, decision)
            session.commit()
        except Exception:
            session.rollback()
            log.exception("live count of decision %s failed", decision.id)
    stored = 0
    for decision in due_tallies(session):
        try:
            tally = store_tally(session, decision)
            session.commit()
        except IntegrityError:
            session.rollback()  # another worker stored it first
            continue
        except Exception:
            session.rollback()
            log.exception("tally of decision %s failed", decision.id)
            continue
        stored += 1
        log.info("decision %s counted in %.3f s", decision.id, tally.seconds)
    return stored
