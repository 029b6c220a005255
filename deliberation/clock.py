"""Time in one convention: timezone-aware datetimes in UTC (SQLModel's UTCDateTime columns)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware (how every timestamp is stored and compared)."""
    return datetime.now(UTC)
