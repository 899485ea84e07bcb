"""Surveys: one per conversation and metric, queued by the scanner, sent or skipped by the
sender, and the record of what the writeback has already put into Kustomer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from enum import StrEnum

from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from surveys.adapters.store.tables import (
    TableName,
    get_or_none,
    is_condition_failure,
    is_expired,
    region,
    retention_deadline,
)
from surveys.domain.survey_request import SurveyRequest

# template.yaml declares the same index on SurveysTable, and grants the reconcile function it.
WRITEBACK_PENDING_INDEX = "writeback-pending"
# template.yaml declares it too, and grants the scanner, whose schedule sweeps it, its query.
REMINDER_DUE_INDEX = "reminder-due"


class PendingWritebackIndex(GlobalSecondaryIndex["SurveyItem"]):
    """Surveys whose latest rating is not yet in Kustomer, oldest first. One constant partition
    key is fine here: only ratings awaiting their writeback are in it, a handful at a time."""

    class Meta:
        index_name = WRITEBACK_PENDING_INDEX
        projection = KeysOnlyProjection()

    writeback_pending = UnicodeAttribute(hash_key=True)
    writeback_due_since = UTCDateTimeAttribute(range_key=True)


class ReminderDueIndex(GlobalSecondaryIndex["SurveyItem"]):
    """Sent surveys that may still get their reminder, per program, oldest sent first. Sparse:
    a survey leaves it once its reminder is queued or no longer due (answered, expired). The
    attribute keeps the name it had when there was one program per metric, named after it."""

    class Meta:
        index_name = REMINDER_DUE_INDEX
        projection = KeysOnlyProjection()

    reminder_program = UnicodeAttribute(hash_key=True, attr_name="reminder_metric")
    sent_at = UTCDateTimeAttribute(range_key=True)


class SurveyStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    SKIPPED = "skipped"
    # Erased by `surveys forget`: only the id stays, for a while, so that a request still
    # delayed on the queue finds the survey handled and sends nothing.
    FORGOTTEN = "forgotten"


class WritebackStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    NOT_WRITABLE = "not_writable"


class SurveyItem(Model):
    class Meta:
        table_name = TableName("surveys_table")
        region = region()

    survey_id = UnicodeAttribute(hash_key=True)
    conversation_id = UnicodeAttribute()
    metric = UnicodeAttribute()
    # The program that sent it; absent on surveys of earlier versions, whose program is the
    # metric's own (see program_name).
    program = UnicodeAttribute(null=True)
    customer_id = UnicodeAttribute()
    assigned_user_id = UnicodeAttribute(null=True)
    # The agent's name when the survey was sent, so reports keep it if the agent leaves.
    agent_name = UnicodeAttribute(null=True)
    assigned_team_id = UnicodeAttribute(null=True)
    # The team's name when the survey was sent, kept like agent_name.
    team_name = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default=SurveyStatus.QUEUED.value)
    skip_reason = UnicodeAttribute(null=True)
    recipient = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    language = UnicodeAttribute(null=True)
    links_expire_at = UTCDateTimeAttribute(null=True)
    queued_at = UTCDateTimeAttribute()
    sent_at = UTCDateTimeAttribute(null=True)
    # The rating version whose note is being posted; set before the POST so that a retry after a
    # timeout looks for the note instead of posting a second one.
    note_attempt_version = NumberAttribute(default=0)
    written_version = NumberAttribute(default=0)
    writeback_status = UnicodeAttribute(null=True)
    writeback_error = UnicodeAttribute(null=True)
    written_at = UTCDateTimeAttribute(null=True)
    # The latest rating version recorded, set in the rating's own transaction: the writeback
    # clears the pending marker only if it wrote this version, never when a newer one came in.
    rated_version = NumberAttribute(default=0)
    # Set while a rating awaits its writeback; only surveys carrying it are in the sparse
    # index the reconcile sweep reads.
    writeback_pending = UnicodeAttribute(null=True)
    writeback_due_since = UTCDateTimeAttribute(null=True)
    # Until when one writer (the stream or the reconcile sweep) has this survey to itself:
    # two writers at once could both post a note, or leave an older rating in the attributes.
    writeback_lease_until = UTCDateTimeAttribute(null=True)
    # DynamoDB deletes the survey then (RetentionDays after it was queued); its rating and votes
    # carry the same moment.
    retain_until = TTLAttribute(null=True)
    pending_writebacks = PendingWritebackIndex()
    # The reminder: due while `reminder_program` is set (the sparse index), then queued, then
    # sent or skipped with its reason.
    reminder_program = UnicodeAttribute(null=True, attr_name="reminder_metric")
    reminder_queued_at = UTCDateTimeAttribute(null=True)
    reminder_sent_at = UTCDateTimeAttribute(null=True)
    reminder_message_id = UnicodeAttribute(null=True)
    reminder_skip_reason = UnicodeAttribute(null=True)
    reminders_due = ReminderDueIndex()

    @property
    def program_name(self) -> str:
        return self.program or self.metric


# Errors are kept on the survey for operators, cut to a size an item can always hold.
ERROR_TEXT_LIMIT = 1000


def find_survey(survey_id: str) -> SurveyItem | None:
    """The survey, unless it is past its retention."""
    survey = get_or_none(SurveyItem, survey_id)
    return None if survey is None or is_expired(survey.retain_until) else survey


def existing_survey_ids(survey_ids: list[str]) -> set[str]:
    if not survey_ids:
        return set()
    found = SurveyItem.batch_get(set(survey_ids), attributes_to_get=["survey_id"])
    return {item.survey_id for item in found}


def survey_from_request(request: SurveyRequest, now: datetime) -> SurveyItem:
    """A queued survey as the scanner records it; not saved."""
    return SurveyItem(
        request.survey_id,
        conversation_id=request.conversation_id,
        metric=request.metric,
        program=request.program_name,
        customer_id=request.customer_id,
        assigned_user_id=request.assigned_user_id,
        assigned_team_id=request.assigned_team_id,
        status=SurveyStatus.QUEUED.value,
        queued_at=now,
        retain_until=retention_deadline(now),
    )


def record_queued_survey(request: SurveyRequest, now: datetime) -> bool:
    """Record a survey as queued unless one exists; False when another scan got there first."""
    try:
        survey_from_request(request, now).save(condition=SurveyItem.survey_id.does_not_exist())
    except PutError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


# The sender records a survey it read as queued (or found missing) only while it still is: a
# survey forgotten meanwhile stays forgotten.
_STILL_QUEUED = SurveyItem.survey_id.does_not_exist() | (
    SurveyItem.status == SurveyStatus.QUEUED.value
)


def _save_if_still_queued(survey: SurveyItem) -> bool:
    if survey.retain_until is None:
        survey.retain_until = retention_deadline(survey.queued_at)
    try:
        survey.save(condition=_STILL_QUEUED)
    except PutError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def record_skipped(survey: SurveyItem, reason: str) -> bool:
    """False when the survey was forgotten since it was read."""
    survey.status, survey.skip_reason = SurveyStatus.SKIPPED.value, reason
    return _save_if_still_queued(survey)


def record_sent(
    survey: SurveyItem,
    now: datetime,
    *,
    recipient: str,
    message_id: str,
    language: str,
    agent_name: str | None,
    team_name: str | None,
    links_expire_at: datetime,
    reminder_due: bool,
) -> bool:
    """The survey is sent; with `reminder_due` it enters the index of reminders to come. False
    when the survey was forgotten since it was read: nothing of it is stored."""
    survey.status, survey.sent_at = SurveyStatus.SENT.value, now
    survey.recipient, survey.message_id, survey.language = recipient, message_id, language
    survey.agent_name, survey.team_name = agent_name, team_name
    survey.links_expire_at = links_expire_at
    survey.reminder_program = survey.program_name if reminder_due else None
    return _save_if_still_queued(survey)


def _ignore(scanned: int) -> None:
    pass


def sent_surveys(
    metric_key: str,
    since: datetime,
    until: datetime,
    scanned: Callable[[int], None] = _ignore,
) -> Iterator[SurveyItem]:
    """Surveys of one metric sent in [since, until] and not past their retention, for reports.
    A filtered scan: DynamoDB reads the whole table and filters afterwards, which a report run
    by hand can afford (docs/operations.md gives the cost). `scanned` gets the number of items
    read so far after every page."""
    pages = SurveyItem.scan(
        (SurveyItem.metric == metric_key)
        & (SurveyItem.status == SurveyStatus.SENT.value)
        & SurveyItem.sent_at.between(since, until),
        attributes_to_get=[
            "survey_id",
            "metric",
            "program",
            "sent_at",
            "assigned_user_id",
            "agent_name",
            "assigned_team_id",
            "team_name",
            "reminder_sent_at",
            "retain_until",
        ],
    ).page_iter
    for page in pages:
        for item in page.get("Items", []):
            survey = SurveyItem.from_raw_data(item)
            if not is_expired(survey.retain_until):
                yield survey
        scanned(pages.total_scanned_count)


def surveys_in_table() -> int:
    """DynamoDB's count of the table's items, which it refreshes about every six hours."""
    return int(SurveyItem.describe_table().get("ItemCount", 0))


# --- the writeback's bookkeeping ---------------------------------------------------------------


def pending_writeback_ids(due_before: datetime) -> Iterator[str]:
    """Surveys whose writeback has been due since before `due_before`, longest due first."""
    for item in SurveyItem.pending_writebacks.query(
        WritebackStatus.PENDING.value,
        SurveyItem.writeback_due_since <= due_before,
    ):
        yield item.survey_id


def count_pending_writebacks(due_before: datetime) -> int:
    """How many surveys `pending_writeback_ids` gives now."""
    return SurveyItem.pending_writebacks.count(
        WritebackStatus.PENDING.value, SurveyItem.writeback_due_since <= due_before
    )


def take_writeback_lease(survey: SurveyItem, now: datetime, until: datetime) -> bool:
    """Hold the survey for one writer until `until`, unless another writer's lease still runs;
    on success `survey` is refreshed from the table."""
    try:
        survey.update(
            actions=[SurveyItem.writeback_lease_until.set(until)],
            condition=SurveyItem.writeback_lease_until.does_not_exist()
            | (SurveyItem.writeback_lease_until < now),
        )
    except UpdateError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def release_writeback_lease(survey: SurveyItem, until: datetime) -> None:
    """Let go of the lease taken until `until`; one that ran out and was taken by another
    writer is theirs, and stays."""
    try:
        survey.update(
            actions=[SurveyItem.writeback_lease_until.remove()],
            condition=SurveyItem.writeback_lease_until == until,
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            raise


def begin_note_attempt(survey: SurveyItem, version: int) -> None:
    """Record, before the POST, which rating version's note is being posted."""
    survey.update(actions=[SurveyItem.note_attempt_version.set(version)])


