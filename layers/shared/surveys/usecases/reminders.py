"""Reminders, the sweep: each scanner run queues the reminders that have become due.

A survey sent while its trigger asked for reminders is in the sparse `reminder-due` index,
oldest first, until its reminder is queued or not due any more. The sweep reads, per active
trigger, those sent `reminder_after_days` ago or longer, drops those answered or about to
expire, queues the others for the sender (which decides again, at sending time: the send
window, unsubscribes, bounces) and takes them out of the index. A reminder queued twice (two
sweeps, or a crash before it left the index) is sent once: the sender's idempotency and the
survey's `reminder_sent_at` see to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Protocol

from surveys.adapters.store.survey_reminders import (
    cancel_reminder,
    find_surveys,
    record_reminder_queued,
    survey_ids_due_a_reminder,
)
from surveys.adapters.store.surveys import SurveyItem
from surveys.domain.reminders import reminder_refusal
from surveys.domain.survey_request import SurveyRequest
from surveys.domain.triggers import TriggerSettings
from surveys.observability import logger

SWEEP_BATCH = 10
TIME_RESERVE_SECONDS = 10.0


class RequestQueue(Protocol):
    def send(self, requests: list[SurveyRequest]) -> None: ...


@dataclass
class ReminderSweep:
    metric: str
    program: str
    queued: int = 0
    dropped: int = 0
    stopped_because: str | None = None


def _batches(ids: Iterator[str]) -> Iterator[list[str]]:
    while batch := list(islice(ids, SWEEP_BATCH)):
        yield batch


def reminder_request(survey: SurveyItem) -> SurveyRequest:
    return SurveyRequest(
        survey_id=survey.survey_id,
        conversation_id=survey.conversation_id,
        customer_id=survey.customer_id,
        metric=survey.metric,
        program=survey.program_name,
        assigned_user_id=survey.assigned_user_id,
        assigned_team_id=survey.assigned_team_id,
        kind="reminder",
    )


def queue_due_reminders(
    trigger: TriggerSettings,
    *,
    queue: RequestQueue,
    now: datetime,
    time_left: Callable[[], float],
) -> ReminderSweep:
    sweep = ReminderSweep(trigger.metric, trigger.name)
    if not trigger.active or not trigger.reminder_after_days:
        return sweep
    due = survey_ids_due_a_reminder(trigger.name, now - trigger.reminder_delay)
    for batch in _batches(due):
        if time_left() < TIME_RESERVE_SECONDS:
            sweep.stopped_because = "time nearly up; the next scan goes on"
            break
        ready = []
        for survey in find_surveys(batch):
            refusal = reminder_refusal(
                answered=int(survey.rated_version or 0) > 0,
                links_expire_at=survey.links_expire_at,
                now=now,
                due_at=survey.sent_at + trigger.reminder_delay if survey.sent_at else None,
            )
            if refusal:
                cancel_reminder(survey, refusal)
                sweep.dropped += 1
            else:
                ready.append(survey)
        # Queued first, then out of the index: a crash in between queues it again next time,
        # which the sender sends once; the other order could lose it.
        queue.send([reminder_request(survey) for survey in ready])
        sweep.queued += sum(record_reminder_queued(survey, now) for survey in ready)
    if sweep.queued or sweep.dropped:
        logger.info(
            "Reminders swept",
            extra={"program": trigger.name, "queued": sweep.queued, "dropped": sweep.dropped},
        )
    return sweep
