"""Fixed 60-second request windows, counted on the simulator's clock.

Kustomer limits requests per organisation per 60-second window and reports the budget in
`x-ratelimit-limit` / `x-ratelimit-remaining` (developer.kustomer.com/kustomer-api-docs/
reference/rate-limiting). Notes are also limited to 120 a minute per customer
(developer.kustomer.com/api/core-resources/create-note), and searches to 100 a minute per API
key (the search reference).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(seconds=60)


@dataclass(frozen=True)
class WindowState:
    limit: int
    remaining: int
    reset_seconds: int
    resets_at: datetime


class FixedWindowLimiter:
    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a rate limit allows at least one request per window")
        self.limit = limit
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[datetime, int]] = {}

    def acquire(self, key: str, now: datetime) -> bool:
        """Count one request against `key`'s window; False when the window is spent."""
        with self._lock:
            started, used = self._current(key, now)
            if used >= self.limit:
                return False
            self._windows[key] = (started, used + 1)
            return True

    def spend(self, key: str, now: datetime) -> None:
        """Use up what is left of `key`'s current window."""
        with self._lock:
            started, _ = self._current(key, now)
            self._windows[key] = (started, self.limit)

    def state(self, key: str, now: datetime) -> WindowState:
        with self._lock:
            started, used = self._current(key, now)
        resets_at = started + WINDOW
        until_reset = (resets_at - now).total_seconds()
        return WindowState(
            self.limit, max(self.limit - used, 0), max(math.ceil(until_reset), 0), resets_at
        )

    def _current(self, key: str, now: datetime) -> tuple[datetime, int]:
        started, used = self._windows.get(key, (now, 0))
        if now - started >= WINDOW:
            return now, 0
        return started, used