def record_writeback_error(survey: SurveyItem, error: str) -> None:
    survey.update(actions=[SurveyItem.writeback_error.set(error[:ERROR_TEXT_LIMIT])])


def mark_written(survey: SurveyItem, version: int, now: datetime) -> None:
    survey.update(
        actions=[
            SurveyItem.written_version.set(version),
            SurveyItem.writeback_error.remove(),
            SurveyItem.written_at.set(now),
        ]
    )
    settle_writeback(survey, version, WritebackStatus.DONE)


def mark_not_writable(survey: SurveyItem, version: int, error: str, now: datetime) -> None:
    """The conversation is gone: nothing to write the rating into."""
    survey.update(
        actions=[
            SurveyItem.writeback_error.set(error[:ERROR_TEXT_LIMIT]),
            SurveyItem.written_at.set(now),
        ]
    )
    settle_writeback(survey, version, WritebackStatus.NOT_WRITABLE)


def settle_writeback(survey: SurveyItem, version: int, status: WritebackStatus) -> None:
    """Take the survey out of the pending index, unless a rating newer than `version` was
    recorded meanwhile: that one still awaits its writeback."""
    try:
        survey.update(
            actions=[
                SurveyItem.writeback_status.set(status.value),
                SurveyItem.writeback_pending.remove(),
                SurveyItem.writeback_due_since.remove(),
            ],
            condition=SurveyItem.rated_version <= version,
        )
    except UpdateError as error:
        if not is_condition_failure(error):
            raise
