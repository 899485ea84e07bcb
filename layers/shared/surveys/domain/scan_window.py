"""Which slice of conversation history a scan covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ScanWindow:
    """Conversations last updated in [since, until] are due; `until` is now minus the quiet time."""

    since: datetime
    until: datetime

    @property
    def is_empty(self) -> bool:
        return self.since > self.until


def first_watermark(
    activated_at: datetime, quiet_period: timedelta, backfill: timedelta
) -> datetime:
    """On activation only conversations whose quiet period ends after it are due, plus a backfill.

    A conversation updated at T goes quiet at T + quiet_period; it is new work after activation
    when T + quiet_period > activated_at.
    """
    return activated_at - quiet_period - backfill


def scan_window(watermark: datetime, now: datetime, quiet_period: timedelta) -> ScanWindow:
    return ScanWindow(since=watermark, until=now - quiet_period)


def scan_lag(watermark: datetime, now: datetime, quiet_period: timedelta) -> timedelta:
    """How long the oldest conversation the scan has not reached yet has been due: everything up
    to the watermark has been looked at, and a conversation is due a quiet period after its last
    update. Zero once the scan has caught up."""
    return max(timedelta(0), now - quiet_period - watermark)
