"""Reconcile: drive again every rating whose writeback is still not done after a grace period.

The ratings stream retries a failing record for a while, then gives it up to the writeback DLQ,
and it keeps records for 24 hours only. Recording a rating marks its survey pending until the
writeback is done, so this sweep finishes what the stream could not, however long Kustomer was
away: the stream is only the fast path. The sweep also posts the notes of new unsubscribes,
bounces and complaints (surveys/usecases/suppression_notes.py), which have no stream of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from surveys.adapters.kustomer.errors import (
    KustomerAuthError,
    KustomerBusyError,
    KustomerError,
    KustomerOutcomeUnknownError,
    KustomerUnavailableError,
)
from surveys.adapters.store.suppressions import (
    count_pending_suppression_notes,
    pending_suppression_note_addresses,
)
from surveys.adapters.store.surveys import count_pending_writebacks, pending_writeback_ids
from surveys.usecases.suppression_notes import post_suppression_note
from surveys.usecases.survey_events import EventPublisher
from surveys.usecases.write_back import (
    LONGEST_INVOCATION,
    KustomerWriter,
    WritebackBusyError,
    write_back_rating,
)

# A writeback makes a few Kustomer requests that may each wait up to the client's 20 s read
# timeout: no new one starts with less than this left, so the sweep ends before Lambda stops it.
TIME_RESERVE_SECONDS = 30.0
TIME_NEARLY_UP = "time nearly up; the next run goes on from here"
INTERRUPTED = "interrupted; the next run goes on from here"


@dataclass
class ReconcileReport:
    tried: int = 0
    written: int = 0
    already_written: int = 0
    not_writable: int = 0
    busy: int = 0
    failed: int = 0
    suppression_notes: int = 0
    stopped_because: str | None = None

    @property
    def complete(self) -> bool:
        """Every survey that was due is settled: written, found written, or not writable."""
        return self.stopped_because is None and not self.failed and not self.busy


@dataclass(frozen=True)
class ReconcileBacklog:
    """What a sweep started now would go through."""

    writebacks: int
    suppression_notes: int


def reconcile_backlog(now: datetime, grace: timedelta) -> ReconcileBacklog:
    return ReconcileBacklog(
        writebacks=count_pending_writebacks(due_before=now - grace),
        suppression_notes=count_pending_suppression_notes(),
    )


def _nothing() -> None:
    pass


def _never() -> bool:
    return False


def _stop_reason(time_left: Callable[[], float], interrupted: Callable[[], bool]) -> str | None:
    if interrupted():
        return INTERRUPTED
    if time_left() < TIME_RESERVE_SECONDS:
        return TIME_NEARLY_UP
    return None


def reconcile_writebacks(
    *,
    kustomer: KustomerWriter,
    events: EventPublisher,
    now: datetime,
    grace: timedelta,
    time_left: Callable[[], float],
    progress: Callable[[], None] = _nothing,
    interrupted: Callable[[], bool] = _never,
) -> ReconcileReport:
    """Write back every survey pending since before `now - grace`, longest pending first.

    The grace period leaves fresh ratings to the stream. Kustomer being down or refusing the
    key stops the sweep (every other survey would fail the same way); anything else that fails
    is counted and left pending for the next run. `progress` is called after each survey and
    each note; `interrupted` (an admin's Ctrl-C) stops the sweep between two of them.
    """
    report = ReconcileReport()
    for survey_id in pending_writeback_ids(due_before=now - grace):
        report.stopped_because = _stop_reason(time_left, interrupted)
        if report.stopped_because:
            break
        report.tried += 1
        lease = timedelta(seconds=min(time_left(), LONGEST_INVOCATION.total_seconds()))
        try:
            outcome = write_back_rating(
                survey_id, kustomer=kustomer, events=events, now=now, lease=lease
            )
        except WritebackBusyError:
            report.busy += 1
            continue
        except KustomerBusyError as paced:
            # The rest waits for the next run, in Kustomer's next rate-limit windows.
            report.busy += 1
            report.stopped_because = f"paced: {paced}"
            break
        except KustomerOutcomeUnknownError:
            report.failed += 1
            continue
        except (KustomerAuthError, KustomerUnavailableError) as error:
            report.failed += 1
            report.stopped_because = str(error)
            break
        except KustomerError:
            report.failed += 1
            continue
        finally:
            progress()
        if outcome.result == "written":
            report.written += 1
        elif outcome.result == "not writable":
            report.not_writable += 1
        else:
            report.already_written += 1
    if report.stopped_because is None:
        _post_suppression_notes(kustomer, report, time_left, progress, interrupted)
    return report


def _post_suppression_notes(
    kustomer: KustomerWriter,
    report: ReconcileReport,
    time_left: Callable[[], float],
    progress: Callable[[], None],
    interrupted: Callable[[], bool],
) -> None:
    for address in pending_suppression_note_addresses():
        report.stopped_because = _stop_reason(time_left, interrupted)
        if report.stopped_because:
            return
        try:
            report.suppression_notes += post_suppression_note(address, kustomer)
        except KustomerBusyError as paced:
            report.stopped_because = f"paced: {paced}"
            return
        except KustomerOutcomeUnknownError:
            report.failed += 1
        except (KustomerAuthError, KustomerUnavailableError) as error:
            report.failed += 1
            report.stopped_because = str(error)
            return
        except KustomerError:
            report.failed += 1
        finally:
            progress()
