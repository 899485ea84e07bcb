"""The clock: one place reads the time, so handlers and tests agree on what now is."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
