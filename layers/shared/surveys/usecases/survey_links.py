"""Opening a survey link: the checks every page behind one makes before anything else."""

from __future__ import annotations

from datetime import datetime

from surveys.adapters.store.surveys import SurveyItem, SurveyStatus, find_survey
from surveys.domain.i18n import N_
from surveys.domain.link_keys import LinkKeys
from surveys.domain.tokens import (
    ExpiredTokenError,
    InvalidTokenError,
    RetiredKeyError,
    SignedLink,
    TokenPurpose,
    verify_survey_link,
)
from surveys.observability import logger
from surveys.usecases.pages import Page, problem_page


class RefusedLinkError(Exception):
    """The link cannot open its page; `page` tells the recipient why."""

    def __init__(self, page: Page) -> None:
        super().__init__(page.status)
        self.page = page


def survey_not_found_page(language: str) -> Page:
    return problem_page(404, N_("Survey not found"), N_("We could not find this survey."), language)


def _closed_page(language: str) -> Page:
    return problem_page(
        410,
        N_("This survey has closed"),
        N_("The link in your email has expired. Thank you all the same."),
        language,
    )


def verified_link(
    token: str, link_keys: LinkKeys, now: datetime, purpose: TokenPurpose, fallback_language: str
) -> SignedLink:
    """What a link names, or RefusedLinkError with a 403 or 410 page: in the survey's language
    when the link still names one, else in the browser's. A link signed with a retired key is
    closed (410)."""
    try:
        return verify_survey_link(token, link_keys, now, purpose)
    except ExpiredTokenError as error:
        logger.info("Expired survey link", extra={"survey_id": error.survey_id, "purpose": purpose})
        expired = find_survey(error.survey_id)
        language = (expired.language if expired else None) or fallback_language
        raise RefusedLinkError(_closed_page(language)) from error
    except RetiredKeyError as error:
        # Signed before a key rotation with a key since retired: closed like an expired link.
        logger.info(
            "Survey link of a retired key", extra={"key_id": error.key_id, "purpose": purpose}
        )
        raise RefusedLinkError(_closed_page(fallback_language)) from error
    except InvalidTokenError as error:
        logger.info("Refused survey link", extra={"reason": str(error), "purpose": purpose})
        raise RefusedLinkError(
            problem_page(
                403,
                N_("This link is not valid"),
                N_("Please use the link exactly as it appears in the email."),
                fallback_language,
            )
        ) from error


def open_survey_link(
    token: str, link_keys: LinkKeys, now: datetime, purpose: TokenPurpose, fallback_language: str
) -> SurveyItem:
    """The sent survey a link names, or RefusedLinkError with a 403, 404 or 410 page."""
    link = verified_link(token, link_keys, now, purpose, fallback_language)
    survey = find_survey(link.survey_id)
    if survey is None or survey.status != SurveyStatus.SENT.value:
        raise RefusedLinkError(survey_not_found_page(fallback_language))
    return survey
