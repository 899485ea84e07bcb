"""Send: email one survey to the conversation's customer, exactly once per survey.

A survey ends either sent or skipped with a reason, or waits for its send window or while the
sender is paused for its reputation; only passing failures (Kustomer or SES unavailable) raise,
so the queue retries them and, after its limit, keeps them in the DLQ. Every trigger setting is
read at send time: a trigger deactivated after the scan sends nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import EmailPolicy, Policy, default
from email.utils import format_datetime, formataddr, make_msgid
from typing import Protocol

from surveys.adapters.kustomer.errors import KustomerBusyError, KustomerNotFoundError
from surveys.adapters.kustomer.resources import Customer
from surveys.adapters.mailer import RecipientRejectedError
from surveys.adapters.store.state import (
    claim_customer_contact,
    find_agent,
    find_team,
    release_customer_contact,
)
from surveys.adapters.store.suppressions import suppression_of
from surveys.adapters.store.surveys import (
    SurveyItem,
    SurveyStatus,
    find_survey,
    record_sent,
    record_skipped,
    survey_from_request,
)
from surveys.adapters.survey_queue import SQS_MAX_DELAY_SECONDS
from surveys.adapters.templates import render
from surveys.domain import i18n
from surveys.domain.address_hash import address_hash
from surveys.domain.branding import Branding
from surveys.domain.email_links import rating_links, unsubscribe_url
from surveys.domain.link_keys import LinkKeys
from surveys.domain.skip_reasons import SkipReason
from surveys.domain.survey_request import SurveyRequest
from surveys.domain.triggers import TriggerSettings
from surveys.observability import logger, mask_email


class CustomerDirectory(Protocol):
    def get_customer(self, customer_id: str) -> Customer: ...


class Mailer(Protocol):
    def send(self, message: EmailMessage, *, metric: str, language: str) -> str: ...


class LaterQueue(Protocol):
    def send_later(self, request: SurveyRequest, delay_seconds: float) -> None: ...


class PauseCheck(Protocol):
    def pause_reason(self, now: datetime) -> str | None: ...


# The outcome of a survey an earlier delivery already sent or skipped, or `surveys forget` erased.
ALREADY_HANDLED = "already handled"
# A survey that waits on the queue while the sender is paused (surveys/usecases/sending_guard.py).
PAUSED = "paused"


@dataclass(frozen=True)
class SendOutcome:
    survey_id: str
    status: str
    reason: str | None = None
    skipped_because: SkipReason | None = None


_DOMAIN_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def _is_deliverable_form(candidate: str) -> bool:
    try:
        address = Address(addr_spec=candidate)
    except (ValueError, IndexError, HeaderParseError):
        return False
    labels = address.domain.split(".")
    return (
        bool(address.username)
        and address.addr_spec == candidate
        and len(labels) >= 2
        and all(_DOMAIN_LABEL.match(label) for label in labels)
    )


def usable_address(candidates: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The first address SES can take, or why there is none."""
    if not candidates:
        return None, "customer has no email address"
    for candidate in candidates:
        if _is_deliverable_form(candidate.strip()):
            return candidate.strip(), None
    return None, "customer email address is invalid"


def survey_language(trigger: TriggerSettings, customer: Customer) -> str:
    """The customer's Kustomer locale when we speak it, else the trigger's language."""
    return i18n.supported(customer.locale) or trigger.language


class _OneLineUrlHeader(UnstructuredHeader, BaseHeader):
    """A header holding one `<URL>`, written whole on its line.

    Python folds any header longer than 78 characters, and a URL has no space to fold at, so it
    would write `List-Unsubscribe: =?utf-8?q?=3Chttps=3A//...?=`: RFC 2047 encoded words, which
    RFC 2369 does not allow there and mail apps do not decode, so they show no unsubscribe
    button. RFC 5322 allows a line of up to 998 characters."""

    # SES refuses a message with two (docs.aws.amazon.com/ses/latest/dg/header-fields.html).
    max_count = 1
    max_line_length = 998

    def fold(self, *, policy: Policy) -> str:
        line = f"{self.name}: {self}"
        if not line.isascii() or len(line) > self.max_line_length:
            raise ValueError(f"{self.name} must be an ASCII URL of a few hundred characters")
        return line + policy.linesep


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", _OneLineUrlHeader)
SURVEY_EMAIL_POLICY: EmailPolicy[EmailMessage] = default.clone(header_factory=_HEADERS)


