"""Opening a survey link: the checks every page behind one makes before anything else."""

from __future__ import annotations

from datetime import datetime

from surveys.adapters.store.surveys import SurveyItem, SurveyStatus, find_survey
from surveys.domain.tokens import (
    ExpiredTokenError,
    InvalidTokenError,
    TokenPurpose,
    verify_survey_token,
)
from surveys.observability import logger
from surveys.usecases.pages import Page, problem_page


class RefusedLinkError(Exception):
    """The link cannot open its page; `page` tells the recipient why."""

    def __init__(self, page: Page) -> None:
        super().__init__(page.status)
        self.page = page


def open_survey_link(
    token: str, signing_key: bytes, now: datetime, purpose: TokenPurpose, fallback_language: str
) -> SurveyItem:
    """The sent survey a link names, or RefusedLinkError with a 403, 404 or 410 page: in the
    survey's language when the link still names one, else in the browser's."""
    try:
        survey_id = verify_survey_token(token, signing_key, now, purpose)
    except ExpiredTokenError as error:
        logger.info("Expired survey link", extra={"survey_id": error.survey_id, "purpose": purpose})
        expired = find_survey(error.survey_id)
        language = (expired.language if expired else None) or fallback_language
        raise RefusedLinkError(
            problem_page(410, "closed_heading", "closed_explanation", language)
        ) from error
    except InvalidTokenError as error:
        logger.info("Refused survey link", extra={"reason": str(error), "purpose": purpose})
        raise RefusedLinkError(
            problem_page(403, "invalid_heading", "invalid_explanation", fallback_language)
        ) from error
    survey = find_survey(survey_id)
    if survey is None or survey.status != SurveyStatus.SENT.value:
        raise RefusedLinkError(
            problem_page(404, "not_found_heading", "not_found_explanation", fallback_language)
        )
    return survey
