"""Trigger settings on the local runtime: each one changes what users see, or it is ignored.

Every test sets one setting and checks an outcome that the default would not give.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from local.kustomer_sim import KustomerSimulator
from local.recipient import answer
from local.runtime.runtime import LocalRuntime, SentEmail
from surveys.usecases.triggers import TriggerSettingsError
from tests.integration.helpers import add_due_conversation, surveys_by_id, total_queued

NOW = datetime.now(UTC).replace(microsecond=0)


def _cycle(runtime: LocalRuntime, now: datetime = NOW) -> list[SentEmail]:
    runtime.scan(now)
    runtime.deliver()
    return runtime.sent_emails()


def _answer(sent: SentEmail, score: int, comment: str = "") -> requests.Response:
    return answer(sent.rating_links()[score], score, comment)


def _custom(simulator: KustomerSimulator, conversation: str) -> dict[str, Any]:
    return dict(simulator.conversation(conversation)["attributes"].get("custom") or {})


# --- activation ---------------------------------------------------------------------------------


def test_an_inactive_trigger_queues_nothing(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    add_due_conversation(simulator, NOW)
    runtime.set_trigger("ces", active=False)

    assert total_queued(runtime.scan(NOW)) == 0


def test_deactivation_stops_queued_surveys_and_keeps_everything_else(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    answered = add_due_conversation(simulator, NOW, quiet_hours=70)
    waiting = add_due_conversation(simulator, NOW, quiet_hours=47)
    _cycle(runtime)
    (first,) = runtime.sent_emails()
    _answer(first, 6)
    runtime.write_back()
    runtime.scan(NOW + timedelta(hours=2))

    settings = runtime.set_trigger("ces", active=False, delay_hours=49)
    runtime.deliver()

    assert len(runtime.sent_emails()) == 1
    surveys = surveys_by_id(runtime)
    assert surveys[f"ces-{waiting}"]["status"] == "skipped"
    assert surveys[f"ces-{waiting}"]["skip_reason"] == "trigger inactive when sending"
    assert surveys[f"ces-{answered}"]["status"] == "sent"
    assert _custom(simulator, answered)["cesScoreNum"] == 6
    assert settings.delay_hours == 49 and not settings.active


def test_each_metric_has_its_own_trigger_emails_and_writeback(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime.set_trigger("ces", active=False)
    runtime.set_trigger("nps")
    conversation = add_due_conversation(simulator, NOW)

    (sent,) = _cycle(runtime)
    _answer(sent, 9, "Would recommend")
    runtime.write_back()

    assert sent.survey_id == f"nps-{conversation}"
    assert sorted(sent.rating_links()) == list(range(11))
    assert "How likely are you to recommend Acme" in sent.text
    assert _custom(simulator, conversation) == {
        "npsScoreNum": 9,
        "npsCommentTxt": "Would recommend",
    }
    (note,) = simulator.notes_for(conversation)
    assert "Net Promoter Score (NPS) rating: 9 out of 10" in note["attributes"]["body"]


def test_two_metrics_survey_the_same_conversation_once_each_when_fatigue_is_off(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime.set_trigger("ces", fatigue_days=0)
    runtime.set_trigger("csat", fatigue_days=0)
    conversation = add_due_conversation(simulator, NOW)

    sent = _cycle(runtime)

    assert sorted(message.survey_id for message in sent) == [
        f"ces-{conversation}",
        f"csat-{conversation}",
    ]


# --- who is surveyed ----------------------------------------------------------------------------


def test_delay_hours_changes_when_a_conversation_is_due(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime.set_trigger("ces", delay_hours=24)
    conversation = add_due_conversation(simulator, NOW, quiet_hours=30)

    runtime.scan(NOW)

    assert f"ces-{conversation}" in surveys_by_id(runtime)


def test_channels_setting_surveys_other_channels(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    chat = add_due_conversation(simulator, NOW, channels=["chat"])
    email = add_due_conversation(simulator, NOW)
    runtime.set_trigger("ces", channels=["chat"])

    runtime.scan(NOW)

    assert set(surveys_by_id(runtime)) == {f"ces-{chat}"}
    assert f"ces-{email}" not in surveys_by_id(runtime)


def test_statuses_setting_surveys_snoozed_conversations(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    snoozed = add_due_conversation(simulator, NOW, status="snoozed")
    runtime.set_trigger("ces", statuses=["done", "snoozed"])

    runtime.scan(NOW)

    assert f"ces-{snoozed}" in surveys_by_id(runtime)


@pytest.mark.parametrize(
    ("setting", "matching", "other"),
    [
        ("exclude_tags", {"tags": ["spam"]}, {"tags": ["billing"]}),
        ("exclude_brands", {"brand_id": "brand-b"}, {"brand_id": "brand-a"}),
        ("exclude_queues", {"queue_id": "queue-vip"}, {"queue_id": "queue-general"}),
    ],
)
def test_excluded_tags_brands_and_queues_are_never_surveyed(
    runtime: LocalRuntime,
    simulator: KustomerSimulator,
    setting: str,
    matching: dict[str, Any],
    other: dict[str, Any],
) -> None:
    value = next(iter(matching.values()))
    runtime.set_trigger("ces", **{setting: value if isinstance(value, list) else [value]})
    excluded = add_due_conversation(simulator, NOW, **matching)
    kept = add_due_conversation(simulator, NOW, **other)

    runtime.scan(NOW)

    assert set(surveys_by_id(runtime)) == {f"ces-{kept}"}
    assert f"ces-{excluded}" not in surveys_by_id(runtime)


@pytest.mark.parametrize(
    ("setting", "matching", "other"),
    [
        ("include_tags", {"tags": ["billing"]}, {"tags": ["other"]}),
        ("include_brands", {"brand_id": "brand-a"}, {"brand_id": "brand-b"}),
        ("include_queues", {"queue_id": "queue-vip"}, {}),
    ],
)
def test_included_tags_brands_and_queues_limit_who_is_surveyed(
    runtime: LocalRuntime,
    simulator: KustomerSimulator,
    setting: str,
    matching: dict[str, Any],
    other: dict[str, Any],
) -> None:
    value = next(iter(matching.values()))
    runtime.set_trigger("ces", **{setting: value if isinstance(value, list) else [value]})
    included = add_due_conversation(simulator, NOW, **matching)
    add_due_conversation(simulator, NOW, **other)

    runtime.scan(NOW)

    assert set(surveys_by_id(runtime)) == {f"ces-{included}"}


def test_fatigue_surveys_a_customer_once_per_period_across_metrics(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    customer = simulator.add_customer("Jane Doe", ["jane@example.com"])
    first = simulator.add_conversation(customer, updated_at=NOW - timedelta(hours=80))
    second = simulator.add_conversation(customer, updated_at=NOW - timedelta(hours=60))
    runtime.set_trigger("csat")

    sent = _cycle(runtime)

    assert len(sent) == 1
    skipped = [item for item in surveys_by_id(runtime).values() if item["status"] == "skipped"]
    assert len(skipped) == 3  # the other metric on the same conversation, and the second one
    assert {item["skip_reason"] for item in skipped} == {"customer already surveyed within 30 days"}
    assert {item["conversation_id"] for item in skipped} | {sent[0].survey_id.split("-", 1)[1]} == {
        first,
        second,
    }


def test_fatigue_off_surveys_every_conversation(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime.set_trigger("ces", fatigue_days=0)
    customer = simulator.add_customer("Jane Doe", ["jane@example.com"])
    simulator.add_conversation(customer, updated_at=NOW - timedelta(hours=80))
    simulator.add_conversation(customer, updated_at=NOW - timedelta(hours=60))

    assert len(_cycle(runtime)) == 2


def test_backfill_hours_of_the_trigger_apply_on_activation(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime.set_trigger("ces", backfill_hours=0)
    add_due_conversation(simulator, NOW, quiet_hours=60)

    assert total_queued(runtime.scan(NOW)) == 0


# --- what the email says ------------------------------------------------------------------------


def test_email_wording_and_sender_come_from_the_trigger(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime.set_trigger(
        "ces",
        sender_name="Acme Care Team",
        reply_to="care@acme.example.com",
        subject="A quick question from {company}",
        intro_text="We closed your ticket this week.",
        company_name="Acme Europe",
        question="Acme Europe solved my problem without fuss.",
    )
    add_due_conversation(simulator, NOW)

    (sent,) = _cycle(runtime)

    message = sent.message
    assert message["From"] == "Acme Care Team <surveys@acme.example.com>"
    assert message["Reply-To"] == "care@acme.example.com"
    assert message["Subject"] == "A quick question from Acme Europe"
    assert "We closed your ticket this week." in sent.text
    assert "Acme Europe solved my problem without fuss." in sent.html
    page = requests.get(sent.rating_links()[5], timeout=10)
    assert "Acme Europe solved my problem without fuss." in page.text


def test_language_setting_localizes_the_email(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime.set_trigger("ces", language="de")
    customer = simulator.add_customer("Jana Novak", ["jana@example.com"], locale="")
    simulator.add_conversation(customer, updated_at=NOW - timedelta(hours=60))

    (sent,) = _cycle(runtime)

    assert sent.message["Subject"] == "Wie war Ihre Erfahrung mit Acme?"
    assert sent.message["Content-Language"] == "de"
    assert "Acme hat es mir leicht gemacht, mein Anliegen zu lösen." in sent.text
    assert "Stimme voll und ganz zu" in sent.text


def test_the_customers_kustomer_locale_wins_over_the_trigger_language(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime.set_trigger("ces", language="de")
    customer = simulator.add_customer("Juraj Kováč", ["juraj@example.com"], locale="sk-SK")
    simulator.add_conversation(customer, updated_at=NOW - timedelta(hours=60))

    (sent,) = _cycle(runtime)

    assert sent.message["Content-Language"] == "sk"
    assert "Rozhodne súhlasím" in sent.text


def test_link_expiry_days_closes_the_survey(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime.set_trigger("ces", link_expiry_days=1)
    conversation = add_due_conversation(simulator, NOW)
    _cycle(runtime)

    survey = surveys_by_id(runtime)[f"ces-{conversation}"]

    expires, sent = (
        datetime.strptime(survey[name], "%Y-%m-%dT%H:%M:%S.%f%z")
        for name in ("links_expire_at", "sent_at")
    )
    assert expires - sent == timedelta(days=1)


# --- answers ------------------------------------------------------------------------------------


def test_rating_changes_can_be_forbidden(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime.set_trigger("ces", rating_changes_allowed=False)
    conversation = add_due_conversation(simulator, NOW)
    (sent,) = _cycle(runtime)

    assert _answer(sent, 6).status_code == 200
    change = _answer(sent, 2)
    runtime.write_back()

    assert change.status_code == 409
    assert "cannot be changed" in change.text
    assert _custom(simulator, conversation)["cesScoreNum"] == 6


def test_rating_changes_end_with_the_window(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime.set_trigger("ces", rating_change_window_hours=0)
    add_due_conversation(simulator, NOW)
    (sent,) = _cycle(runtime)

    _answer(sent, 6)
    change = _answer(sent, 2)

    assert change.status_code == 409
    assert "The time to change your answer has passed" in change.text


def test_score_and_comment_attribute_names_come_from_the_trigger(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    simulator.define_custom_attribute("effortNum")
    simulator.define_custom_attribute("effortRemarkTxt")
    runtime.set_trigger("ces", score_attribute="effortNum", comment_attribute="effortRemarkTxt")
    conversation = add_due_conversation(simulator, NOW)
    (sent,) = _cycle(runtime)

    _answer(sent, 3, "Slow")
    runtime.write_back()

    assert _custom(simulator, conversation) == {"effortNum": 3, "effortRemarkTxt": "Slow"}


def test_send_window_holds_surveys_until_it_opens(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    closed_now = NOW.astimezone(UTC) + timedelta(hours=2)
    window = {
        "start": closed_now.strftime("%H:%M"),
        "end": (closed_now + timedelta(hours=1)).strftime("%H:%M"),
        "timezone": "UTC",
    }
    runtime.set_trigger("ces", send_window=window)
    conversation = add_due_conversation(simulator, NOW)

    runtime.scan(NOW)
    handled, failed = runtime.deliver()

    assert (handled, failed) == (1, 0)
    assert runtime.sent_emails() == []
    assert surveys_by_id(runtime)[f"ces-{conversation}"]["status"] == "queued"
    assert runtime.queue_depth("SurveyQueue") == 1  # waiting, delayed, for the window


def test_send_window_that_is_open_sends_at_once(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    runtime.set_trigger("ces", send_window={"start": "00:00", "end": "23:59", "timezone": "UTC"})
    add_due_conversation(simulator, NOW)

    if NOW.astimezone(UTC).strftime("%H:%M") == "23:59":
        pytest.skip("the window closes this very minute")
    assert len(_cycle(runtime)) == 1


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"delay_hours": 0}, "delay_hours"),
        ({"channels": ["fax"]}, "channels must be some of"),
        ({"statuses": []}, "statuses must be some of"),
        ({"language": "ja"}, "language must be one of"),
        ({"reply_to": "not-an-address"}, "is not an email address"),
        ({"score_attribute": "cesScore"}, "number attribute name"),
        ({"include_tags": ["vip"], "exclude_tags": ["vip"]}, "both included and excluded"),
        ({"send_window": {"start": "09:00", "end": "09:00"}}, "no time left to send"),
        ({"send_window": {"start": "09:00", "end": "17:00", "timezone": "Mars/Base"}}, "zone"),
        ({"activated_at": "2020-01-01T00:00:00Z"}, "use activate or deactivate"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_invalid_settings_are_refused_with_a_clear_error_and_nothing_changes(
    runtime: LocalRuntime, change: dict[str, Any], message: str
) -> None:
    before = runtime.set_trigger("ces", active=True)

    with pytest.raises(TriggerSettingsError, match=message):
        runtime.set_trigger("ces", **change)

    after = runtime.set_trigger("ces", active=True)
    assert after.changed(activated_at=before.activated_at) == before
