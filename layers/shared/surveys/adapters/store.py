"""DynamoDB items, described once as PynamoDB models; table names come from template.yaml."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from surveys.domain.metrics import METRICS
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


def _transaction_connection() -> Connection:
    """One connection for transactions per container, as the models keep theirs: a new one
    builds a botocore client, about 0.1 s of CPU on every rating recorded."""
    return _connection(_region(), os.environ.get("AWS_ENDPOINT_URL"))


@lru_cache(maxsize=4)
def _connection(region: str, endpoint: str | None) -> Connection:
    return Connection(region=region)


# template.yaml declares the same index on SurveysTable, and grants the reconcile function it.
WRITEBACK_PENDING_INDEX = "writeback-pending"


class PendingWritebackIndex(GlobalSecondaryIndex["SurveyItem"]):
    """Surveys whose latest rating is not yet in Kustomer, oldest first. One constant partition
    key is fine here: only ratings awaiting their writeback are in it, a handful at a time."""

    class Meta:
        index_name = WRITEBACK_PENDING_INDEX
        projection = KeysOnlyProjection()

    writeback_pending = UnicodeAttribute(hash_key=True)
    writeback_due_since = UTCDateTimeAttribute(range_key=True)


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
    pending_writebacks = PendingWritebackIndex()


class RatingVersionEntry(MapAttribute[str, object]):
    """One answer the recipient gave, as the rating's history keeps it."""

    version = NumberAttribute()
    score = NumberAttribute()
    comment = UnicodeAttribute(null=True)
    rated_at = UTCDateTimeAttribute()


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
    # The latest versions, oldest first (the newest is also score and comment above): a
    # writeback that comes late, after an outage, still notes each version the recipient gave.
    history = ListAttribute(of=RatingVersionEntry, null=True)


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


class TriggerItem(Model):
    """A metric's trigger settings, as validated JSON; `version` refuses lost updates."""

    class Meta:
        table_name = _TableNameFromEnvironment("STATE_TABLE")
        region = _region()

    key = UnicodeAttribute(hash_key=True)
    settings = UnicodeAttribute()
    version = VersionAttribute()


class AgentItem(Model):
    """A Kustomer user imported by `connect` / `agents sync`, so ratings name their agent."""

    class Meta:
        table_name = _TableNameFromEnvironment("STATE_TABLE")
        region = _region()

    key = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    synced_at = UTCDateTimeAttribute()


class TeamItem(Model):
    """A Kustomer team imported by `connect` / `agents sync`, so reports by team name it."""

    class Meta:
        table_name = _TableNameFromEnvironment("STATE_TABLE")
        region = _region()

    key = UnicodeAttribute(hash_key=True)
    team_id = UnicodeAttribute()
    name = UnicodeAttribute()
    synced_at = UTCDateTimeAttribute()


class CustomerContactItem(Model):
    """When a customer was last surveyed, by any metric: the survey fatigue guard."""

    class Meta:
        table_name = _TableNameFromEnvironment("STATE_TABLE")
        region = _region()

    key = UnicodeAttribute(hash_key=True)
    last_survey_id = UnicodeAttribute()
    last_surveyed_at = UTCDateTimeAttribute()


class VoteItem(Model):
    """One answer a survey link received, counted or not, with the reasons: the audit of the
    link-scanner defence (surveys/domain/votes.py)."""

    class Meta:
        table_name = _TableNameFromEnvironment("VOTES_TABLE")
        region = _region()

    survey_id = UnicodeAttribute(hash_key=True)
    # Time first, so a survey's votes of the last seconds are one range query.
    vote_id = UnicodeAttribute(range_key=True)
    received_at = UTCDateTimeAttribute()
    score = NumberAttribute()
    verdict = UnicodeAttribute()
    reasons = ListAttribute[str](default=list)
    sent_by = UnicodeAttribute()
    user_agent = UnicodeAttribute(null=True)
    # The length only: the comment itself is the rating's, and stays out of the audit.
    comment_length = NumberAttribute(default=0)
    # The rating version this vote saved, so a burst can undo exactly what it counted.
    rating_version = NumberAttribute(null=True)


# template.yaml declares the same index on SuppressionsTable, and grants the reconcile function it.
SUPPRESSION_NOTE_PENDING_INDEX = "kustomer-note-pending"


class PendingSuppressionNoteIndex(GlobalSecondaryIndex["SuppressionItem"]):
    """Suppressions whose note on the conversation is not yet in Kustomer; sparse like the
    writeback index."""

    class Meta:
        index_name = SUPPRESSION_NOTE_PENDING_INDEX
        projection = KeysOnlyProjection()

    note_pending = UnicodeAttribute(hash_key=True)
    suppressed_at = UTCDateTimeAttribute(range_key=True)


