"""Rate: the pages behind a survey link, and recording the recipient's answer.

Opening a link (GET) only shows the chosen score with a comment box; the answer is recorded by
the form's POST, which a link scanner pre-fetching every URL in an email does not send.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from surveys.adapters.store import (
    RatingItem,
    RatingVersionEntry,
    SurveyItem,
    SurveyStatus,
    find_rating,
    find_survey,
    save_rating_marking_writeback_due,
)
from surveys.adapters.templates import render
from surveys.domain import i18n
from surveys.domain.metrics import Metric
from surveys.domain.tokens import ExpiredTokenError, InvalidTokenError, verify_survey_token
from surveys.domain.triggers import TriggerSettings
from surveys.observability import logger
from surveys.usecases.triggers import trigger_settings

COMMENT_LIMIT = 2000
# Versions kept for a writeback that comes late: any real change of mind, while a recipient
# clicking on and on cannot grow the item (up to 2,000 characters of comment each) unbounded.
KEPT_RATING_VERSIONS = 20


@dataclass(frozen=True)
class Page:
    status: int
    html: str


def _problem(status: int, heading: str, explanation: str) -> Page:
    return Page(status, render("problem_page.html", heading=heading, explanation=explanation))


class _Refused(Exception):
    def __init__(self, page: Page) -> None:
        self.page = page


def _open_survey(
    token: str, signing_key: bytes, now: datetime
) -> tuple[SurveyItem, TriggerSettings]:
    try:
        survey_id = verify_survey_token(token, signing_key, now)
    except ExpiredTokenError as error:
        logger.info("Expired survey link", extra={"survey_id": error.survey_id})
        raise _Refused(
            _problem(
                410,
                "This survey has closed",
                "The link in your email has expired. Thank you all the same.",
            )
        ) from error
    except InvalidTokenError as error:
        logger.info("Refused survey link", extra={"reason": str(error)})
        raise _Refused(
            _problem(
                403,
                "This link is not valid",
                "Please use the link exactly as it appears in the email.",
            )
        ) from error
    survey = find_survey(survey_id)
    if survey is None or survey.status != SurveyStatus.SENT.value:
        raise _Refused(_problem(404, "Survey not found", "We could not find this survey."))
    return survey, trigger_settings(survey.metric)


_SCORE_TEXT = re.compile(r"-?[0-9]{1,3}")


def _score(text: str | None, metric: Metric) -> int:
    if text is not None and _SCORE_TEXT.fullmatch(text.strip()):
        score = int(text.strip())
        if metric.is_valid_score(score):
            return score
    raise _Refused(
        _problem(
            400,
            "That answer is not on the scale",
            f"Please choose a whole number from {metric.lowest} to {metric.highest}.",
        )
    )


# Bidirectional overrides can make a comment read differently in the note than it was typed.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _kept(char: str) -> bool:
    if char in "\n\t":
        return True
    category = unicodedata.category(char)
    # Format characters (Cf) such as the zero-width joiners are part of emoji and scripts.
    return category not in ("Cc", "Cs", "Co") and char not in _BIDI_CONTROLS


def clean_comment(text: str | None) -> str | None:
    """Drop control characters (keeping line breaks) and cap the length; None when empty."""
    if text is None:
        return None
    kept = "".join(char for char in text if _kept(char)).strip()[:COMMENT_LIMIT]
    return kept or None


def _change_refused(
    existing: RatingItem | None, trigger: TriggerSettings, now: datetime, status: int
) -> Page | None:
    """Why an earlier answer may no longer be changed, as a page; None when it may."""
    if existing is None:
        return None
    if not trigger.rating_changes_allowed:
        return _problem(
            status, "Your answer is already recorded", "Answers to this survey cannot be changed."
        )
    if now > existing.rated_at + timedelta(hours=trigger.rating_change_window_hours):
        return _problem(
            status,
            "Your answer is already recorded",
            "The time to change your answer has passed. Thank you for answering.",
        )
    return None


def _wording(survey: SurveyItem, trigger: TriggerSettings, company_name: str) -> tuple[str, str]:
    """The survey's language (as sent) and its question."""
    language = survey.language or trigger.language
    company = trigger.company_name or company_name
    if trigger.question:
        return language, trigger.question.replace("{company}", company)
    return language, i18n.question(trigger.metric_definition, language, company)


def unreadable_answer_page() -> Page:
    return _problem(400, "We could not read your answer", "Please go back and send the form again.")


def show_rating_page(
    token: str, score_text: str | None, *, signing_key: bytes, now: datetime, company_name: str
) -> Page:
    try:
        survey, trigger = _open_survey(token, signing_key, now)
        metric = trigger.metric_definition
        score = _score(score_text, metric)
    except _Refused as refused:
        return refused.page
    existing = find_rating(survey.survey_id)
    refused_page = _change_refused(existing, trigger, now, status=200)
    if refused_page is not None:
        return refused_page
    language, question = _wording(survey, trigger, company_name)
    return Page(
        200,
        render(
            "rating_page.html",
            language=language,
            question=question,
            score=score,
            score_label=i18n.score_label(metric, score, language),
            scale=[
                (other, i18n.score_label(metric, other, language), f"?score={other}")
                for other in metric.scores
            ],
            action="",
            comment=(existing.comment if existing else None) or "",
            comment_limit=COMMENT_LIMIT,
        ),
    )


def _save_rating(
    survey: SurveyItem, score: int, comment: str | None, now: datetime
) -> tuple[RatingItem, bool]:
    """Store the answer; returns the rating and whether it changed an earlier answer."""
    for _ in range(3):
        rating = find_rating(survey.survey_id)
        if rating is None:
            rating = RatingItem(
                survey.survey_id,
                conversation_id=survey.conversation_id,
                metric=survey.metric,
                score=score,
                comment=comment,
                rated_at=now,
                updated_at=now,
            )
            changed = False
        elif rating.score == score and rating.comment == comment:
            return rating, False
        else:
            rating.score, rating.comment, rating.updated_at = score, comment, now
            changed = True
        new_version = int(rating.version or 0) + 1
        rating.history = [
            *(rating.history or [])[-(KEPT_RATING_VERSIONS - 1) :],
            RatingVersionEntry(version=new_version, score=score, comment=comment, rated_at=now),
        ]
        if save_rating_marking_writeback_due(rating, survey, new_version, now):
            return rating, changed
        # Two submissions raced (a double click): read again and apply this one on top.
    raise RuntimeError(f"rating for {survey.survey_id} kept changing under us")


def submit_rating(
    token: str,
    score_text: str | None,
    comment_text: str | None,
    *,
    signing_key: bytes,
    now: datetime,
    company_name: str,
) -> Page:
    try:
        survey, trigger = _open_survey(token, signing_key, now)
        metric = trigger.metric_definition
        score = _score(score_text, metric)
    except _Refused as refused:
        return refused.page
    existing = find_rating(survey.survey_id)
    refused_page = _change_refused(existing, trigger, now, status=409)
    if refused_page is not None:
        return refused_page
    comment = clean_comment(comment_text)
    rating, changed = _save_rating(survey, score, comment, now)
    logger.info(
        "Rating recorded",
        extra={
            "survey_id": survey.survey_id,
            "conversation_id": survey.conversation_id,
            "score": score,
            "version": rating.version,
        },
    )
    return Page(
        200,
        render(
            "thanks_page.html",
            score=score,
            score_label=i18n.score_label(metric, score, survey.language or trigger.language),
            comment=comment,
            changed=changed,
            company_name=trigger.company_name or company_name,
        ),
    )
