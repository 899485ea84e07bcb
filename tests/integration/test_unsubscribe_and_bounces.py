"""Unsubscribes, bounces and complaints: after one, no metric ever surveys the address again, and
the agents read it on the conversation in Kustomer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from local.kustomer_sim import KustomerSimulator
from local.recipient import PERSON_CLICKING_SEND, confirm_unsubscribe, send_form
from local.runtime.runtime import LocalRuntime, SentEmail
from tests.integration.helpers import add_due_conversation, surveys_by_id

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NOW = datetime.now(UTC).replace(microsecond=0)
ADDRESS = "jane.doe@example.com"


@pytest.fixture
def sent(runtime: LocalRuntime, simulator: KustomerSimulator) -> SentEmail:
    add_due_conversation(simulator, NOW, emails=(ADDRESS,))
    runtime.scan(NOW)
    runtime.deliver()
    [message] = runtime.sent_emails()
    return message


def _suppressions(runtime: LocalRuntime) -> dict[str, dict[str, Any]]:
    return {item["address"]: item for item in runtime.table_items("SuppressionsTable")}


def _conversation(sent: SentEmail) -> str:
    return sent.survey_id.split("-", 1)[1]


def _notes(simulator: KustomerSimulator, conversation: str) -> list[str]:
    return [str(note["attributes"]["body"]) for note in simulator.notes_for(conversation)]


def _survey_the_same_customer_again(
    runtime: LocalRuntime, simulator: KustomerSimulator, sent: SentEmail
) -> dict[str, Any]:
    """A later conversation of the same customer, due for an NPS survey (another metric)."""
    customer = simulator.conversation(_conversation(sent))["relationships"]["customer"]["data"][
        "id"
    ]
    later = simulator.add_conversation(customer, updated_at=NOW - timedelta(hours=50))
    runtime.set_trigger("ces", active=False)
    runtime.set_trigger("nps", fatigue_days=0, backfill_hours=720)
    runtime.scan(NOW)
    runtime.deliver()
    return surveys_by_id(runtime)[f"nps-{later}"]


def _ses_event(name: str, sent: SentEmail) -> str:
    text = (FIXTURES / name).read_text()
    return text.replace("RECIPIENT", ADDRESS).replace("SURVEY_ID", sent.survey_id)


# --- unsubscribing --------------------------------------------------------------------------


def test_the_email_offers_one_click_unsubscribe_to_mail_apps(sent: SentEmail) -> None:
    assert sent.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent.unsubscribe_link.startswith("http://127.0.0.1:")
    assert "/u/" in sent.unsubscribe_link
    assert sent.unsubscribe_link in sent.text
    assert sent.unsubscribe_link in sent.html


def test_opening_the_unsubscribe_link_asks_for_a_click_and_changes_nothing(
    runtime: LocalRuntime, sent: SentEmail
) -> None:
    page = requests.get(sent.unsubscribe_link, headers=PERSON_CLICKING_SEND, timeout=10)

    assert page.status_code == 200
    assert "Stop survey emails?" in page.text
    assert f"Acme will not send survey emails to {ADDRESS} again." in page.text
    assert '<button type="submit">Unsubscribe</button>' in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert _suppressions(runtime) == {}


def test_confirming_unsubscribes_and_no_metric_surveys_the_address_again(
    runtime: LocalRuntime, simulator: KustomerSimulator, sent: SentEmail
) -> None:
    done = confirm_unsubscribe(sent.unsubscribe_link)

    assert done.status_code == 200
    assert "You are unsubscribed" in done.text
    assert _suppressions(runtime)[ADDRESS]["reason"] == "unsubscribed"
    later = _survey_the_same_customer_again(runtime, simulator, sent)
    assert later["status"] == "skipped"
    assert later["skip_reason"] == "address unsubscribed: no survey is sent to it again"
    assert len(runtime.sent_emails()) == 1


def test_a_mail_apps_one_click_unsubscribe_is_honoured_without_a_browser(
    runtime: LocalRuntime, sent: SentEmail
) -> None:
    # RFC 8058: the mailbox provider POSTs exactly this body, from its servers.
    response = requests.post(
        sent.unsubscribe_link,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )

    assert response.status_code == 200
    assert _suppressions(runtime)[ADDRESS]["survey_id"] == sent.survey_id


def test_a_scanner_posting_the_unsubscribe_form_unsubscribes_nobody(
    runtime: LocalRuntime, sent: SentEmail
) -> None:
    response = requests.post(sent.unsubscribe_link, data={"confirm": "unsubscribe"}, timeout=10)

    assert response.status_code == 403
    assert "Please press Unsubscribe to confirm." in response.text
    assert _suppressions(runtime) == {}


def test_a_rating_link_cannot_unsubscribe_and_an_unsubscribe_link_cannot_rate(
    runtime: LocalRuntime, sent: SentEmail
) -> None:
    rating_token = sent.rating_links()[5].split("/r/", 1)[1].split("?")[0]
    unsubscribe_token = sent.unsubscribe_link.rsplit("/u/", 1)[1]
    base = sent.unsubscribe_link.split("/u/", 1)[0]

    assert confirm_unsubscribe(f"{base}/u/{rating_token}").status_code == 403
    assert send_form(f"{base}/r/{unsubscribe_token}", 5).status_code == 403
    assert _suppressions(runtime) == {}
    assert runtime.table_items("RatingsTable") == []


def test_the_unsubscribe_is_noted_once_on_the_conversation_in_kustomer(
    runtime: LocalRuntime, simulator: KustomerSimulator, sent: SentEmail
) -> None:
    confirm_unsubscribe(sent.unsubscribe_link)
    confirm_unsubscribe(sent.unsubscribe_link)

    first = runtime.reconcile(NOW + timedelta(hours=1))
    second = runtime.reconcile(NOW + timedelta(hours=2))

    assert (first["suppression_notes"], second["suppression_notes"]) == (1, 0)
    [note] = _notes(simulator, _conversation(sent))
    assert note.splitlines()[0] == "The customer unsubscribed from survey emails."
    assert f"No survey will be sent to {ADDRESS} again." in note
    assert "note_pending" not in _suppressions(runtime)[ADDRESS]


# --- SES bounces and complaints -------------------------------------------------------------


def test_a_permanent_bounce_suppresses_the_address_and_is_noted_in_kustomer(
    runtime: LocalRuntime, simulator: KustomerSimulator, sent: SentEmail
) -> None:
    failed = runtime.publish("SesEventsTopic", _ses_event("ses_bounce_event.json", sent))

    assert failed == 0
    suppression = _suppressions(runtime)[ADDRESS]
    assert suppression["reason"] == "bounced"
    assert suppression["detail"].startswith("Permanent/General: smtp; 550 5.1.1")
    runtime.reconcile(NOW + timedelta(hours=1))
    [note] = _notes(simulator, _conversation(sent))
    assert note.splitlines()[0] == "The survey email bounced permanently."
    # The remote server's words are escaped: they name the address in angle brackets.
    assert f"&lt;{ADDRESS}&gt;: Recipient address rejected" in note
    later = _survey_the_same_customer_again(runtime, simulator, sent)
    assert later["skip_reason"] == "address bounced: no survey is sent to it again"


def test_a_complaint_suppresses_the_address(
    runtime: LocalRuntime, simulator: KustomerSimulator, sent: SentEmail
) -> None:
    runtime.publish("SesEventsTopic", _ses_event("ses_complaint_event.json", sent))

    assert _suppressions(runtime)[ADDRESS]["reason"] == "complained"
    later = _survey_the_same_customer_again(runtime, simulator, sent)
    assert later["skip_reason"] == "address complained: no survey is sent to it again"


@pytest.mark.parametrize(
    "message",
    [
        "Successfully validated SNS topic for Amazon SES event publishing.",
        "TRANSIENT",
        '{"eventType": "Delivery", "mail": {"messageId": "x"}, "delivery": {}}',
    ],
    ids=["ses-test-message", "transient-bounce", "delivery"],
)
def test_other_ses_messages_suppress_nobody(
    runtime: LocalRuntime, sent: SentEmail, message: str
) -> None:
    if message == "TRANSIENT":
        message = _ses_event("ses_bounce_event.json", sent).replace(
            '"bounceType": "Permanent"', '"bounceType": "Transient"'
        )

    assert runtime.publish("SesEventsTopic", message) == 0
    assert _suppressions(runtime) == {}
    assert runtime.queue_depth("SesEventsDeadLetterQueue") == 0


def test_an_ses_event_that_cannot_be_recorded_waits_whole_in_the_dead_letter_queue(
    runtime: LocalRuntime, sent: SentEmail
) -> None:
    bounce = _ses_event("ses_bounce_event.json", sent)
    runtime.moto.client("dynamodb").delete_table(
        TableName=runtime.environment("SesEventsFunction")["SUPPRESSIONS_TABLE"]
    )

    assert runtime.publish("SesEventsTopic", bounce) == 1

    sqs = runtime.moto.client("sqs")
    [letter] = sqs.receive_message(
        QueueUrl=runtime.resolver.names.refs["SesEventsDeadLetterQueue"]
    )["Messages"]
    assert json.loads(letter["Body"])["Records"][0]["Sns"]["Message"] == bounce
