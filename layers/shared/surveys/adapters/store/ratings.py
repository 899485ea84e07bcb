"""Ratings: the recipient's answer and the versions of it the writeback still has to note.
Every change bumps `version`, and the table's stream drives the writeback."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from surveys.adapters.store.surveys import SurveyItem, WritebackStatus
from surveys.adapters.store.tables import (
    TableName,
    get_or_none,
    is_condition_failure,
    is_expired,
    region,
    retention_deadline,
    transaction_connection,
)


class RatingVersionEntry(MapAttribute[str, object]):
    """One answer the recipient gave, as the rating's history keeps it."""

    version = NumberAttribute()
    score = NumberAttribute()
    comment = UnicodeAttribute(null=True)
    # Ids of the reasons ticked with a negative score (surveys/domain/reasons.py).
    reasons = ListAttribute[str](null=True)
    rated_at = UTCDateTimeAttribute()


class RatingItem(Model):
    class Meta:
        table_name = TableName("ratings_table")
        region = region()

    survey_id = UnicodeAttribute(hash_key=True)
    conversation_id = UnicodeAttribute()
    metric = UnicodeAttribute()
    score = NumberAttribute()
    comment = UnicodeAttribute(null=True)
    reasons = ListAttribute[str](null=True)
    # PynamoDB bumps it on every save and refuses a save made from a stale read.
    version = VersionAttribute()
    rated_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    # The latest versions, oldest first (the newest is also score and comment above): a
    # writeback that comes late, after an outage, still notes each version the recipient gave.
    history = ListAttribute(of=RatingVersionEntry, null=True)
    # Deleted with its survey (surveys.SurveyItem.retain_until).
    retain_until = TTLAttribute(null=True)


class _UnversionedRating(Model):
    """A rating's key and deletion date, for the writes that must not bump its version: the
    version counts the recipient's answers, and the writeback notes each."""

    class Meta:
        table_name = TableName("ratings_table")
        region = region()

    survey_id = UnicodeAttribute(hash_key=True)
    retain_until = TTLAttribute(null=True)


def find_rating(survey_id: str) -> RatingItem | None:
    """The rating, unless it is past its retention."""
    rating = get_or_none(RatingItem, survey_id)
    return None if rating is None or is_expired(rating.retain_until) else rating


def latest_ratings(survey_ids: Iterable[str]) -> dict[str, RatingItem]:
    """The latest rating of every one of these surveys that was rated (score, reasons, first
    answered), read by key."""
    return {
        rating.survey_id: rating
        for rating in RatingItem.batch_get(
            set(survey_ids),
            attributes_to_get=["survey_id", "score", "reasons", "rated_at", "retain_until"],
        )
        if not is_expired(rating.retain_until)
    }


def ratings_of(survey_ids: Collection[str]) -> list[RatingItem]:
    """Every rating held of these surveys, past their retention too: for forget and export."""
    if not survey_ids:
        return []
    found = RatingItem.batch_get(set(survey_ids))
    return sorted(found, key=lambda rating: rating.survey_id)


def set_rating_retention(survey_id: str, until: datetime) -> int:
    """Give the survey's rating, if any, its deletion date; how many were given one."""
    try:
        _UnversionedRating(survey_id).update(
            actions=[_UnversionedRating.retain_until.set(until)],
            condition=_UnversionedRating.survey_id.exists(),
        )
    except UpdateError as error:
        if is_condition_failure(error):
            return 0
        raise
    return 1


def erase_rating(rating: RatingItem) -> None:
    """Delete the rating with every version and comment it kept, also if the recipient changed
    it since it was read. Its stream record is a removal, which the writeback ignores."""
    _UnversionedRating(rating.survey_id).delete()


def save_rating_version(
    survey: SurveyItem,
    previous: RatingItem | None,
    *,
    score: int,
    comment: str | None,
    reasons: list[str],
    now: datetime,
    keep_versions: int,
    forget_versions_from: int | None = None,
) -> RatingItem | None:
    """Save the answer as the rating's next version, keeping the last `keep_versions` in its
    history (none from `forget_versions_from` on), and mark the survey's writeback pending: both
    or neither, so a rating is never stored without the marker the reconcile sweep finds it by.
    None when another submission saved a version since `previous` was read."""
    if previous is None:
        rating = RatingItem(
            survey.survey_id,
            conversation_id=survey.conversation_id,
            metric=survey.metric,
            score=score,
            comment=comment,
            reasons=reasons or None,
            rated_at=now,
            updated_at=now,
            retain_until=survey.retain_until or retention_deadline(now),
        )
    else:
        rating = previous
        rating.score, rating.comment, rating.updated_at = score, comment, now
        rating.reasons = reasons or None
    new_version = int(rating.version or 0) + 1
    kept = [
        entry
        for entry in rating.history or []
        if forget_versions_from is None or int(entry.version) < forget_versions_from
    ]
    rating.history = [
        *kept[-(keep_versions - 1) :],
        RatingVersionEntry(
            version=new_version,
            score=score,
            comment=comment,
            reasons=reasons or None,
            rated_at=now,
        ),
    ]
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
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
        if is_condition_failure(error):
            return None
        raise
    return rating


def withdraw_unwritten_rating(rating: RatingItem, survey: SurveyItem, now: datetime) -> bool:
    """Delete a rating that never reached Kustomer, and take its survey off the writeback index;
    False when a writeback has already begun, or a newer version came in."""
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
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
        if is_condition_failure(error):
            return False
        raise
    return True
