"""Keeping below this system's share of the org's Kustomer rate limit.

Kustomer's limits are per organisation, shared with its other integrations, and announced in
every response's `x-ratelimit-*` headers (developer.kustomer.com/kustomer-api-docs/reference/
rate-limiting).
"""

from __future__ import annotations

import math
import time
from typing import Any


def header_seconds(value: Any) -> float | None:
    """A header's number of seconds, or None when it is not a finite number."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


class RateLimitPacer:
    """Keeps this system's use of the org's per-minute budget under `share` of the limit."""

    def __init__(self, share: float) -> None:
        self._share = share
        self._limit: int | None = None
        self._remaining: int | None = None
        self._reset_after: float | None = None
        self._observed_at = 0.0

    def observe(self, headers: Any) -> None:
        try:
            self._limit = int(headers["x-ratelimit-limit"])
            self._remaining = int(headers["x-ratelimit-remaining"])
        except (KeyError, ValueError):
            return
        self._reset_after = header_seconds(headers.get("x-ratelimit-reset"))
        self._observed_at = time.monotonic()

    def wait_needed(self) -> float:
        if self._limit is None or self._remaining is None:
            return 0.0
        used = self._limit - self._remaining
        allowed = max(1, int(self._limit * self._share))
        if used < allowed:
            return 0.0
        elapsed = time.monotonic() - self._observed_at
        if self._reset_after is not None:
            return max(0.0, self._reset_after - elapsed)
        # Without a reset header, spread the excess over the 60-second window.
        return max(0.0, 60.0 * (used - allowed + 1) / self._limit - elapsed)
