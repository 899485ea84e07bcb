"""Closing the loop, end to end on moto and the Kustomer simulator over HTTP: the reason behind a
low score written back, the conversation tagged, the event on the stack's bus, the alert email;
and the one reminder, sent once and only while it makes sense."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
import requests

from local.kustomer_sim import KustomerSimulator
from local.recipient import send_form
from local.runtime.runtime import LocalRuntime, SentEmail
from surveys import bootstrap
from surveys.adapters.store.surveys import find_survey
from surveys.usecases.reminders import reminder_request
from tests.conftest import start_runtime
from tests.integration.helpers import add_due_conversation, surveys_by_id

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "survey-events.schema.json").read_text()
)


@pytest.fixture
def runtime(simulator: KustomerSimulator) -> LocalRuntime:
    local = start_runtime(simulator, BackfillHours="720", AlertEmail="leads@acme.example.com")
    local.set_trigger("ces", negative_tag="survey-negative")
    yield local
    local.stop()


def _send_one(simulator: KustomerSimulator, runtime: LocalRuntime, **customer: object) -> SentEmail:
    now = datetime.now(UTC)
    conversation_id = add_due_conversation(simulator, now, **customer)
    runtime.scan(now)
    runtime.deliver()
    [sent] = [mail for mail in runtime.sent_emails() if conversation_id in mail.survey_id]
    return sent


def _conversation_id(sent: SentEmail) -> str:
    return sent.survey_id.split("-", 1)[1]


def test_a_low_score_with_reasons_reaches_kustomer_the_bus_and_the_team(
    simulator: KustomerSimulator, runtime: LocalRuntime
) -> None:
    sent = _send_one(simulator, runtime)
    conversation_id = _conversation_id(sent)
    vip = simulator.add_tag("vip")
    simulator.append_tags(conversation_id, [vip])

    page = send_form(
        sent.rating_links()[2], 2, "Three emails <b>again</b>", ("repeated", "too_long")
    )
    assert page.status_code == 200
    assert "I had to repeat myself" in page.text and "It took too long" in page.text
    runtime.write_back()

    custom = simulator.conversation(conversation_id)["attributes"]["custom"]
    # The ids in the trigger's order, whatever the order ticked: reports and workflows read ids.
    assert custom == {
        "cesScoreNum": 2,
        "cesCommentTxt": "Three emails <b>again</b>",
        "cesReasonStr": "too_long,repeated",
    }
    [note] = [n["attributes"]["body"] for n in simulator.notes_for(conversation_id)]
    assert "What went wrong: It took too long; I had to repeat myself" in note
    # The tag is added, the agents' own tag stays.
    assert simulator.tag_names(conversation_id) == ["vip", "survey-negative"]

    [event] = runtime.bus_events()
    assert event["source"] == "kustomer-surveys"
    assert event["detail-type"] == "Survey Answered"
    jsonschema.validate(event["detail"], SCHEMA)
    detail = event["detail"]
    assert (detail["score"], detail["sentiment"], detail["reasons"]) == (
        2,
        "negative",
        ["too_long", "repeated"],
    )
    assert detail["commentLength"] == len("Three emails <b>again</b>")
    # Never the address nor the comment's text.
    assert "example.com" not in json.dumps(event) and "again" not in json.dumps(event)

    [alert] = runtime.notifications()
    assert alert.recipient == "leads@acme.example.com"
    assert alert.subject.startswith("Negative CES answer: 2 of 7")
    assert "What went wrong: It took too long; I had to repeat myself" in alert.message
    assert "> Three emails <b>again</b>" in alert.message
    assert "/app/customers/" in alert.message and conversation_id in alert.message


def test_a_changed_answer_is_an_event_of_its_own_and_the_tag_is_never_taken_off(
    simulator: KustomerSimulator, runtime: LocalRuntime
) -> None:
    sent = _send_one(simulator, runtime)
    conversation_id = _conversation_id(sent)
    send_form(sent.rating_links()[1], 1, "", ("not_solved",))
    runtime.write_back()
    send_form(sent.rating_links()[6], 6, "Solved after all")
    runtime.write_back()
    # Replayed stream records and a sweep change nothing.
    runtime.reconcile(datetime.now(UTC) + timedelta(hours=3))
    runtime.route_events()

    kinds = [(e["detail-type"], e["detail"]["version"]) for e in runtime.bus_events()]
    assert kinds == [("Survey Answered", 1), ("Survey Answer Changed", 2)]
    changed = runtime.bus_events()[1]["detail"]
    assert (changed["previousScore"], changed["sentiment"], changed["reasons"]) == (
        1,
        "positive",
        [],
    )
    custom = simulator.conversation(conversation_id)["attributes"]["custom"]
    assert (custom["cesScoreNum"], custom["cesReasonStr"]) == (6, "")
    assert simulator.tag_names(conversation_id) == ["survey-negative"]
    # Only the negative answer is mailed.
    assert len(runtime.notifications()) == 1


def test_a_reason_with_a_positive_score_is_left_out_and_a_forged_one_refused_with_the_page(
    simulator: KustomerSimulator, runtime: LocalRuntime
) -> None:
    sent = _send_one(simulator, runtime)
    forged = send_form(sent.rating_links()[2], 2, "kept?", ("too_long", "<script>x</script>"))
    assert forged.status_code == 400
    assert "is not on this list, so nothing was saved" in forged.text
    assert "&lt;script&gt;" not in forged.text and "<script>x" not in forged.text
    # The page keeps what the person wrote and ticked.
    assert 'value="too_long" checked' in forged.text and "kept?" in forged.text
    assert "ces-" + _conversation_id(sent) not in {
        item["survey_id"] for item in runtime.table_items("RatingsTable")
    }
    [vote] = runtime.table_items("VotesTable")
    assert vote["verdict"] == "dropped" and "reasons not offered" in vote["reasons"][0]

    assert send_form(sent.rating_links()[7], 7, "", ("too_long",)).status_code == 200
    [rating] = runtime.table_items("RatingsTable")
    assert rating["score"] == 7 and not rating.get("reasons")
    # No score, no answer: a reason alone is refused like any answer without a score.
    assert send_form(sent.rating_links()[7], None, None, ("too_long",)).status_code == 400
    # A link scanner posting reasons records nothing.
    scanner = requests.post(
        sent.rating_links()[1].split("?")[0], data={"score": "1", "reason": "too_long"}, timeout=10
    )
    assert scanner.status_code == 403
    [rating] = runtime.table_items("RatingsTable")
    assert rating["score"] == 7


def _remind(runtime: LocalRuntime, days: float) -> dict[str, object]:
    [result] = runtime.scan(datetime.now(UTC) + timedelta(days=days))
    runtime.deliver()
    return result


def _reminders(runtime: LocalRuntime) -> list[SentEmail]:
    return [mail for mail in runtime.sent_emails() if "Reminder" in str(mail.message["Subject"])]


def test_one_reminder_goes_out_after_three_days_with_the_same_links_and_is_answered(
    simulator: KustomerSimulator, runtime: LocalRuntime
) -> None:
    sent = _send_one(simulator, runtime)
    assert _remind(runtime, 2)["reminders"] == [
        {"metric": "ces", "program": "ces", "queued": 0, "dropped": 0, "stopped_because": None}
    ]
    assert not _reminders(runtime)

    _remind(runtime, 3.1)
    [reminder] = _reminders(runtime)
    assert reminder.message["Subject"] == "Reminder: how was your experience with Acme?"
    assert "A few days ago we asked you one quick question" in reminder.text
    assert reminder.rating_links() == sent.rating_links()
    assert reminder.unsubscribe_link == sent.unsubscribe_link
    assert reminder.recipients == sent.recipients

    # Later sweeps, a duplicate delivery of the reminder and a replayed scan send nothing more.
    _remind(runtime, 3.2)
    _remind(runtime, 4)
    assert len(_reminders(runtime)) == 1
    [event] = [e for e in runtime.bus_events() if e["detail-type"] == "Survey Reminder Sent"]
    assert event["detail"]["survey"] == sent.survey_id

    assert send_form(reminder.rating_links()[6], 6).status_code == 200
    survey = surveys_by_id(runtime)[sent.survey_id]
    assert survey["reminder_sent_at"] and not survey.get("reminder_metric")


def test_a_duplicated_reminder_message_sends_one_email(
    simulator: KustomerSimulator, runtime: LocalRuntime
) -> None:
    sent = _send_one(simulator, runtime)
    runtime.scan(datetime.now(UTC) + timedelta(days=3.1))
    # SQS delivers the queued reminder twice; a crashed sweep had queued it once more too.
    with runtime.stack().as_admin():
        request = reminder_request(find_survey(sent.survey_id))
        bootstrap.survey_queue().send([request, request])
    runtime.deliver()
    assert len(_reminders(runtime)) == 1


@pytest.mark.parametrize("why", ["answered", "unsubscribed", "deactivated", "expiring", "off"])
def test_no_reminder_once_it_makes_no_sense(
    simulator: KustomerSimulator, runtime: LocalRuntime, why: str
) -> None:
    if why == "expiring":
        runtime.set_trigger("ces", link_expiry_days=4)
    if why == "off":
        runtime.set_trigger("ces", reminder_after_days=0)
    sent = _send_one(simulator, runtime)
    if why == "answered":
        assert send_form(sent.rating_links()[5], 5).status_code == 200
    if why == "unsubscribed":
        requests.post(
            sent.unsubscribe_link,
            data="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=10,
        )
    if why == "deactivated":
        runtime.set_trigger("ces", active=False)
    if why == "expiring":
        # Links expire 4 days after sending: at 3.5 days there is less than a day left.
        _remind(runtime, 3.5)
    else:
        _remind(runtime, 3.1)
    assert not _reminders(runtime)
    if why == "unsubscribed":
        kinds = [e["detail-type"] for e in runtime.bus_events()]
        assert kinds == ["Survey Unsubscribed"]
