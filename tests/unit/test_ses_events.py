"""Reading what SES publishes about a survey email (examples in tests/fixtures, as AWS documents
them)."""

import json
from pathlib import Path

import pytest

from surveys.domain.ses_events import SesEvent

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def load(name, **replacements):
    text = (FIXTURES / name).read_text()
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    return text


def test_a_permanent_bounce_names_its_recipient_and_survey():
    event = SesEvent.model_validate_json(
        load("ses_bounce_event.json", RECIPIENT="jane@example.com", SURVEY_ID="ces-c1")
    )
    assert event.is_permanent_bounce
    assert event.mail.survey_id == "ces-c1"
    assert event.bounce is not None
    [recipient] = event.bounce.bounced_recipients
    assert recipient.email_address == "jane@example.com"
    assert recipient.diagnostic_code is not None
    assert recipient.diagnostic_code.startswith("smtp; 550 5.1.1")


def test_a_transient_bounce_is_not_permanent():
    payload = json.loads(load("ses_bounce_event.json"))
    payload["bounce"]["bounceType"] = "Transient"
    assert not SesEvent.model_validate(payload).is_permanent_bounce


@pytest.mark.parametrize("type_field", ["eventType", "notificationType"])
def test_a_complaint_reads_the_same_from_event_publishing_and_identity_notifications(type_field):
    payload = json.loads(load("ses_complaint_event.json", RECIPIENT="jane@example.com"))
    payload[type_field] = payload.pop("eventType")
    event = SesEvent.model_validate(payload)
    assert event.event_type == "Complaint"
    assert event.complaint is not None
    assert event.complaint.complaint_feedback_type == "abuse"
    assert event.complaint.complained_recipients[0].email_address == "jane@example.com"


def test_identity_notifications_carry_no_tags_and_so_no_survey():
    payload = json.loads(load("ses_complaint_event.json"))
    del payload["mail"]["tags"]
    assert SesEvent.model_validate(payload).mail.survey_id is None
