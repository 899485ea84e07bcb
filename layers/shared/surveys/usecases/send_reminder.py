"""Remind: the one reminder of a survey nobody answered, with the same links and its own subject
and first paragraph, sent by the sender when the sweep (surveys/usecases/reminders.py) queues it.

Everything is decided again at sending time, as for a survey: never after an answer, an
unsubscribe, a bounce or a complaint, nor once the trigger is inactive, reminders are off or the
link would expire within a day; inside the send window; and it counts as part of its survey for
survey fatigue (it takes no claim of its own, and is not sent once another survey reached the
customer). Exactly once: the sender's idempotency on (survey, kind, deferrals) and the survey's
`reminder_sent_at`, written only if absent.
"""

from __future__ import annotations

from datetime import datetime

from surveys.adapters.kustomer.errors import KustomerBusyError, KustomerNotFoundError
from surveys.adapters.mailer import RecipientRejectedError
from surveys.adapters.store.state import customer_contact_survey
from surveys.adapters.store.suppressions import suppression_of
from surveys.adapters.store.survey_reminders import cancel_reminder, record_reminder_sent
from surveys.adapters.store.surveys import SurveyItem, SurveyStatus, find_survey
from surveys.domain.address_hash import address_hash
from surveys.domain.branding import Branding
from surveys.domain.events import reminder_event
from surveys.domain.link_keys import LinkKeys
from surveys.domain.reminders import reminder_refusal
from surveys.domain.survey_request import SurveyRequest
from surveys.domain.triggers import TriggerSettings
from surveys.observability import logger, mask_email
from surveys.usecases.send_survey import (
    ALREADY_HANDLED,
    CustomerDirectory,
    LaterQueue,
    Mailer,
    PauseCheck,
    SendOutcome,
    compose_survey_email,
    deferred,
    outside_send_window,
    wait_while_paused,
)
from surveys.usecases.survey_events import EventPublisher, survey_facts

REMINDED = "reminded"
NOT_REMINDED = "not reminded"


def _not_reminded(survey: SurveyItem, reason: str) -> SendOutcome:
    cancel_reminder(survey, reason)
    logger.info("No reminder", extra={"survey_id": survey.survey_id, "reason": reason})
    return SendOutcome(survey.survey_id, NOT_REMINDED, reason)


def _refusal(
    survey: SurveyItem, trigger: TriggerSettings, now: datetime, address_hash_key: bytes
) -> str | None:
    if not trigger.active:
        return "trigger inactive when reminding"
    if not trigger.reminder_after_days:
        return "reminders turned off"
    refusal = reminder_refusal(
        answered=int(survey.rated_version or 0) > 0, links_expire_at=survey.links_expire_at, now=now
    )
    if refusal:
        return refusal
    recipient = survey.recipient or ""
    suppression = suppression_of(recipient, address_hash(recipient, address_hash_key))
    return f"address {suppression.reason}" if suppression else None


def send_reminder(
    request: SurveyRequest,
    trigger: TriggerSettings,
    *,
    customers: CustomerDirectory,
    mailer: Mailer,
    later: LaterQueue,
    guard: PauseCheck,
    branding: Branding,
    link_keys: LinkKeys,
    address_hash_key: bytes,
    events: EventPublisher,
    now: datetime,
) -> SendOutcome:
    survey = find_survey(request.survey_id)
    if survey is None or survey.status != SurveyStatus.SENT.value or survey.reminder_sent_at:
        return SendOutcome(request.survey_id, REMINDED, ALREADY_HANDLED)
    refusal = _refusal(survey, trigger, now, address_hash_key)
    if refusal:
        return _not_reminded(survey, refusal)
    paused_because = guard.pause_reason(now)
    if paused_because is not None:
        return wait_while_paused(request, later, paused_because)
    try:
        customer = customers.get_customer(request.customer_id)
    except KustomerBusyError as busy:
        return deferred(request, later, busy.retry_after, "Kustomer rate-limit budget spent")
    except KustomerNotFoundError:
        return _not_reminded(survey, "customer not found in Kustomer")
    waiting = outside_send_window(request, trigger, later, now, customer.time_zone)
    if waiting is not None:
        return waiting
    if trigger.fatigue_days:
        latest = customer_contact_survey(request.customer_id)
        if latest is not None and latest != survey.survey_id:
            return _not_reminded(survey, "another survey reached the customer since")
    recipient, language = str(survey.recipient), survey.language or trigger.language
    message = compose_survey_email(
        trigger,
        survey_id=survey.survey_id,
        recipient=recipient,
        customer_name=customer.name,
        language=language,
        branding=branding,
        # The same expiry, so the very same links as in the survey.
        expires_at=survey.links_expire_at or now,
        link_keys=link_keys,
        now=now,
        reminder=True,
        recipient_hash=address_hash(recipient, address_hash_key),
    )
    try:
        message_id = mailer.send(message, metric=trigger.metric, language=language)
    except RecipientRejectedError as error:
        return _not_reminded(survey, f"SES rejected the email: {error}")
    if record_reminder_sent(survey, now, message_id):
        events.publish([reminder_event(survey_facts(survey), now)])
    logger.info(
        "Reminder sent",
        extra={"survey_id": survey.survey_id, "recipient": mask_email(recipient)},
    )
    return SendOutcome(survey.survey_id, REMINDED)
