"""Unsubscribe: after it, no survey of any metric is ever sent to the address again.

The link in the email opens a page that asks for a confirming click, so a link scanner opening
it unsubscribes nobody. Mail apps that offer their own unsubscribe button use RFC 8058: they
POST exactly `List-Unsubscribe=One-Click` to the URL in the List-Unsubscribe header, with no
browser and no click on our page, and that is honoured as it is.
"""

from __future__ import annotations

from datetime import datetime

from surveys.adapters.store.suppressions import SuppressionReason, suppress_address
from surveys.adapters.store.surveys import SurveyItem
from surveys.domain import i18n
from surveys.domain.events import suppression_event
from surveys.domain.link_keys import LinkKeys
from surveys.domain.tokens import (
    TokenPurpose,
)
from surveys.domain.triggers import TriggerSettings
from surveys.domain.votes import BrowserSignals, not_a_persons_browser
from surveys.observability import logger, mask_email
from surveys.usecases.pages import Page, render_page
from surveys.usecases.survey_events import EventPublisher, survey_facts
from surveys.usecases.survey_links import (
    RefusedLinkError,
    open_survey_link,
    survey_not_found_page,
)
from surveys.usecases.triggers import trigger_settings

ONE_CLICK_BODY = {"List-Unsubscribe": ["One-Click"]}


def _open(
    token: str, link_keys: LinkKeys, now: datetime, fallback_language: str
) -> tuple[SurveyItem, str, TriggerSettings]:
    """The survey, the address it was sent to, and its trigger."""
    survey = open_survey_link(token, link_keys, now, TokenPurpose.UNSUBSCRIBE, fallback_language)
    if not survey.recipient:
        raise RefusedLinkError(survey_not_found_page(fallback_language))
    return survey, survey.recipient, trigger_settings(survey.metric)


def _confirm_page(
    survey: SurveyItem,
    address: str,
    trigger: TriggerSettings,
    company_name: str,
    *,
    status: int = 200,
    notice: bool = False,
) -> Page:
    language = survey.language or trigger.language
    return render_page(
        "unsubscribe_page.html",
        status,
        language,
        trigger.brand_color,
        company=trigger.company(company_name),
        address=address,
        notice=notice,
    )


def show_unsubscribe_page(
    token: str,
    *,
    link_keys: LinkKeys,
    now: datetime,
    company_name: str,
    accept_language: str | None = None,
) -> Page:
    """Asks for the confirming click; changes nothing."""
    try:
        survey, address, trigger = _open(token, link_keys, now, i18n.preferred(accept_language))
    except RefusedLinkError as refused:
        return refused.page
    return _confirm_page(survey, address, trigger, company_name)


def unsubscribe(
    token: str,
    form: dict[str, list[str]],
    *,
    signals: BrowserSignals,
    link_keys: LinkKeys,
    now: datetime,
    company_name: str,
    events: EventPublisher,
    accept_language: str | None = None,
) -> Page:
    try:
        survey, address, trigger = _open(token, link_keys, now, i18n.preferred(accept_language))
    except RefusedLinkError as refused:
        return refused.page
    one_click = form == ONE_CLICK_BODY
    if not one_click and not_a_persons_browser(signals):
        return _confirm_page(survey, address, trigger, company_name, status=403, notice=True)
    newly = suppress_address(
        address,
        SuppressionReason.UNSUBSCRIBED,
        now,
        survey_id=survey.survey_id,
        conversation_id=survey.conversation_id,
    )
    if newly:
        events.publish(
            [suppression_event(survey_facts(survey), SuppressionReason.UNSUBSCRIBED, now)]
        )
    logger.info(
        "Address unsubscribed" if newly else "Address was already unsubscribed",
        extra={
            "survey_id": survey.survey_id,
            "recipient": mask_email(address),
            "one_click": one_click,
        },
    )
    language = survey.language or trigger.language
    return render_page(
        "unsubscribed_page.html",
        200,
        language,
        trigger.brand_color,
        company=trigger.company(company_name),
        address=address,
    )
