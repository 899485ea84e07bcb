"""The reputation guard: the sender pauses itself before SES would pause the whole account, and
an admin resumes it (`surveys sending resume`).

While paused, surveys wait on their queue (surveys/usecases/send_survey.py); nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from surveys.adapters.store.state import (
    SendingStateItem,
    find_sending_state,
    record_pause,
    record_resume,
)
from surveys.domain.reputation import Reputation, ReputationLimits, pause_reason
from surveys.observability import logger


class ReputationSource(Protocol):
    def current(self, now: datetime) -> Reputation: ...


@dataclass(frozen=True)
class SendingStatus:
    paused_at: datetime | None = None
    reason: str | None = None
    resumed_at: datetime | None = None
    tolerated: Reputation | None = None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None


def _status(item: SendingStateItem | None) -> SendingStatus:
    if item is None:
        return SendingStatus()
    return SendingStatus(item.paused_at, item.reason, item.resumed_at, item.tolerated)


def sending_status() -> SendingStatus:
    return _status(find_sending_state())


def _fresh(cached_at: datetime, now: datetime, lifetime: timedelta) -> bool:
    return cached_at <= now < cached_at + lifetime


class SendingGuard:
    """Asked before every survey. Per container it reads SES's reputation from CloudWatch at
    most every five minutes (SES recomputes the rates over thousands of emails, not per email),
    and the pause from DynamoDB at most once a minute while sending, so that a pause another
    container recorded holds here within a minute; while paused it reads the pause every time,
    so that a resume holds at once, and reads the rates anew after it."""

    STATE_LIFETIME = timedelta(minutes=1)
    REPUTATION_LIFETIME = timedelta(minutes=5)

    def __init__(self, source: ReputationSource, limits: ReputationLimits) -> None:
        self._source = source
        self._limits = limits
        self._status: tuple[datetime, SendingStatus] | None = None
        self._reputation: tuple[datetime, Reputation] | None = None

    def _current_status(self, now: datetime) -> SendingStatus:
        cached = self._status
        if cached and not cached[1].paused and _fresh(cached[0], now, self.STATE_LIFETIME):
            return cached[1]
        status = sending_status()
        if cached and cached[1].paused and not status.paused:
            self._reputation = None
        self._status = (now, status)
        return status

    def _current_reputation(self, now: datetime) -> Reputation:
        cached = self._reputation
        if cached is None or not _fresh(cached[0], now, self.REPUTATION_LIFETIME):
            cached = self._reputation = (now, self._source.current(now))
        return cached[1]

    def pause_reason(self, now: datetime) -> str | None:
        """Why no survey may be sent now, or None. Pauses the sender when a rate reached its
        limit; it stays paused until resumed, whatever the rates do meanwhile."""
        status = self._current_status(now)
        if status.paused:
            return status.reason
        reason = pause_reason(self._current_reputation(now), self._limits, status.tolerated)
        if reason is None:
            return None
        status = _status(record_pause(reason, now))
        self._status = (now, status)
        logger.warning("Sending paused", extra={"reason": status.reason})
        return status.reason


@dataclass(frozen=True)
class ResumeReport:
    was_paused: bool
    resumed: bool
    reputation: Reputation
    limits: ReputationLimits
    # Set when a rate is still at or over its limit.
    still_over_limit: str | None


def resume_sending(
    source: ReputationSource, limits: ReputationLimits, now: datetime, accept_current_rates: bool
) -> ResumeReport:
    """Let a paused sender send again. While a rate is still over its limit it resumes only if
    the admin accepts the rates as they are now; a rise above them pauses it again."""
    was_paused = sending_status().paused
    reputation = source.current(now)
    still_over = pause_reason(reputation, limits)
    resumed = was_paused and (still_over is None or accept_current_rates)
    if resumed:
        record_resume(now, reputation if still_over else None)
        logger.warning("Sending resumed", extra={"still_over_limit": still_over, "resumed_at": now})
    return ResumeReport(was_paused, resumed, reputation, limits, still_over)
