"""Redrive: after an outage, send what the dead-letter queues hold on its way again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from surveys.adapters.dead_letter_queue import SqsDeadLetterQueue
from surveys.usecases.reconcile import (
    ReconcileReport,
    reconcile_backlog,
    reconcile_writebacks,
)
from surveys.usecases.survey_events import EventPublisher
from surveys.usecases.write_back import KustomerWriter

# Long enough to move every message, so none is read twice by this redrive.
SURVEY_REDRIVE_HIDE_SECONDS = 300
# Long enough for a sweep after a long outage; a redrive that dies leaves the messages to
# reappear after it, for the next redrive.
WRITEBACK_REDRIVE_HIDE_SECONDS = 3600


@dataclass(frozen=True)
class RedrivePlan:
    """What a redrive started now would do, for the admin to confirm."""

    surveys: int
    writebacks: int
    suppression_notes: int
    writeback_dead_letters: int

    @property
    def writeback_work(self) -> bool:
        return bool(self.writebacks or self.suppression_notes or self.writeback_dead_letters)

    @property
    def empty(self) -> bool:
        return not (self.surveys or self.writeback_work)


@dataclass(frozen=True)
class SurveyRedriveReport:
    moved: int
    not_moved: int
    # Stopped before the queue was empty; what is left stays in it for the next redrive.
    interrupted: bool = False


@dataclass(frozen=True)
class WritebackRedriveReport:
    sweep: ReconcileReport
    dead_letters_cleared: int
    dead_letters_kept: int


def _ignore_count(done: int) -> None:
    pass


def _ignore() -> None:
    pass


def _never() -> bool:
    return False


def redrive_plan(
    survey_dead_letters: SqsDeadLetterQueue | None,
    writeback_dead_letters: SqsDeadLetterQueue | None,
    now: datetime,
) -> RedrivePlan:
    """Counts for the queues given (None: not redriven)."""
    backlog = reconcile_backlog(now, grace=timedelta(0)) if writeback_dead_letters else None
    return RedrivePlan(
        surveys=survey_dead_letters.waiting() if survey_dead_letters else 0,
        writebacks=backlog.writebacks if backlog else 0,
        suppression_notes=backlog.suppression_notes if backlog else 0,
        writeback_dead_letters=writeback_dead_letters.waiting() if writeback_dead_letters else 0,
    )


def redrive_surveys(
    dead_letters: SqsDeadLetterQueue,
    survey_queue_url: str,
    *,
    progress: Callable[[int], None] = _ignore_count,
    interrupted: Callable[[], bool] = _never,
) -> SurveyRedriveReport:
    """Move every survey that failed to send back to the survey queue, a batch at a time; the
    sender's guards (idempotency, the survey's status) still keep it to one email. `progress`
    gets the number handled so far; `interrupted` stops it between two batches, and the
    messages not taken yet stay in the dead-letter queue."""
    moved = not_moved = 0
    while not interrupted():
        letters = dead_letters.take(hide_for_seconds=SURVEY_REDRIVE_HIDE_SECONDS)
        if not letters:
            return SurveyRedriveReport(moved=moved, not_moved=not_moved)
        sent = dead_letters.move_to(survey_queue_url, letters)
        moved, not_moved = moved + sent, not_moved + len(letters) - sent
        progress(moved + not_moved)
    return SurveyRedriveReport(moved=moved, not_moved=not_moved, interrupted=True)


def redrive_writebacks(
    dead_letters: SqsDeadLetterQueue,
    *,
    kustomer: KustomerWriter,
    events: EventPublisher,
    now: datetime,
    time_left: Callable[[], float],
    progress: Callable[[], None] = _ignore,
    interrupted: Callable[[], bool] = _never,
) -> WritebackRedriveReport:
    """Write back every pending rating now, then clear the writeback dead letters it covered.

    A dead letter describes a stream batch (shard and sequence numbers), not its ratings, and
    the stream forgets records after 24 hours. But every rating is pending on its survey until
    written back, from before its stream record existed, so a sweep with no grace period,
    started after the letters were taken, covers every rating they stand for. The letters are
    cleared only when that sweep settled everything; otherwise (also when interrupted) they
    stay, as the operator's sign that ratings still wait for Kustomer.
    """
    letters = dead_letters.take_all(hide_for_seconds=WRITEBACK_REDRIVE_HIDE_SECONDS)
    sweep = reconcile_writebacks(
        kustomer=kustomer,
        events=events,
        now=now,
        grace=timedelta(0),
        time_left=time_left,
        progress=progress,
        interrupted=interrupted,
    )
    if sweep.complete:
        dead_letters.delete(letters)
        return WritebackRedriveReport(sweep, dead_letters_cleared=len(letters), dead_letters_kept=0)
    dead_letters.release(letters)
    return WritebackRedriveReport(sweep, dead_letters_cleared=0, dead_letters_kept=len(letters))
