"""What a program's scan did: for its log line, its metrics and the scanner's answer."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class ScanReport:
    metric: str
    program: str
    since: datetime
    until: datetime
    pages: int = 0
    conversations_seen: int = 0
    queued: int = 0
    already_surveyed: int = 0
    not_eligible: Counter[str] = field(default_factory=Counter)
    # Windows split in two because reading one whole would page past Kustomer's last page.
    windows_split: int = 0
    # Whether the results came oldest first; None when no page could tell.
    results_in_order: bool | None = None
    complete: bool = False
    stopped_because: str | None = None
    # Stopped because Kustomer failed, not for time or its rate limit (which resume on their own).
    failed: bool = False
    # Where the scan stopped, as the age of the oldest due conversation it has not reached.
    lag_seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        """The report as Lambda can return it and a log line can hold it: times as ISO text.
        `not_eligible` is copied as a plain dict: asdict rebuilds a Counter from its items, which
        counts (reason, n) pairs as keys that JSON cannot hold, and the log line was lost."""
        return {
            **asdict(self),
            "not_eligible": dict(self.not_eligible),
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
        }
