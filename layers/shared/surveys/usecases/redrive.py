"""Redrive: after an outage, send what the dead-letter queues hold on its way again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from surveys.adapters.dead_letter_queue import SqsDeadLetterQueue
from surveys.usecases.reconcile import ReconcileReport, reconcile_writebacks
from surveys.usecases.survey_events import EventPublisher
from surveys.usecases.write_back import KustomerWriter

# Long enough to move every message, so none is read twice by this redrive.
SURVEY_REDRIVE_HIDE_SECONDS = 300
# Long enough for a sweep after a long outage; a redrive that dies leaves the messages to
# reappear after it, for the next redrive.
WRITEBACK_REDRIVE_HIDE_SECONDS = 3600


@dataclass(frozen=True)
class SurveyRedriveReport:
    moved: int
    not_moved: int


@dataclass(frozen=True)
class WritebackRedriveReport:
    sweep: ReconcileReport
    dead_letters_cleared: int
    dead_letters_kept: int


def redrive_surveys(dead_letters: SqsDeadLetterQueue, survey_queue_url: str) -> SurveyRedriveReport:
    """Move every survey that failed to send back to the survey queue; the sender's guards
    (idempotency, the survey's status) still keep it to one email."""
    letters = dead_letters.take_all(hide_for_seconds=SURVEY_REDRIVE_HIDE_SECONDS)
    moved = dead_letters.move_to(survey_queue_url, letters)
    return SurveyRedriveReport(moved=moved, not_moved=len(letters) - moved)


def redrive_writebacks(
    dead_letters: SqsDeadLetterQueue,
    *,
    kustomer: KustomerWriter,
    events: EventPublisher,
    now: datetime,
    time_left: Callable[[], float],
) -> WritebackRedriveReport:
    """Write back every pending rating now, then clear the writeback dead letters it covered.

    A dead letter describes a stream batch (shard and sequence numbers), not its ratings, and
    the stream forgets records after 24 hours. But every rating is pending on its survey until
    written back, from before its stream record existed, so a sweep with no grace period,
    started after the letters were taken, covers every rating they stand for. The letters are
    cleared only when that sweep settled everything; otherwise they stay, as the operator's
    sign that ratings still wait for Kustomer.
    """
    letters = dead_letters.take_all(hide_for_seconds=WRITEBACK_REDRIVE_HIDE_SECONDS)
    sweep = reconcile_writebacks(
        kustomer=kustomer, events=events, now=now, grace=timedelta(0), time_left=time_left
    )
    if sweep.complete:
        dead_letters.delete(letters)
        return WritebackRedriveReport(sweep, dead_letters_cleared=len(letters), dead_letters_kept=0)
    dead_letters.release(letters)
    return WritebackRedriveReport(sweep, dead_letters_cleared=0, dead_letters_kept=len(letters))