def compose_survey_email(
    trigger: TriggerSettings,
    *,
    survey_id: str,
    recipient: str,
    customer_name: str,
    language: str,
    branding: Branding,
    expires_at: datetime,
    link_keys: LinkKeys,
    now: datetime,
    reminder: bool = False,
    recipient_hash: str | None = None,
) -> EmailMessage:
    """The survey email, or with `reminder` its reminder: the same links, its own subject and
    first paragraph."""
    metric = trigger.metric_definition
    company = trigger.company(branding.company_name)
    _ = i18n.translator(language)
    if reminder:
        own_subject, own_intro = trigger.reminder_subject, trigger.reminder_intro_text
        subject = _("Reminder: how was your experience with %(company)s?", company=company)
        intro = _(
            "A few days ago we asked you one quick question about your recent request to "
            "%(company)s. If you have a moment, your answer helps us improve:",
            company=company,
        )
    else:
        own_subject, own_intro = trigger.subject, trigger.intro_text
        subject = _("How was your experience with %(company)s?", company=company)
        intro = _(
            "Thank you for contacting %(company)s. One quick question about your recent request:",
            company=company,
        )
    context = {
        "metric": metric,
        "question": trigger.question_in(language, company),
        "company_name": company,
        "greeting": _("Hello %(name)s,", name=customer_name) if customer_name else _("Hello,"),
        "intro": own_intro.replace("{company}", company) if own_intro else intro,
        "choose": _("Choose your answer:"),
        "one_click": _("It takes one click; you can add a comment on the next page."),
        "links": rating_links(
            metric, survey_id, branding.public_base_url, expires_at, link_keys, language
        ),
        "brand_color": trigger.brand_color,
        "logo_url": trigger.logo_url,
        "why_received": _(
            "You receive this email because you contacted %(company)s recently.", company=company
        ),
        "unsubscribe": _("Unsubscribe from survey emails"),
        "unsubscribe_url": unsubscribe_url(
            survey_id,
            branding.public_base_url,
            expires_at,
            link_keys,
            recipient_hash,
        ),
    }
    message = EmailMessage(policy=SURVEY_EMAIL_POLICY)
    # RFC 5322 asks for both; SES replaces them with its own when it sends the message.
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=branding.sender_address.rpartition("@")[2])
    message["From"] = formataddr(
        (trigger.sender_name or branding.sender_name, branding.sender_address)
    )
    message["To"] = recipient
    if trigger.reply_to:
        message["Reply-To"] = trigger.reply_to
    message["Subject"] = own_subject.replace("{company}", company) if own_subject else subject
    message["X-Survey-Id"] = survey_id
    # RFC 2369 and RFC 8058: mail apps show their own unsubscribe button, which POSTs
    # `List-Unsubscribe=One-Click` to this URL; Gmail and Yahoo require it of bulk senders.
    message["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # RFC 3834: sent by a program, so auto-responders (out of office) do not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render("survey_email.txt", language, **context))
    message.add_alternative(render("survey_email.html", language, **context), subtype="html")
    # After the parts: setting content replaces a message's Content-* headers.
    message["Content-Language"] = language
    return message


def _forgotten_meanwhile(survey: SurveyItem) -> SendOutcome:
    logger.info("Survey forgotten while it was being sent", extra={"survey_id": survey.survey_id})
    return SendOutcome(survey.survey_id, SurveyStatus.FORGOTTEN.value, ALREADY_HANDLED)


def _skipped(survey: SurveyItem, because: SkipReason, reason: str) -> SendOutcome:
    if not record_skipped(survey, reason):
        return _forgotten_meanwhile(survey)
    logger.info(
        "Survey skipped",
        extra={
            "survey_id": survey.survey_id,
            "conversation_id": survey.conversation_id,
            "reason": reason,
        },
    )
    return SendOutcome(survey.survey_id, SurveyStatus.SKIPPED.value, reason, because)


def deferred(
    request: SurveyRequest, later: LaterQueue, wait_seconds: float, why: str
) -> SendOutcome:
    """Put the survey (or reminder) back on the queue to be sent `wait_seconds` from now."""
    later.send_later(request.changed(deferrals=request.deferrals + 1), wait_seconds)
    logger.info(
        f"{request.kind.capitalize()} deferred",
        extra={"survey_id": request.survey_id, "reason": why, "wait_seconds": round(wait_seconds)},
    )
    return SendOutcome(request.survey_id, "deferred", why)


def wait_while_paused(request: SurveyRequest, later: LaterQueue, reason: str) -> SendOutcome:
    """Back on the queue, asked again in 15 minutes until an admin resumes sending; nothing is
    looked up in Kustomer while it waits."""
    later.send_later(request.changed(deferrals=request.deferrals + 1), SQS_MAX_DELAY_SECONDS)
    logger.info(
        f"{request.kind.capitalize()} waits: sending is paused",
        extra={"survey_id": request.survey_id, "reason": reason},
    )
    return SendOutcome(request.survey_id, PAUSED, f"sending paused: {reason}")


def outside_send_window(
    request: SurveyRequest,
    trigger: TriggerSettings,
    later: LaterQueue,
    now: datetime,
    time_zone: str | None,
) -> SendOutcome | None:
    """The deferral to the send window's next opening; None inside the window."""
    opens_at = trigger.send_window.opens_after(now, time_zone) if trigger.send_window else None
    why = f"send window opens {opens_at.isoformat()}" if opens_at else ""
    return deferred(request, later, (opens_at - now).total_seconds(), why) if opens_at else None


def _agent_name(user_id: str | None) -> str | None:
    agent = find_agent(user_id) if user_id else None
    return agent.name if agent else None


def _team_name(team_id: str | None) -> str | None:
    team = find_team(team_id) if team_id else None
    return team.name if team else None


def send_survey(
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
    now: datetime,
) -> SendOutcome:
    survey = find_survey(request.survey_id) or survey_from_request(request, now)
    if survey.status != SurveyStatus.QUEUED.value:
        return SendOutcome(survey.survey_id, survey.status, ALREADY_HANDLED)
    if not trigger.active:
        return _skipped(survey, SkipReason.TRIGGER_INACTIVE, "trigger inactive when sending")
    paused_because = guard.pause_reason(now)
    if paused_because is not None:
        return wait_while_paused(request, later, paused_because)  # the survey stays queued
    try:
        customer = customers.get_customer(request.customer_id)
    except KustomerBusyError as busy:
        # This system's share of Kustomer's rate limit is spent: the survey waits in the queue
        # for the next window, without counting as a failed delivery.
        return deferred(request, later, busy.retry_after, "Kustomer rate-limit budget spent")
    except KustomerNotFoundError:
        return _skipped(survey, SkipReason.CUSTOMER_NOT_FOUND, "customer not found in Kustomer")
    recipient, problem = usable_address(customer.emails)
    if recipient is None:
        missing = (
            SkipReason.INVALID_EMAIL_ADDRESS if customer.emails else SkipReason.NO_EMAIL_ADDRESS
        )
        return _skipped(survey, missing, str(problem))
    recipient_hash = address_hash(recipient, address_hash_key)
    suppression = suppression_of(recipient, recipient_hash)
    if suppression is not None:
        return _skipped(
            survey,
            SkipReason.ADDRESS_SUPPRESSED,
            f"address {suppression.reason}: no survey is sent to it again",
        )
    waiting = outside_send_window(request, trigger, later, now, customer.time_zone)
    if waiting is not None:
        return waiting
    if trigger.fatigue_days and not claim_customer_contact(
        request.customer_id, survey.survey_id, now, trigger.fatigue_days
    ):
        return _skipped(
            survey,
            SkipReason.RECENTLY_SURVEYED,
            f"customer already surveyed within {trigger.fatigue_days} days",
        )
    language = survey_language(trigger, customer)
    message = compose_survey_email(
        trigger,
        survey_id=survey.survey_id,
        recipient=recipient,
        customer_name=customer.name,
        language=language,
        branding=branding,
        expires_at=now + trigger.link_lifetime,
        link_keys=link_keys,
        now=now,
        recipient_hash=recipient_hash,
    )
    try:
        message_id = mailer.send(message, metric=trigger.metric, language=language)
    except RecipientRejectedError as error:
        release_customer_contact(request.customer_id, survey.survey_id)
        return _skipped(survey, SkipReason.SES_REJECTED, f"SES rejected the email: {error}")
    except Exception:
        release_customer_contact(request.customer_id, survey.survey_id)
        raise
    logger.info(
        "Survey email accepted by SES",
        extra={"survey_id": survey.survey_id, "recipient": mask_email(recipient)},
    )
    if not record_sent(
        survey,
        now,
        recipient=recipient,
        message_id=message_id,
        language=language,
        agent_name=_agent_name(request.assigned_user_id),
        team_name=_team_name(request.assigned_team_id),
        links_expire_at=now + trigger.link_lifetime,
        reminder_due=trigger.reminder_after_days > 0,
    ):
        return _forgotten_meanwhile(survey)
    logger.info(
        "Survey sent",
        extra={"survey_id": survey.survey_id, "conversation_id": survey.conversation_id},
    )
    return SendOutcome(survey.survey_id, SurveyStatus.SENT.value)
