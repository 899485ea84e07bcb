"""The links of a survey email: one per score, each opening the rating page with it chosen, and
the unsubscribe link, which outlives them by years and carries the keyed hash of the address
(surveys/domain/tokens.py)."""

from __future__ import annotations

from datetime import datetime

from surveys.domain import i18n
from surveys.domain.link_keys import UNSUBSCRIBE_LINK_LIFETIME, LinkKeys
from surveys.domain.metrics import Metric
from surveys.domain.tokens import TokenPurpose, sign_survey_token


def rating_links(
    metric: Metric,
    survey_id: str,
    base_url: str,
    expires_at: datetime,
    link_keys: LinkKeys,
    language: str,
) -> list[tuple[int, str, str]]:
    """(score, its label, its link) for every score of the metric."""
    token = sign_survey_token(survey_id, expires_at, link_keys)
    base = base_url.rstrip("/")
    return [
        (score, i18n.score_label(metric, score, language), f"{base}/r/{token}?score={score}")
        for score in metric.scores
    ]


def unsubscribe_url(
    survey_id: str,
    base_url: str,
    rating_links_expire_at: datetime,
    link_keys: LinkKeys,
    recipient_hash: str | None,
) -> str:
    """`recipient_hash`: the address's keyed hash, with which the link still unsubscribes once
    the survey is gone."""
    token = sign_survey_token(
        survey_id,
        rating_links_expire_at + UNSUBSCRIBE_LINK_LIFETIME,
        link_keys,
        TokenPurpose.UNSUBSCRIBE,
        recipient_hash,
    )
    return f"{base_url.rstrip('/')}/u/{token}"
