"""The survey email as SES receives it: the raw bytes of the SendEmail call, in every language
and for every metric."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from surveys.adapters.mailer import SesMailer
from surveys.domain import i18n
from surveys.domain.metrics import METRICS
from surveys.domain.triggers import TriggerSettings
from surveys.usecases.send_survey import Branding, compose_survey_email
from tests.inbox_checks import headers_named, inbox_problems

NOW = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
# A stack without a custom domain links to its API's own host, which makes the links long.
BRANDING = Branding(
    company_name="Acme",
    sender_name="Acme Support",
    sender_address="surveys@acme.example.com",
    public_base_url="https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com",
)
LANGUAGES = list(i18n.QUESTIONS["ces"])


class RecordingSes:
    def __init__(self) -> None:
        self.calls: list[dict[str, object]] = []

    def send_email(self, **arguments: object) -> dict[str, str]:
        self.calls.append(arguments)
        return {"MessageId": "m-1"}


def sent_to_ses(metric: str, language: str) -> tuple[bytes, dict[str, object]]:
    message = compose_survey_email(
        TriggerSettings(metric=metric, language=language),
        survey_id=f"{metric}-6b00e929000000000000000a",
        recipient="jane.doe@example.com",
        customer_name="Jane Doe",
        language=language,
        branding=BRANDING,
        expires_at=NOW + timedelta(days=30),
        signing_key=b"k" * 32,
        now=NOW,
    )
    ses = RecordingSes()
    SesMailer(ses, "surveys-config").send(message, metric=metric, language=language)
    [call] = ses.calls
    content = call["Content"]
    assert isinstance(content, dict)
    return content["Raw"]["Data"], call


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("metric", sorted(METRICS))
def test_the_bytes_given_to_ses_are_ready_for_the_inbox(metric: str, language: str) -> None:
    raw, _ = sent_to_ses(metric, language)

    assert inbox_problems(raw) == []


def test_the_one_click_unsubscribe_header_is_a_plain_url_on_one_line() -> None:
    raw, _ = sent_to_ses("ces", "en")

    [(value, lines)] = headers_named(raw, "list-unsubscribe")
    assert value.startswith("<https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com/u/")
    assert "=?" not in value
    assert lines == 1
    assert b"\nList-Unsubscribe: <https://" in raw


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_ses_names_the_metric_and_language_in_its_feedback_id_header(metric: str) -> None:
    """SES writes Feedback-ID itself and fills its first fields from these two tags."""
    raw, call = sent_to_ses(metric, "de")

    tags = {tag["Name"]: tag["Value"] for tag in call["EmailTags"]}  # type: ignore[attr-defined]
    assert tags["ses:feedback-id-a"] == metric
    assert tags["ses:feedback-id-b"] == "de"
    assert headers_named(raw, "feedback-id") == []
