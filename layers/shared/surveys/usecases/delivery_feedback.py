"""Bounces and complaints: an address that bounced permanently, or whose owner marked a survey
as spam, is never surveyed again. SES reports them through the configuration set the sender
uses; the survey id rides along as a message tag, so the suppression names its conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from surveys.adapters.store.suppressions import SuppressionReason, suppress_address
from surveys.adapters.store.surveys import find_survey
from surveys.domain.events import suppression_event
from surveys.domain.ses_events import SesEvent
from surveys.observability import logger, mask_email
from surveys.usecases.survey_events import EventPublisher, survey_facts

DETAIL_LIMIT = 500


@dataclass(frozen=True)
class FeedbackOutcome:
    result: str
    suppressed: int = 0


def _suppressions(event: SesEvent) -> tuple[SuppressionReason, list[tuple[str, str]]] | None:
    """The reason and the (address, detail) pairs an event suppresses; None when it
    suppresses nothing."""
    if event.is_permanent_bounce and event.bounce is not None:
        kind = f"{event.bounce.bounce_type}/{event.bounce.bounce_sub_type}"
        return SuppressionReason.BOUNCED, [
            (
                recipient.email_address,
                f"{kind}: {recipient.diagnostic_code or recipient.status or 'no diagnostic'}",
            )
            for recipient in event.bounce.bounced_recipients
        ]
    if event.event_type == "Complaint" and event.complaint is not None:
        feedback = event.complaint.complaint_feedback_type or "not given"
        return SuppressionReason.COMPLAINED, [
            (recipient.email_address, f"complaint feedback type: {feedback}")
            for recipient in event.complaint.complained_recipients
        ]
    return None


def record_delivery_feedback(
    message: str, now: datetime, events: EventPublisher
) -> FeedbackOutcome:
    """Suppress the addresses an SES event reports; anything else on the topic (SES's test
    message when the destination is created, transient bounces) changes nothing."""
    try:
        event = SesEvent.model_validate_json(message)
    except ValidationError:
        logger.info("Not an SES event; ignored", extra={"sns_message": message[:200]})
        return FeedbackOutcome("ignored")
    found = _suppressions(event)
    if found is None:
        logger.info(
            "SES event suppresses nothing",
            extra={"event_type": event.event_type, "message_id": event.mail.message_id},
        )
        return FeedbackOutcome("ignored")
    reason, recipients = found
    survey_id = event.mail.survey_id
    survey = find_survey(survey_id) if survey_id else None
    suppressed = 0
    for address, detail in recipients:
        newly = suppress_address(
            address,
            reason,
            now,
            survey_id=survey_id,
            conversation_id=survey.conversation_id if survey else None,
            detail=detail[:DETAIL_LIMIT],
        )
        suppressed += newly
        if newly and survey is not None:
            events.publish([suppression_event(survey_facts(survey), reason, now)])
        logger.info(
            "Address suppressed" if newly else "Address was already suppressed",
            extra={
                "reason": reason.value,
                "recipient": mask_email(address),
                "survey_id": survey_id,
            },
        )
    return FeedbackOutcome(reason.value, suppressed)
