"""The reputation guard on moto: SES's rates, as SES publishes them to CloudWatch, pause the
sender before SES would; the survey waits on its queue, `trigger show` and `sending show` say
why, and `sending resume` lets it go out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from local.kustomer_sim import KustomerSimulator
from local.runtime.runtime import LocalRuntime
from surveys.adapters.ses_reputation import CloudWatchReputation
from surveys.config import settings
from surveys.usecases.sending_guard import SendingGuard, resume_sending
from tests.conftest import function_environment
from tests.integration.helpers import (
    add_due_conversation,
    let_queue_delays_pass,
    publish_ses_reputation,
    surveys_by_id,
)

NOW = datetime.now(UTC).replace(microsecond=0)


def customer_lookups(simulator: KustomerSimulator) -> int:
    return sum(
        1
        for method, path, _ in simulator.request_log
        if method == "GET" and path.startswith("/v1/customers/")
    )


@pytest.fixture
def local_stack(runtime: LocalRuntime, tmp_path: Path) -> list[str]:
    path = tmp_path / "stack.json"
    runtime.stack().write_local_file(path)
    return ["--local-file", str(path)]


def paused_with_a_waiting_survey(
    runtime: LocalRuntime, simulator: KustomerSimulator, **rates: float
) -> tuple[str, tuple[int, int]]:
    """SES publishes `rates`, then a due conversation is scanned and its survey delivered to the
    sender; returns the conversation and what the delivery handled and failed."""
    publish_ses_reputation(runtime, NOW - timedelta(minutes=20), **rates)
    conversation = add_due_conversation(simulator, NOW)
    runtime.scan(NOW)
    return conversation, runtime.deliver()


def test_a_bounce_rate_at_the_limit_pauses_the_sender_and_the_survey_waits_on_its_queue(
    runtime: LocalRuntime,
    simulator: KustomerSimulator,
    local_stack: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    conversation, delivered = paused_with_a_waiting_survey(runtime, simulator, bounce=0.042)

    assert delivered == (1, 0)
    assert runtime.sent_emails() == []
    assert surveys_by_id(runtime)[f"ces-{conversation}"]["status"] == "queued"
    assert runtime.queue_depth("SurveyQueue") == 1
    assert runtime.queue_depth("SurveyDeadLetterQueue") == 0
    assert customer_lookups(simulator) == 0
    [state] = [item for item in runtime.table_items("StateTable") if item["key"] == "sending#state"]
    assert "bounce rate for the account is 4.2 %, at or over the 4 %" in state["reason"]

    assert main([*local_stack, "trigger", "show", "ces"]) == 0
    shown = capsys.readouterr().out
    assert "Sending is paused since" in shown
    assert "why: SES's bounce rate for the account is 4.2 %" in shown
    assert "`surveys --local sending resume` sends again" in shown
    assert main([*local_stack, "sending", "show"]) == 0
    shown = capsys.readouterr().out
    assert "bounce rate     4.2 %" in shown
    assert "sender pauses at 4 %, SES reviews at 5 %" in shown
    assert "complaint rate  none published" in shown


def test_resume_refuses_while_a_rate_is_over_its_limit_unless_told_then_the_survey_goes_out(
    runtime: LocalRuntime,
    simulator: KustomerSimulator,
    local_stack: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    conversation, _ = paused_with_a_waiting_survey(runtime, simulator, bounce=0.042)

    assert main([*local_stack, "sending", "resume"]) == 1
    assert "Not resumed: SES's bounce rate for the account is 4.2 %" in capsys.readouterr().out
    let_queue_delays_pass(runtime)
    runtime.deliver()
    assert runtime.sent_emails() == []

    assert main([*local_stack, "sending", "resume", "--accept-current-rates", "--yes"]) == 0
    assert "Sending resumed, with the rates accepted" in capsys.readouterr().out
    let_queue_delays_pass(runtime)
    runtime.deliver()

    [sent] = runtime.sent_emails()
    assert sent.survey_id == f"ces-{conversation}"
    assert surveys_by_id(runtime)[sent.survey_id]["status"] == "sent"
    assert main([*local_stack, "trigger", "show", "ces"]) == 0
    assert "paused" not in capsys.readouterr().out


def test_once_the_rate_is_back_under_the_limit_resume_needs_no_flag(
    runtime: LocalRuntime,
    simulator: KustomerSimulator,
    local_stack: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    paused_with_a_waiting_survey(runtime, simulator, complaint=0.0011)
    publish_ses_reputation(runtime, NOW - timedelta(minutes=5), complaint=0.0004)

    assert main([*local_stack, "sending", "resume", "--yes"]) == 0

    assert capsys.readouterr().out.startswith("Sending resumed: the sender sends again")
    let_queue_delays_pass(runtime)
    runtime.deliver()
    assert len(runtime.sent_emails()) == 1


class CountingClient:
    """moto's CloudWatch, counting the calls made to it."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls = 0

    def get_metric_data(self, **arguments: Any) -> Any:
        self.calls += 1
        return self.client.get_metric_data(**arguments)


def test_the_guard_reads_ses_reputation_at_most_every_five_minutes(runtime: LocalRuntime) -> None:
    cloudwatch = CountingClient(runtime.moto.client("cloudwatch"))
    with function_environment(runtime, "SenderFunction"):
        guard = SendingGuard(CloudWatchReputation(cloudwatch), settings().reputation_limits())
        for minute in range(12):
            for _ in range(10):
                assert guard.pause_reason(NOW + timedelta(minutes=minute)) is None

    assert cloudwatch.calls == 3  # at minutes 0, 5 and 10, for 120 surveys


def test_a_pause_holds_when_the_rate_falls_and_accepted_rates_pause_again_only_when_they_rise(
    runtime: LocalRuntime,
) -> None:
    source = CloudWatchReputation(runtime.moto.client("cloudwatch"))
    publish_ses_reputation(runtime, NOW - timedelta(minutes=30), bounce=0.045)
    with function_environment(runtime, "SenderFunction"):
        limits = settings().reputation_limits()
        guard = SendingGuard(source, limits)
        assert guard.pause_reason(NOW) is not None

        publish_ses_reputation(runtime, NOW + timedelta(minutes=10), bounce=0.01)
        assert guard.pause_reason(NOW + timedelta(minutes=15)) is not None

        publish_ses_reputation(runtime, NOW + timedelta(minutes=20), bounce=0.045)
        resumed = resume_sending(source, limits, NOW + timedelta(minutes=25), True)
        assert resumed.resumed and resumed.still_over_limit is not None
        assert guard.pause_reason(NOW + timedelta(minutes=25)) is None

        publish_ses_reputation(runtime, NOW + timedelta(minutes=30), bounce=0.047)
        reason = guard.pause_reason(NOW + timedelta(minutes=31))
    assert reason is not None and "4.7 %" in reason
