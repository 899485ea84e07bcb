"""Write back: put a rating into Kustomer as a note and custom attributes, once per version;
tag the conversation of a negative answer when the trigger says so; and put an event per
version on the stack's bus (surveys/domain/events.py).

The note is the only step that is not naturally idempotent. Before posting it, the survey records
which rating version is being noted; if that attempt died halfway (a timeout after Kustomer took
the note), the retry finds the note by its reference line instead of posting a second one. The
rating keeps its versions, so a writeback that comes late, replayed or out of order still notes
each version once, oldest first; a lease on the survey keeps the stream and the reconcile sweep
from writing the same survey at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any, Protocol

from surveys.adapters.kustomer.errors import (
    KustomerError,
    KustomerNotFoundError,
    KustomerUnavailableError,
)
from surveys.adapters.kustomer.resources import Note
from surveys.adapters.store.ratings import RatingItem, find_rating
from surveys.adapters.store.surveys import (
    SurveyItem,
    WritebackStatus,
    begin_note_attempt,
    find_survey,
    mark_not_writable,
    mark_written,
    record_writeback_error,
    release_writeback_lease,
    settle_writeback,
    take_writeback_lease,
)
from surveys.domain.events import SurveyEvent, answer_event
from surveys.domain.metrics import Metric, Sentiment, metric_by_key
from surveys.domain.triggers import TriggerSettings
from surveys.observability import logger
from surveys.usecases.survey_events import EventPublisher, survey_facts
from surveys.usecases.triggers import trigger_settings


class KustomerWriter(Protocol):
    def create_note(self, conversation_id: str, body: str) -> str: ...

    def conversation_notes(self, conversation_id: str) -> Iterator[Note]: ...

    def set_conversation_custom_attributes(
        self, conversation_id: str, values: dict[str, Any]
    ) -> None: ...

    def append_conversation_tags(self, conversation_id: str, tags: list[str]) -> None: ...


@dataclass(frozen=True)
class RatingVersion:
    """One version of a rating, as the rating's history keeps it."""

    survey_id: str
    conversation_id: str
    metric: str
    score: int
    comment: str | None
    version: int
    reasons: tuple[str, ...] = ()
    rated_at: datetime | None = None

    @classmethod
    def of(cls, item: RatingItem) -> RatingVersion:
        return cls(
            survey_id=item.survey_id,
            conversation_id=item.conversation_id,
            metric=item.metric,
            score=int(item.score),
            comment=item.comment,
            version=int(item.version or 1),
            reasons=tuple(item.reasons or ()),
            rated_at=item.updated_at,
        )


# No Lambda invocation runs longer, so no lease needs to outlast it.
LONGEST_INVOCATION = timedelta(minutes=15)


class WritebackBusyError(Exception):
    """Another invocation is writing this survey back right now; try again later."""


@dataclass(frozen=True)
class WritebackOutcome:
    survey_id: str
    result: str
    version: int = 0
    # Set when this writer wrote the rating, or found its conversation gone.
    metric: str | None = None


def note_reference(survey_id: str, version: int) -> str:
    return f"Survey reference: {survey_id} v{version}"


def escaped_for_note(text: str) -> str:
    """Text a recipient (or a remote mail server) wrote, made inert for Kustomer, which may show
    a note as HTML: markup is escaped."""
    return escape(text, quote=False)


def quoted_comment(comment: str) -> list[str]:
    """The comment as quoted lines: no line of it can pass for the note's reference line, which
    the writeback looks for before posting again."""
    return ["Comment:", *(f"> {escaped_for_note(line)}" for line in comment.splitlines())]


def compose_note(
    metric: Metric, rating: RatingVersion, reason_labels: dict[str, str] | None = None
) -> str:
    """The note, in English like the agents' desk; `reason_labels` names the reasons' ids."""
    score = rating.score
    version = rating.version
    heading = f"{metric.name} ({metric.key.upper()}) rating"
    if version > 1:
        heading += " changed"
    labels = reason_labels or {}
    reasons = [escaped_for_note(labels.get(reason, reason)) for reason in rating.reasons]
    lines = [
        f"{heading}: {score} out of {metric.highest} - {metric.label(score)}"
        f" ({metric.sentiment(score).value})",
        *([f"What went wrong: {'; '.join(reasons)}"] if reasons else []),
        *(quoted_comment(rating.comment) if rating.comment else ["No comment given."]),
        note_reference(rating.survey_id, version),
    ]
    return "\n".join(lines)


