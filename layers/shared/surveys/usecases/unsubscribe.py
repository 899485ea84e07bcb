"""Unsubscribe: after it, no survey of any metric is ever sent to the address again.

The link in the email opens a page that asks for a confirming click, so a link scanner opening
it unsubscribes nobody. Mail apps that offer their own unsubscribe button use RFC 8058: they
POST exactly `List-Unsubscribe=One-Click` to the URL in the List-Unsubscribe header, with no
browser and no click on our page, and that is honoured as it is.

The link also carries the keyed hash of the address, so it still unsubscribes once its survey is
gone (its owner forgotten, or the survey past its retention): the hash is then suppressed, which
the sender matches like an address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from surveys.adapters.store.suppressions import SuppressionReason, suppress_address
from surveys.adapters.store.surveys import SurveyItem, SurveyStatus, find_survey
from surveys.domain import i18n
from surveys.domain.conversations import metric_key_of
from surveys.domain.events import suppression_event
from surveys.domain.link_keys import LinkKeys
from surveys.domain.metrics import METRICS
from surveys.domain.tokens import TokenPurpose
from surveys.domain.triggers import TriggerSettings
from surveys.domain.votes import BrowserSignals, not_a_persons_browser
from surveys.observability import logger, mask_email
from surveys.usecases.pages import Page, render_page
from surveys.usecases.survey_events import EventPublisher, survey_facts
from surveys.usecases.survey_links import RefusedLinkError, survey_not_found_page, verified_link
from surveys.usecases.triggers import trigger_settings

ONE_CLICK_BODY = {"List-Unsubscribe": ["One-Click"]}


@dataclass(frozen=True)
class _Unsubscribing:
    """Whom a link unsubscribes: the survey's recipient while the survey is held, else the
    address whose keyed hash the link carries (the pages then name no address)."""

    survey_id: str
    survey: SurveyItem | None
    # The address, or its keyed hash once the survey is gone.
    suppressed_as: str
    trigger: TriggerSettings
    language: str

    def page(self, template: str, company_name: str, status: int = 200, **context: object) -> Page:
        return render_page(
            template,
            status,
            self.language,
            self.trigger.brand_color,
            company=self.trigger.company(company_name),
            address=self.suppressed_as if self.survey is not None else None,
            **context,
        )


def _open(token: str, link_keys: LinkKeys, now: datetime, fallback_language: str) -> _Unsubscribing:
    link = verified_link(token, link_keys, now, TokenPurpose.UNSUBSCRIBE, fallback_language)
    survey = find_survey(link.survey_id)
    if survey is not None and survey.status == SurveyStatus.SENT.value and survey.recipient:
        trigger = trigger_settings(survey.program_name)
        language = survey.language or trigger.language
        return _Unsubscribing(link.survey_id, survey, survey.recipient, trigger, language)
    metric = metric_key_of(link.survey_id)
    if link.address_hash is None or metric not in METRICS:
        raise RefusedLinkError(survey_not_found_page(fallback_language))
    trigger = trigger_settings(metric)
    return _Unsubscribing(link.survey_id, None, link.address_hash, trigger, fallback_language)


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
        opened = _open(token, link_keys, now, i18n.preferred(accept_language))
    except RefusedLinkError as refused:
        return refused.page
    return opened.page("unsubscribe_page.html", company_name, notice=False)


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
        opened = _open(token, link_keys, now, i18n.preferred(accept_language))
    except RefusedLinkError as refused:
        return refused.page
    one_click = form == ONE_CLICK_BODY
    if not one_click and not_a_persons_browser(signals):
        return opened.page("unsubscribe_page.html", company_name, 403, notice=True)
    if opened.survey is None:
        # Nothing is left of the survey to note in Kustomer, nor to name in an event.
        newly = suppress_address(opened.suppressed_as, SuppressionReason.UNSUBSCRIBED, now)
        recipient = "(keyed hash)"
    else:
        newly = suppress_address(
            opened.suppressed_as,
            SuppressionReason.UNSUBSCRIBED,
            now,
            survey_id=opened.survey_id,
            conversation_id=opened.survey.conversation_id,
        )
        if newly:
            facts = survey_facts(opened.survey)
            events.publish([suppression_event(facts, SuppressionReason.UNSUBSCRIBED, now)])
        recipient = mask_email(opened.suppressed_as)
    logger.info(
        "Address unsubscribed" if newly else "Address was already unsubscribed",
        extra={"survey_id": opened.survey_id, "recipient": recipient, "one_click": one_click},
    )
    return opened.page("unsubscribed_page.html", company_name)
