"""The survey email as SES receives it: the raw bytes of the SendEmail call, in every language
and for every metric."""

from __future__ import annotations

import pytest

from surveys.domain.metrics import METRICS
from tests.inbox_checks import LANGUAGES, headers_named, inbox_problems, sent_to_ses


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("metric", sorted(METRICS))
def test_the_bytes_given_to_ses_are_ready_for_the_inbox(metric: str, language: str) -> None:
    raw, _ = sent_to_ses(metric, language)

    assert inbox_problems(raw) == []


def test_the_one_click_unsubscribe_header_is_a_plain_url_on_one_line() -> None:
    raw, _ = sent_to_ses("ces", "en")

    [(value, lines)] = headers_named(raw, "list-unsubscribe")
    assert value.startswith("<https://k7x2m9qfzt.execute-api.eu-central-1.amazonaws.com/u/")
    assert "=?" not in value
    assert lines == 1
    assert b"\nList-Unsubscribe: <https://" in raw


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_ses_names_the_metric_and_language_in_its_feedback_id_header(metric: str) -> None:
    """SES writes Feedback-ID itself and fills its first fields from these two tags."""
    raw, call = sent_to_ses(metric, "de")

    tags = {tag["Name"]: tag["Value"] for tag in call["EmailTags"]}
    assert tags["ses:feedback-id-a"] == metric
    assert tags["ses:feedback-id-b"] == "de"
    assert headers_named(raw, "feedback-id") == []
