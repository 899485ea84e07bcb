"""Send: email one survey to the conversation's customer, exactly once per survey.

A survey ends either sent or skipped with a reason; only passing failures (Kustomer or SES
unavailable) raise, so the queue retries them and, after its limit, keeps them in the DLQ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr
from typing import Protocol

from surveys.adapters.kustomer import Customer, KustomerNotFoundError
from surveys.adapters.mailer import RecipientRejectedError
from surveys.adapters.store import (
    SurveyItem,
    SurveyStatus,
    find_survey,
    survey_from_request,
)
from surveys.adapters.templates import render
from surveys.domain.metrics import Metric, metric_by_key
from surveys.domain.survey_request import SurveyRequest
from surveys.domain.tokens import sign_survey_token
from surveys.observability import logger, mask_email


class CustomerDirectory(Protocol):
    def get_customer(self, customer_id: str) -> Customer: ...


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> str: ...


@dataclass(frozen=True)
class Branding:
    company_name: str
    sender_name: str
    sender_address: str
    public_base_url: str


@dataclass(frozen=True)
class SendOutcome:
    survey_id: str
    status: str
    reason: str | None = None


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


def rating_links(
    metric: Metric, survey_id: str, branding: Branding, expires_at: datetime, signing_key: bytes
) -> list[tuple[int, str, str]]:
    token = sign_survey_token(survey_id, expires_at, signing_key)
    base = branding.public_base_url.rstrip("/")
    return [
        (score, metric.label(score), f"{base}/r/{token}?score={score}") for score in metric.scores
    ]


def compose_survey_email(
    metric: Metric,
    *,
    survey_id: str,
    recipient: str,
    customer_name: str,
    branding: Branding,
    expires_at: datetime,
    signing_key: bytes,
) -> EmailMessage:
    context = {
        "metric": metric,
        "question": metric.question_for(branding.company_name),
        "company_name": branding.company_name,
        "customer_name": customer_name,
        "links": rating_links(metric, survey_id, branding, expires_at, signing_key),
        "lowest_label": metric.label(metric.lowest),
        "highest_label": metric.label(metric.highest),
    }
    message = EmailMessage()
    message["From"] = formataddr((branding.sender_name, branding.sender_address))
    message["To"] = recipient
    message["Subject"] = f"How was your experience with {branding.company_name}?"
    message["X-Survey-Id"] = survey_id
    message.set_content(render("survey_email.txt", **context))
    message.add_alternative(render("survey_email.html", **context), subtype="html")
    return message


def _finish(
    survey: SurveyItem, status: SurveyStatus, now: datetime, **fields: object
) -> SendOutcome:
    survey.status = status.value
    for name, value in fields.items():
        setattr(survey, name, value)
    if status is SurveyStatus.SENT:
        survey.sent_at = now
    survey.save()
    reason = fields.get("skip_reason")
    logger.info(
        f"Survey {status.value}",
        extra={
            "survey_id": survey.survey_id,
            "conversation_id": survey.conversation_id,
            "reason": reason,
        },
    )
    return SendOutcome(survey.survey_id, status.value, str(reason) if reason else None)


def send_survey(
    request: SurveyRequest,
    *,
    customers: CustomerDirectory,
    mailer: Mailer,
    branding: Branding,
    links_expire_at: datetime,
    signing_key: bytes,
    now: datetime,
) -> SendOutcome:
    survey = find_survey(request.survey_id) or survey_from_request(request, now)
    if survey.status != SurveyStatus.QUEUED.value:
        return SendOutcome(survey.survey_id, survey.status, "already handled")
    metric = metric_by_key(request.metric)
    try:
        customer = customers.get_customer(request.customer_id)
    except KustomerNotFoundError:
        return _finish(
            survey, SurveyStatus.SKIPPED, now, skip_reason="customer not found in Kustomer"
        )
    recipient, problem = usable_address(customer.emails)
    if recipient is None:
        return _finish(survey, SurveyStatus.SKIPPED, now, skip_reason=problem)
    message = compose_survey_email(
        metric,
        survey_id=survey.survey_id,
        recipient=recipient,
        customer_name=customer.name,
        branding=branding,
        expires_at=links_expire_at,
        signing_key=signing_key,
    )
    try:
        message_id = mailer.send(message)
    except RecipientRejectedError as error:
        return _finish(
            survey, SurveyStatus.SKIPPED, now, skip_reason=f"SES rejected the email: {error}"
        )
    logger.info(
        "Survey email accepted by SES",
        extra={"survey_id": survey.survey_id, "recipient": mask_email(recipient)},
    )
    return _finish(survey, SurveyStatus.SENT, now, recipient=recipient, message_id=message_id)