def rating_versions(rating: RatingItem) -> list[RatingVersion]:
    """The kept versions of a rating, oldest first."""
    if not rating.history:
        # Saved without its history (by hand, or before versions were kept): only the latest.
        return [RatingVersion.of(rating)]
    return [
        RatingVersion(
            survey_id=rating.survey_id,
            conversation_id=rating.conversation_id,
            metric=rating.metric,
            score=int(entry.score),
            comment=entry.comment,
            version=int(entry.version),
            reasons=tuple(entry.reasons or ()),
            rated_at=entry.rated_at,
        )
        for entry in rating.history
    ]


def _posted_references(kustomer: KustomerWriter, conversation_id: str) -> set[str]:
    """The reference lines of the conversation's notes, whole: `... v1` is a prefix of `... v12`."""
    return {
        line.strip()
        for note in kustomer.conversation_notes(conversation_id)
        for line in note.body.splitlines()
    }


def _post_notes_once(
    kustomer: KustomerWriter,
    survey: SurveyItem,
    metric: Metric,
    versions: list[RatingVersion],
    reason_labels: dict[str, str],
) -> None:
    """Post each version's note exactly once, oldest first. Before each POST the survey records
    the version being noted: a version below that mark was posted; the one at the mark may have
    been (the invocation stopped, or Kustomer's answer was lost), so the notes are checked."""
    posted: set[str] | None = None
    for version in versions:
        attempted = int(survey.note_attempt_version)
        if attempted > version.version:
            continue
        if attempted == version.version:
            if posted is None:
                posted = _posted_references(kustomer, version.conversation_id)
            if note_reference(version.survey_id, version.version) in posted:
                continue
        else:
            begin_note_attempt(survey, version.version)
        kustomer.create_note(version.conversation_id, compose_note(metric, version, reason_labels))


@contextmanager
def _writeback_lease(survey: SurveyItem, now: datetime, lease: timedelta) -> Iterator[None]:
    """Hold the survey for this writer alone; `survey` is refreshed from the table on taking it.
    A writer that dies without letting go (a Lambda timeout) loses the lease when it runs out."""
    until = now + lease
    if not take_writeback_lease(survey, now, until):
        raise WritebackBusyError(
            f"survey {survey.survey_id} is being written back by another invocation"
        )
    try:
        yield
    finally:
        release_writeback_lease(survey, until)


def write_back_rating(
    survey_id: str,
    *,
    kustomer: KustomerWriter,
    events: EventPublisher,
    now: datetime,
    lease: timedelta = LONGEST_INVOCATION,
) -> WritebackOutcome:
    """Post a note for every rating version not yet in Kustomer and set the custom attributes to
    the latest. Whatever starts it (a stream record, replayed or out of order, or the reconcile
    sweep) does the same, so a survey already written does nothing. `lease` is how long this
    writer may take: the time left in its invocation."""
    rating = find_rating(survey_id)
    survey = find_survey(survey_id)
    if rating is None or survey is None:
        return WritebackOutcome(survey_id, "nothing to write")
    written = int(survey.written_version)
    if written >= int(rating.version):
        if survey.writeback_pending:
            # Written, but the writer stopped before taking the survey out of the index.
            settle_writeback(survey, written, WritebackStatus.DONE)
        return WritebackOutcome(survey_id, "already written", written)
    gone = survey.writeback_status == WritebackStatus.NOT_WRITABLE.value
    if gone and not survey.writeback_pending:
        # The conversation was deleted; only a new rating version makes trying again worth it.
        return WritebackOutcome(survey_id, "not writable", int(rating.version))
    with _writeback_lease(survey, now, lease):
        # Read again under the lease: a burst of suspect votes may have withdrawn the rating
        # since (surveys/domain/votes.py), and it must not reach Kustomer then.
        current = find_rating(survey_id)
        if current is None:
            return WritebackOutcome(survey_id, "nothing to write")
        return _write(survey, current, kustomer, events, now)


