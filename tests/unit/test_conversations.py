"""Which resolved conversations get a survey."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from surveys.domain.conversations import (
    Conversation,
    TriggerRules,
    survey_eligibility,
    survey_id_for,
)

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
DEFAULTS = TriggerRules()


def conversation(**changes) -> Conversation:
    base = Conversation(
        id="c1",
        status="done",
        channels=frozenset({"email"}),
        updated_at=NOW - timedelta(hours=49),
        customer_id="cus1",
    )
    return replace(base, **changes)


def test_product_defaults_are_email_done_and_48_hours():
    assert DEFAULTS.quiet_period == timedelta(hours=48)
    assert DEFAULTS.channels == {"email"}
    assert DEFAULTS.statuses == {"done"}


def test_resolved_email_conversation_quiet_for_48_hours_is_due():
    result = survey_eligibility(conversation(), NOW, DEFAULTS)
    assert result.eligible
    assert result.reason == "eligible"


@pytest.mark.parametrize("status", ["open", "snoozed", "", "Done"])
def test_conversations_not_done_are_not_surveyed(status):
    result = survey_eligibility(conversation(status=status), NOW, DEFAULTS)
    assert not result.eligible
    assert result.reason == f"status {status}"


@pytest.mark.parametrize(
    ("channels", "reason"),
    [({"chat"}, "channel chat"), ({"sms", "chat"}, "channel chat,sms"), (set(), "channel none")],
)
def test_conversations_outside_email_are_not_surveyed(channels, reason):
    result = survey_eligibility(conversation(channels=frozenset(channels)), NOW, DEFAULTS)
    assert not result.eligible
    assert result.reason == reason


def test_a_conversation_that_also_used_email_is_surveyed():
    result = survey_eligibility(conversation(channels=frozenset({"chat", "email"})), NOW, DEFAULTS)
    assert result.eligible


@pytest.mark.parametrize(
    ("age", "eligible"),
    [
        (timedelta(hours=48), True),
        (timedelta(hours=48, seconds=1), True),
        (timedelta(hours=48) - timedelta(seconds=1), False),
        (timedelta(hours=1), False),
        (timedelta(0), False),
    ],
    ids=["exactly-48h", "just-over", "one-second-short", "one-hour", "just-now"],
)
def test_quiet_period_boundary(age, eligible):
    result = survey_eligibility(conversation(updated_at=NOW - age), NOW, DEFAULTS)
    assert result.eligible is eligible
    if not eligible:
        assert result.reason == "updated within the quiet period"


@pytest.mark.parametrize("customer_id", [None, ""])
def test_conversation_without_customer_is_not_surveyed(customer_id):
    result = survey_eligibility(conversation(customer_id=customer_id), NOW, DEFAULTS)
    assert not result.eligible
    assert result.reason == "no customer"


def test_custom_rules_change_quiet_period_channels_and_statuses():
    rules = TriggerRules(
        quiet_period=timedelta(hours=24),
        channels=frozenset({"chat", "email"}),
        statuses=frozenset({"done", "snoozed"}),
    )
    chat = conversation(
        channels=frozenset({"chat"}), status="snoozed", updated_at=NOW - timedelta(hours=25)
    )
    assert survey_eligibility(chat, NOW, rules).eligible
    assert not survey_eligibility(chat, NOW, DEFAULTS).eligible
    recent = replace(chat, updated_at=NOW - timedelta(hours=23))
    assert not survey_eligibility(recent, NOW, rules).eligible


def test_custom_rules_can_exclude_email():
    rules = TriggerRules(channels=frozenset({"chat"}))
    result = survey_eligibility(conversation(), NOW, rules)
    assert not result.eligible
    assert result.reason == "channel email"


def test_survey_id_is_one_per_conversation_and_metric():
    assert survey_id_for("c1", "ces") == "ces-c1"
    assert survey_id_for("c1", "ces") == survey_id_for("c1", "ces")
    assert len({survey_id_for("c1", m) for m in ("ces", "csat", "nps")}) == 3
    assert survey_id_for("c1", "ces") != survey_id_for("c2", "ces")