class SuppressionReason(StrEnum):
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class SuppressionItem(Model):
    """An address no survey is ever sent to again: the recipient unsubscribed, or SES reported a
    permanent bounce or a complaint. Kept apart from the state table because, unlike scan state,
    it cannot be rebuilt."""

    class Meta:
        table_name = _TableNameFromEnvironment("SUPPRESSIONS_TABLE")
        region = _region()

    # Lower-cased: mailbox providers treat addresses case-insensitively in practice.
    address = UnicodeAttribute(hash_key=True)
    reason = UnicodeAttribute()
    suppressed_at = UTCDateTimeAttribute()
    survey_id = UnicodeAttribute(null=True)
    conversation_id = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)
    note_pending = UnicodeAttribute(null=True)
    # Set before the note is posted: a retry after a lost answer looks for the note first.
    note_attempted = UnicodeAttribute(null=True)
    pending_notes = PendingSuppressionNoteIndex()


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
        assigned_team_id=request.assigned_team_id,
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


def sent_surveys(metric_key: str, since: datetime, until: datetime) -> Iterator[SurveyItem]:
    """Surveys of one metric sent in [since, until], for reports. A filtered scan: DynamoDB
    reads the whole table and filters afterwards, which a report run by hand can afford (the
    README gives the cost)."""
    return SurveyItem.scan(
        (SurveyItem.metric == metric_key)
        & (SurveyItem.status == SurveyStatus.SENT.value)
        & SurveyItem.sent_at.between(since, until),
        attributes_to_get=[
            "survey_id",
            "sent_at",
            "assigned_user_id",
            "agent_name",
            "assigned_team_id",
            "team_name",
        ],
    )


def latest_scores(survey_ids: Iterable[str]) -> dict[str, int]:
    """The latest score of every one of these surveys that was rated, read by key."""
    return {
        rating.survey_id: int(rating.score)
        for rating in RatingItem.batch_get(
            set(survey_ids), attributes_to_get=["survey_id", "score"]
        )
    }


def save_rating_marking_writeback_due(
    rating: RatingItem, survey: SurveyItem, new_version: int, now: datetime
) -> bool:
    """Save a rating version and mark its survey's writeback pending, both or neither: a rating
    is never stored without the marker the reconcile sweep finds it by. False when another
    submission saved a version first."""
    try:
        with TransactWrite(connection=_transaction_connection()) as transaction:
            transaction.save(rating)
            transaction.update(
                survey,
                actions=[
                    SurveyItem.rated_version.set(new_version),
                    SurveyItem.writeback_pending.set(WritebackStatus.PENDING.value),
                    # Due since the oldest version not yet written, not the newest.
                    SurveyItem.writeback_due_since.set(SurveyItem.writeback_due_since | now),
                    SurveyItem.writeback_status.set(WritebackStatus.PENDING.value),
                ],
            )
    except TransactWriteError as error:
        if any(
            reason is not None and reason.code == "ConditionalCheckFailed"
            for reason in error.cancellation_reasons
        ):
            return False
        raise
    return True


def pending_writeback_ids(due_before: datetime) -> Iterator[str]:
    """Surveys whose writeback has been due since before `due_before`, longest due first."""
    for item in SurveyItem.pending_writebacks.query(
        WritebackStatus.PENDING.value,
        SurveyItem.writeback_due_since <= due_before,
    ):
        yield item.survey_id


def scan_state_key(metric_key: str) -> str:
    return f"scan#{metric_key}"


def find_scan_state(metric_key: str) -> ScanStateItem | None:
    try:
        return ScanStateItem.get(scan_state_key(metric_key), consistent_read=True)
    except DoesNotExist:
        return None


def trigger_key(metric_key: str) -> str:
    return f"trigger#{metric_key}"


def find_trigger(metric_key: str) -> TriggerItem | None:
    try:
        return TriggerItem.get(trigger_key(metric_key), consistent_read=True)
    except DoesNotExist:
        return None


def all_triggers() -> list[TriggerItem]:
    keys = [trigger_key(metric) for metric in METRICS]
    return sorted(TriggerItem.batch_get(keys), key=lambda item: item.key)


def customer_contact_key(customer_id: str) -> str:
    return f"customer#{customer_id}"


def agent_key(user_id: str) -> str:
    return f"agent#{user_id}"