def _answer_events(
    survey: SurveyItem,
    metric: Metric,
    versions: list[RatingVersion],
    scores: dict[int, int],
    now: datetime,
) -> list[SurveyEvent]:
    """An event per version in `versions`; `scores` holds every kept version's score, for the
    previous score of a changed answer."""
    facts = survey_facts(survey)
    return [
        answer_event(
            facts,
            metric,
            version=version.version,
            score=version.score,
            previous_score=scores.get(version.version - 1),
            reasons=version.reasons,
            comment_length=len(version.comment or ""),
            answered_at=version.rated_at or now,
        )
        for version in versions
    ]


def _attributes(
    trigger: TriggerSettings, latest: RatingVersion, versions: list[RatingVersion]
) -> dict[str, Any]:
    """The custom attributes of the latest answer. The reasons' ids go in comma-separated, and
    only into a conversation whose rating ever had reasons: a stack upgraded before `surveys
    connect` created the attribute keeps writing every rating without them."""
    values: dict[str, Any] = {
        trigger.score_attribute_name(): latest.score,
        trigger.comment_attribute_name(): latest.comment or "",
    }
    if any(version.reasons for version in versions):
        values[trigger.reason_attribute_name()] = ",".join(latest.reasons)
    return values


def _tag_if_negative(
    kustomer: KustomerWriter, trigger: TriggerSettings, metric: Metric, latest: RatingVersion
) -> None:
    """Recovery: the trigger's tag on the conversation of a negative answer, for Kustomer's
    workflows and queues. Appending a tag the conversation has changes nothing, so a retry is
    harmless; the tag is never taken off, also when the answer changes for the better."""
    if trigger.negative_tag and metric.sentiment(latest.score) is Sentiment.NEGATIVE:
        kustomer.append_conversation_tags(latest.conversation_id, [trigger.negative_tag])


def _write(
    survey: SurveyItem,
    rating: RatingItem,
    kustomer: KustomerWriter,
    events: EventPublisher,
    now: datetime,
) -> WritebackOutcome:
    latest = RatingVersion.of(rating)
    written = int(survey.written_version)
    if written >= latest.version:
        # Another writer finished between our first read and taking the lease.
        return WritebackOutcome(survey.survey_id, "already written", written)
    trigger = trigger_settings(survey.program_name)
    log_keys = {
        "survey_id": survey.survey_id,
        "conversation_id": latest.conversation_id,
        "version": latest.version,
    }
    metric = metric_by_key(latest.metric)
    all_versions = rating_versions(rating)
    unwritten = [version for version in all_versions if version.version > written]
    reason_labels = {reason.id: reason.label for reason in trigger.reason_options}
    try:
        _post_notes_once(kustomer, survey, metric, unwritten, reason_labels)
        kustomer.set_conversation_custom_attributes(
            latest.conversation_id, _attributes(trigger, latest, all_versions)
        )
        _tag_if_negative(kustomer, trigger, metric, latest)
    except KustomerNotFoundError as error:
        logger.warning(
            "Conversation is gone; rating not writable", extra={**log_keys, "reason": error.detail}
        )
        mark_not_writable(survey, latest.version, str(error), now)
        return WritebackOutcome(survey.survey_id, "not writable", latest.version, latest.metric)
    except (KustomerError, KustomerUnavailableError) as error:
        # Kept on the survey for operators; the rating stays pending and is tried again.
        logger.warning("Writeback failed", extra={**log_keys, "reason": str(error)})
        record_writeback_error(survey, str(error))
        raise
    # Before the versions count as written: a failure here retries them, notes found posted.
    scores = {version.version: version.score for version in all_versions}
    events.publish(_answer_events(survey, metric, unwritten, scores, now))
    mark_written(survey, latest.version, now)
    logger.info("Rating written back to Kustomer", extra=log_keys)
    return WritebackOutcome(survey.survey_id, "written", latest.version, latest.metric)
