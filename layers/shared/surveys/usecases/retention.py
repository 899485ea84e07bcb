"""Retention for what was stored before it existed: every item written since carries its deletion
date (retain_until, the tables' TTL attribute), but surveys, ratings, votes and survey-fatigue
claims from before have none and would be kept for good. This gives them the date they would
have had: RetentionDays after the survey was queued (a claim: after it was made). Items already
past it are deleted by DynamoDB within days. Running it again changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from surveys.adapters.store.ratings import set_rating_retention
from surveys.adapters.store.state import (
    customer_contacts_kept_for_good,
    set_customer_contact_retention,
)
from surveys.adapters.store.survey_lifecycle import set_survey_retention, surveys_kept_for_good
from surveys.adapters.store.votes import set_votes_retention


@dataclass
class RetentionReport:
    surveys: int = 0
    ratings: int = 0
    votes: int = 0
    survey_fatigue_claims: int = 0


def _never() -> bool:
    return False


def _ignore(report: RetentionReport) -> None:
    pass


def apply_retention(
    retention: timedelta,
    progress: Callable[[RetentionReport], None] = _ignore,
    stop: Callable[[], bool] = _never,
) -> RetentionReport:
    """`progress` hears the counts after each item; `stop` is asked between items, and a run
    stopped early is finished by running it again."""
    report = RetentionReport()
    for survey in surveys_kept_for_good():
        if stop():
            return report
        until = survey.queued_at + retention
        # The rating and votes first: a run that stops halfway finds the survey again.
        report.ratings += set_rating_retention(survey.survey_id, until)
        report.votes += set_votes_retention(survey.survey_id, until)
        set_survey_retention(survey, until)
        report.surveys += 1
        progress(report)
    for contact in customer_contacts_kept_for_good():
        if stop():
            return report
        set_customer_contact_retention(contact, contact.last_surveyed_at + retention)
        report.survey_fatigue_claims += 1
        progress(report)
    return report
