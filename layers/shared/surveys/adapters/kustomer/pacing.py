"""Keeping below this system's share of Kustomer's rate limits, by waiting.

Kustomer limits requests per organisation in 60-second windows, shared with the org's other
integrations, and announces the budget in every response: `x-ratelimit-limit`,
`x-ratelimit-remaining` and `x-ratelimit-reset`, the moment the window resets ("now + 60s" on
developer.kustomer.com/docs/concepts/rate-limits; UTC epoch seconds to singer-io/tap-kustomer,
which runs against real orgs). Searches have a limit of their own: 100 a minute per API key
(developer.kustomer.com search reference).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Any

# Epoch seconds, as time.time() gives them; tests and benchmarks pass a simulated clock.
Clock = Callable[[], float]

RATE_LIMIT_WINDOW_SECONDS = 60.0
# No wait is longer than one window and this margin: a reset further away is a clock that
# disagrees with Kustomer's, or a header in a unit not foreseen.
WAIT_MARGIN_SECONDS = 2.0
LONGEST_WAIT_SECONDS = RATE_LIMIT_WINDOW_SECONDS + WAIT_MARGIN_SECONDS
SEARCHES_PER_MINUTE = 100
# The reset's unit, told by its magnitude: epoch milliseconds are above 1e11 (past 1973 in
# milliseconds, year 5138 in seconds), epoch seconds above 1e8 (1973), and anything smaller is a
# number of seconds to wait.
_EPOCH_MILLISECONDS_FROM = 1e11
_EPOCH_SECONDS_FROM = 1e8


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def reset_moment(value: Any, now: float) -> float | None:
    """When the window resets, in epoch seconds, from an `x-ratelimit-reset` given as epoch
    seconds, epoch milliseconds or seconds to wait; None when it is not a number."""
    number = _number(value)
    if number is None:
        return None
    if number >= _EPOCH_MILLISECONDS_FROM:
        return number / 1000
    if number >= _EPOCH_SECONDS_FROM:
        return number
    return now + max(0.0, number)


def _bounded(seconds: float) -> float:
    return min(max(0.0, seconds), LONGEST_WAIT_SECONDS)


class RateLimitPacer:
    """Keeps this system's use of the org's per-minute budget under `share` of the limit: once
    the org has used that much of the window, it waits for the window to reset."""

    def __init__(self, share: float, clock: Clock) -> None:
        self._share = share
        self._clock = clock
        self._limit: int | None = None
        self._remaining: int | None = None
        self._reset_at: float | None = None
        self._observed_at = 0.0

    def observe(self, headers: Any) -> None:
        try:
            limit = int(headers["x-ratelimit-limit"])
            remaining = int(headers["x-ratelimit-remaining"])
        except (KeyError, ValueError):
            return
        self._observed_at = self._clock()
        self._limit, self._remaining = limit, remaining
        self._reset_at = reset_moment(headers.get("x-ratelimit-reset"), self._observed_at)

    def wait_needed(self) -> float:
        if self._limit is None or self._remaining is None or self._limit < 1:
            return 0.0
        used = self._limit - self._remaining
        allowed = max(1, int(self._limit * self._share))
        if used < allowed:
            return 0.0
        now = self._clock()
        if self._reset_at is not None:
            return _bounded(self._reset_at - now)
        # Without a reset moment, spread the excess over the window.
        excess = RATE_LIMIT_WINDOW_SECONDS * (used - allowed + 1) / self._limit
        return _bounded(excess - (now - self._observed_at))

    def wait_after_throttle(self, headers: Any, throttled_in_a_row: int) -> float:
        """How long to wait after a 429: until the window resets when the answer says when (a
        `Retry-After` is not documented, but honoured when sent); else, or when our clock puts
        that moment in the past already, backing off 1, 2, 4... seconds, up to a window."""
        now = self._clock()
        retry_after = _number(headers.get("Retry-After"))
        if retry_after is not None and retry_after > 0:
            return _bounded(retry_after)
        reset_at = reset_moment(headers.get("x-ratelimit-reset"), now)
        if reset_at is not None and reset_at > now:
            return _bounded(reset_at - now)
        return _bounded(2.0 ** max(0, throttled_in_a_row - 1))


class SearchPacer:
    """At most `per_minute` searches in any 60 seconds, so that Kustomer's per-key search limit
    is never hit. Counted here: the scanner is the one caller that searches, one run at a time."""

    def __init__(self, per_minute: int, clock: Clock) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._sent: deque[float] = deque()

    def wait_needed(self) -> float:
        now = self._clock()
        while self._sent and self._sent[0] <= now - RATE_LIMIT_WINDOW_SECONDS:
            self._sent.popleft()
        if len(self._sent) < self._per_minute:
            return 0.0
        # A margin, so that a window Kustomer starts a little later than ours still fits.
        return _bounded(self._sent[0] + RATE_LIMIT_WINDOW_SECONDS + 1.0 - now)

    def sent(self) -> None:
        self._sent.append(self._clock())
