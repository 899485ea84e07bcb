"""The reminder of a sent survey, in the surveys table: the surveys of a program due one (the
sparse `reminder-due` index), and the reminder queued, sent or cancelled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from surveys.adapters.store.surveys import SurveyItem, SurveyStatus
from surveys.adapters.store.tables import is_condition_failure, is_expired


def survey_ids_due_a_reminder(program: str, sent_before: datetime) -> Iterator[str]:
    """Surveys of the program sent before `sent_before` whose reminder is still to be decided,
    oldest first."""
    for item in SurveyItem.reminders_due.query(program, SurveyItem.sent_at <= sent_before):
        yield item.survey_id


def find_surveys(survey_ids: list[str]) -> list[SurveyItem]:
    """These surveys, but those past their retention."""
    found = SurveyItem.batch_get(set(survey_ids)) if survey_ids else []
    return [survey for survey in found if not is_expired(survey.retain_until)]


def _leave_reminder_index(survey: SurveyItem, action: Action) -> bool:
    try:
        survey.update(
            actions=[SurveyItem.reminder_program.remove(), action],
            condition=SurveyItem.reminder_program.exists(),
        )
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def record_reminder_queued(survey: SurveyItem, now: datetime) -> bool:
    """The reminder is on the queue: the survey leaves the index. False when another sweep (or
    a cancellation) took it off first."""
    return _leave_reminder_index(survey, SurveyItem.reminder_queued_at.set(now))


def cancel_reminder(survey: SurveyItem, reason: str) -> None:
    """No reminder for this survey, and why; it leaves the index if it was in it."""
    if not _leave_reminder_index(survey, SurveyItem.reminder_skip_reason.set(reason)):
        survey.update(actions=[SurveyItem.reminder_skip_reason.set(reason)])


def record_reminder_sent(survey: SurveyItem, now: datetime, message_id: str) -> bool:
    """False when the reminder was recorded as sent already (a duplicate that got this far)."""
    try:
        survey.update(
            actions=[
                SurveyItem.reminder_sent_at.set(now),
                SurveyItem.reminder_message_id.set(message_id),
                SurveyItem.reminder_program.remove(),
            ],
            # Not onto what `surveys forget` left of a survey forgotten meanwhile.
            condition=SurveyItem.reminder_sent_at.does_not_exist()
            & (SurveyItem.status == SurveyStatus.SENT.value),
        )
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True
