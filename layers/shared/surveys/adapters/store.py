"""DynamoDB items, described once as PynamoDB models; table names come from template.yaml."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from enum import StrEnum

from pynamodb.attributes import (
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.models import Model

from surveys.domain.survey_request import SurveyRequest


class _TableNameFromEnvironment:
    """Read the table name when it is used, not at import: template.yaml sets it per function,
    and PynamoDB reconnects when the name it sees changes."""

    def __init__(self, variable: str) -> None:
        self._variable = variable

    def __get__(self, instance: object, owner: type) -> str:
        return os.environ.get(self._variable, "")


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


class SurveyStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    SKIPPED = "skipped"


class WritebackStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    NOT_WRITABLE = "not_writable"


class SurveyItem(Model):
    """One survey per conversation and metric: queued by the scanner, sent or skipped by the
    sender, and the record of what the writeback has already put into Kustomer."""

    class Meta:
        table_name = _TableNameFromEnvironment("SURVEYS_TABLE")
        region = _region()

    survey_id = UnicodeAttribute(hash_key=True)
    conversation_id = UnicodeAttribute()
    metric = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    assigned_user_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default=SurveyStatus.QUEUED.value)
    skip_reason = UnicodeAttribute(null=True)
    recipient = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    queued_at = UTCDateTimeAttribute()
    sent_at = UTCDateTimeAttribute(null=True)
    # The rating version whose note is being posted; set before the POST so that a retry after a
    # timeout looks for the note instead of posting a second one.
    note_attempt_version = NumberAttribute(default=0)
    written_version = NumberAttribute(default=0)
    writeback_status = UnicodeAttribute(null=True)
    writeback_error = UnicodeAttribute(null=True)
    written_at = UTCDateTimeAttribute(null=True)


class RatingItem(Model):
    """The recipient's answer; every change bumps `version`, and the table's stream drives the
    writeback."""

    class Meta:
        table_name = _TableNameFromEnvironment("RATINGS_TABLE")
        region = _region()

    survey_id = UnicodeAttribute(hash_key=True)
    conversation_id = UnicodeAttribute()
    metric = UnicodeAttribute()
    score = NumberAttribute()
    comment = UnicodeAttribute(null=True)
    # PynamoDB bumps it on every save and refuses a save made from a stale read.
    version = VersionAttribute()
    rated_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class ScanStateItem(Model):
    """Per metric: when scanning started and how far through history it has come."""

    class Meta:
        table_name = _TableNameFromEnvironment("STATE_TABLE")
        region = _region()

    key = UnicodeAttribute(hash_key=True)
    activated_at = UTCDateTimeAttribute()
    watermark = UTCDateTimeAttribute()
    # Within a run of conversations sharing one updatedAt longer than a page, the page to resume.
    tie_page = NumberAttribute(default=1)
    last_scan_at = UTCDateTimeAttribute(null=True)
    last_complete_at = UTCDateTimeAttribute(null=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


def is_condition_failure(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def existing_survey_ids(survey_ids: list[str]) -> set[str]:
    if not survey_ids:
        return set()
    found = SurveyItem.batch_get(set(survey_ids), attributes_to_get=["survey_id"])
    return {item.survey_id for item in found}


def survey_from_request(request: SurveyRequest, now: datetime) -> SurveyItem:
    return SurveyItem(
        request.survey_id,
        conversation_id=request.conversation_id,
        metric=request.metric,
        customer_id=request.customer_id,
        assigned_user_id=request.assigned_user_id,
        status=SurveyStatus.QUEUED.value,
        queued_at=now,
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


def find_survey(survey_id: str) -> SurveyItem | None:
    try:
        return SurveyItem.get(survey_id, consistent_read=True)
    except DoesNotExist:
        return None


def find_rating(survey_id: str) -> RatingItem | None:
    try:
        return RatingItem.get(survey_id, consistent_read=True)
    except DoesNotExist:
        return None


def scan_state_key(metric_key: str) -> str:
    return f"scan#{metric_key}"


def find_scan_state(metric_key: str) -> ScanStateItem | None:
    try:
        return ScanStateItem.get(scan_state_key(metric_key), consistent_read=True)
    except DoesNotExist:
        return None
