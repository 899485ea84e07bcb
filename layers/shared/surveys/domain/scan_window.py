"""Which slice of conversation history a scan covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise


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


# Kustomer's timestamps carry milliseconds; windows that meet end one millisecond apart, so
# that `gte`/`lte` bounds (the operators the search reference documents) leave no gap.
MILLISECOND = timedelta(milliseconds=1)
# A page takes this many results in order before its order is believed: below it, a page of
# results in an order unrelated to updatedAt may look ascending by chance (1 in 10! for 10).
ORDER_EVIDENCE = 10
# A page this long in order proves the order by itself (1 in 100! by chance); a shorter one is
# confirmed by the page after it.
ORDER_PROOF = 100


def oldest_first(updated_at: list[datetime]) -> bool:
    return all(earlier <= later for earlier, later in pairwise(updated_at))


def in_ascending_order(updated_at: list[datetime]) -> bool | None:
    """Whether a page's results come oldest first: None when the page cannot tell (too few
    results, or all updated at one moment)."""
    if len(updated_at) < ORDER_EVIDENCE or len(set(updated_at)) < 2:
        return None
    return oldest_first(updated_at)


def split_in_two(window: ScanWindow, sample: list[datetime]) -> tuple[ScanWindow, ScanWindow]:
    """Two windows covering `window` without a gap, each holding about half of the results that
    `sample` (results of the window, in no particular order) stands for. A window of one
    moment cannot be split."""
    if window.since >= window.until:
        raise ValueError("a window of one moment cannot be split")
    inside = sorted(moment for moment in sample if window.since <= moment <= window.until)
    middle = inside[len(inside) // 2] if inside else window.since
    if not window.since < middle <= window.until:
        # The sample says nothing useful (all at the start): cut the time in two instead.
        middle = window.since + max((window.until - window.since) / 2, MILLISECOND)
        middle = middle.replace(microsecond=middle.microsecond // 1000 * 1000)
        if middle <= window.since:
            middle += MILLISECOND
    return (
        ScanWindow(window.since, middle - MILLISECOND),
        ScanWindow(middle, window.until),
    )