def find_agent(user_id: str) -> AgentItem | None:
    try:
        return AgentItem.get(agent_key(user_id))
    except DoesNotExist:
        return None


def all_agents() -> list[AgentItem]:
    """Every imported agent. A filtered scan of the state table: only admin commands need the
    whole list, and they run rarely."""
    return list(AgentItem.scan(AgentItem.key.startswith(agent_key("")), consistent_read=True))


def team_key(team_id: str) -> str:
    return f"team#{team_id}"


def find_team(team_id: str) -> TeamItem | None:
    try:
        return TeamItem.get(team_key(team_id))
    except DoesNotExist:
        return None


def all_teams() -> list[TeamItem]:
    """Every imported team, scanned like `all_agents`."""
    return list(TeamItem.scan(TeamItem.key.startswith(team_key("")), consistent_read=True))


def claim_customer_contact(customer_id: str, survey_id: str, now: datetime, days: int) -> bool:
    """Record that this survey contacts the customer, unless another survey did within `days`.
    A retry of the same survey keeps its claim."""
    contact = CustomerContactItem(
        customer_contact_key(customer_id), last_survey_id=survey_id, last_surveyed_at=now
    )
    try:
        contact.save(
            condition=CustomerContactItem.key.does_not_exist()
            | (CustomerContactItem.last_surveyed_at < now - timedelta(days=days))
            | (CustomerContactItem.last_survey_id == survey_id)
        )
    except PutError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def release_customer_contact(customer_id: str, survey_id: str) -> None:
    """Undo a claim whose email was never sent, so the customer can be surveyed again."""
    try:
        CustomerContactItem(customer_contact_key(customer_id)).delete(
            condition=CustomerContactItem.last_survey_id == survey_id
        )
    except DeleteError as error:
        if not is_condition_failure(error):
            raise


def _vote_time(moment: datetime) -> str:
    """Fixed width, so vote ids sort by time as strings."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_vote_id(received_at: datetime) -> str:
    return f"{_vote_time(received_at)}#{secrets.token_hex(4)}"


def votes_since(survey_id: str, since: datetime) -> list[VoteItem]:
    return list(
        VoteItem.query(survey_id, VoteItem.vote_id >= _vote_time(since), consistent_read=True)
    )


def hold_votes(votes: list[VoteItem], reason: str) -> None:
    for vote in votes:
        vote.update(
            actions=[
                VoteItem.verdict.set("held"),
                VoteItem.reasons.set(VoteItem.reasons.append([reason])),
            ]
        )


def withdraw_unwritten_rating(rating: RatingItem, survey: SurveyItem, now: datetime) -> bool:
    """Delete a rating that never reached Kustomer, and take its survey off the writeback index;
    False when a writeback has already begun, or a newer version came in."""
    try:
        with TransactWrite(connection=_transaction_connection()) as transaction:
            transaction.delete(rating)
            transaction.update(
                survey,
                actions=[
                    SurveyItem.rated_version.set(0),
                    SurveyItem.writeback_pending.remove(),
                    SurveyItem.writeback_due_since.remove(),
                    SurveyItem.writeback_status.remove(),
                ],
                condition=(SurveyItem.written_version == 0)
                & (SurveyItem.note_attempt_version == 0)
                & (
                    SurveyItem.writeback_lease_until.does_not_exist()
                    | (SurveyItem.writeback_lease_until < now)
                ),
            )
    except TransactWriteError as error:
        if any(
            reason is not None and reason.code == "ConditionalCheckFailed"
            for reason in error.cancellation_reasons
        ):
            return False
        raise
    return True


def normalized_address(address: str) -> str:
    return address.strip().lower()


def find_suppression(address: str) -> SuppressionItem | None:
    try:
        return SuppressionItem.get(normalized_address(address), consistent_read=True)
    except DoesNotExist:
        return None


def suppress_address(
    address: str,
    reason: SuppressionReason,
    now: datetime,
    *,
    survey_id: str | None = None,
    conversation_id: str | None = None,
    detail: str | None = None,
) -> bool:
    """Never survey this address again; False when it already was suppressed (the first
    reason stays). A note on the conversation is due when the conversation is known."""
    item = SuppressionItem(
        normalized_address(address),
        reason=reason.value,
        suppressed_at=now,
        survey_id=survey_id,
        conversation_id=conversation_id,
        detail=detail,
        note_pending="pending" if conversation_id else None,
    )
    try:
        item.save(condition=SuppressionItem.address.does_not_exist())
    except PutError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def pending_suppression_note_addresses() -> Iterator[str]:
    for item in SuppressionItem.pending_notes.query("pending"):
        yield item.address
