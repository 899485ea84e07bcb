"""A clock for tests and benchmarks on which waiting takes no time.

The Kustomer simulator counts its rate-limit windows on it, the Kustomer client sleeps on it and
reads the reset moments against it, and the local runtime's Lambda deadlines can run on it, so
minutes of rate-limit windows pass in milliseconds while everything still agrees on what time
it is.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class SimulatedClock:
    """Real time since the clock started (none when `frozen`) plus every sleep, which passes
    at once."""

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._origin = start or datetime.now(UTC)
        self._started = time.monotonic()
        self._frozen = frozen
        self.slept = 0.0

    def monotonic(self) -> float:
        """Seconds since the clock started, as time.monotonic() counts them."""
        ran = 0.0 if self._frozen else time.monotonic() - self._started
        return ran + self.slept

    def __call__(self) -> datetime:
        return self._origin + timedelta(seconds=self.monotonic())

    @property
    def now(self) -> datetime:
        return self()

    def time(self) -> float:
        """Epoch seconds, as time.time() gives them."""
        return self().timestamp()

    def sleep(self, seconds: float) -> None:
        self.slept += max(0.0, seconds)

    def advance(self, **delta: float) -> datetime:
        self.slept += timedelta(**delta).total_seconds()
        return self()
