"""Write back: put a rating into Kustomer as a note and custom attributes, once per version.

The note is the only step that is not naturally idempotent. Before posting it, the survey records
which rating version is being noted; if that attempt died halfway (a timeout after Kustomer took
the note), the retry finds the note by its reference line instead of posting a second one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pynamodb.exceptions import UpdateError

from surveys.adapters.kustomer import KustomerError, KustomerNotFoundError, Note
from surveys.adapters.store import (
    RatingItem,
    SurveyItem,
    WritebackStatus,
    find_rating,
    find_survey,
    is_condition_failure,
)
from surveys.domain.metrics import Metric, metric_by_key
from surveys.observability import logger


class KustomerWriter(Protocol):
    def create_note(self, conversation_id: str, body: str) -> str: ...

    def conversation_notes(self, conversation_id: str) -> Iterator[Note]: ...

    def set_conversation_custom_attributes(
        self, conversation_id: str, values: dict[str, Any]
    ) -> None: ...


@dataclass(frozen=True)
class RatingVersion:
    """One version of a rating, as the stream delivered it or as the table holds it now."""

    survey_id: str
    conversation_id: str
    metric: str
    score: int
    comment: str | None
    version: int

    @classmethod
    def of(cls, item: RatingItem) -> RatingVersion:
        return cls(
            survey_id=item.survey_id,
            conversation_id=item.conversation_id,
            metric=item.metric,
            score=int(item.score),
            comment=item.comment,
            version=int(item.version or 1),
        )

    @classmethod
    def from_stream_image(cls, image: dict[str, Any]) -> RatingVersion:
        return cls.of(RatingItem.from_raw_data(image))


@dataclass(frozen=True)
class WritebackOutcome:
    survey_id: str
    result: str
    version: int = 0


def note_reference(survey_id: str, version: int) -> str:
    return f"Survey reference: {survey_id} v{version}"


def compose_note(metric: Metric, rating: RatingVersion) -> str:
    score = rating.score
    version = rating.version
    heading = f"{metric.name} ({metric.key.upper()}) rating"
    if version > 1:
        heading += " changed"
    lines = [
        f"{heading}: {score} out of {metric.highest} - {metric.label(score)}"
        f" ({metric.sentiment(score).value})",
        f"Comment: {rating.comment}" if rating.comment else "No comment given.",
        note_reference(rating.survey_id, version),
    ]
    return "\n".join(lines)


def _note_already_posted(kustomer: KustomerWriter, conversation_id: str, reference: str) -> bool:
    return any(reference in note.body for note in kustomer.conversation_notes(conversation_id))


def _mark_not_writable(survey: SurveyItem, reason: str, now: datetime) -> None:
    survey.update(
        actions=[
            SurveyItem.writeback_status.set(WritebackStatus.NOT_WRITABLE.value),
            SurveyItem.writeback_error.set(reason[:1000]),
            SurveyItem.written_at.set(now),
        ]
    )


def write_back_rating(
    survey_id: str,
    *,
    kustomer: KustomerWriter,
    now: datetime,
    delivered: RatingVersion | None = None,
) -> WritebackOutcome:
    """Note the delivered rating version (the latest when none is given) and set the custom
    attributes to the latest rating; a version already written does nothing."""
    latest = find_rating(survey_id)
    survey = find_survey(survey_id)
    if latest is None or survey is None:
        return WritebackOutcome(survey_id, "nothing to write")
    current = RatingVersion.of(latest)
    noted = delivered if delivered is not None and delivered.version <= current.version else current
    if int(survey.written_version) >= noted.version:
        return WritebackOutcome(survey_id, "already written", noted.version)
    metric = metric_by_key(current.metric)
    reference = note_reference(survey_id, noted.version)
    log_keys = {
        "survey_id": survey_id,
        "conversation_id": current.conversation_id,
        "version": noted.version,
    }
    try:
        retrying_note = int(survey.note_attempt_version) == noted.version
        if not (
            retrying_note and _note_already_posted(kustomer, current.conversation_id, reference)
        ):
            if not retrying_note:
                survey.update(actions=[SurveyItem.note_attempt_version.set(noted.version)])
            kustomer.create_note(current.conversation_id, compose_note(metric, noted))
        kustomer.set_conversation_custom_attributes(
            current.conversation_id,
            {
                metric.score_attribute: current.score,
                metric.comment_attribute: current.comment or "",
            },
        )
    except KustomerNotFoundError as error:
        logger.warning(
            "Conversation is gone; rating not writable", extra={**log_keys, "reason": error.detail}
        )
        _mark_not_writable(survey, str(error), now)
        return WritebackOutcome(survey_id, "not writable", noted.version)
    except KustomerError as error:
        survey.update(actions=[SurveyItem.writeback_error.set(str(error)[:1000])])
        raise
    try:
        survey.update(
            actions=[
                SurveyItem.written_version.set(noted.version),
                SurveyItem.writeback_status.set(WritebackStatus.DONE.value),
                SurveyItem.writeback_error.remove(),
                SurveyItem.written_at.set(now),
            ],
            condition=SurveyItem.written_version < noted.version,
        )
    except UpdateError as error:
        # A concurrent writeback recorded a later version first; Kustomer has both notes.
        if not is_condition_failure(error):
            raise
    logger.info("Rating written back to Kustomer", extra=log_keys)
    return WritebackOutcome(survey_id, "written", noted.version)
