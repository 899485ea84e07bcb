"""The scanner against moto and the Kustomer simulator: who is surveyed, once, and at what cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from local.kustomer_sim import KustomerSimulator
from local.runtime.runtime import LocalRuntime
from surveys.adapters.kustomer.client import KustomerClient
from surveys.adapters.survey_queue import SqsSurveyQueue
from surveys.usecases.scan import scan_for_due_surveys
from surveys.usecases.triggers import trigger_settings
from tests.conftest import SIMULATOR_KEY, function_environment, start_runtime
from tests.integration.helpers import (
    add_due_conversation,
    search_requests,
    surveys_by_id,
    total_queued,
)

NOW = datetime.now(UTC).replace(microsecond=0)


def test_due_conversations_get_one_survey_each_and_the_others_none(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    seeded = simulator.seed_demo(now=NOW)

    runtime.scan(NOW)

    expected = {f"ces-{conversation}" for conversation in seeded.eligible + seeded.no_email}
    assert set(surveys_by_id(runtime)) == expected
    assert runtime.queue_depth("SurveyQueue") == len(expected)


def test_repeated_and_overlapping_scans_queue_nothing_twice(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    seeded = simulator.seed_demo(now=NOW)

    first = runtime.scan(NOW)
    again = runtime.scan(NOW)
    later = runtime.scan(NOW + timedelta(minutes=15))
    runtime.deliver()

    assert total_queued(first) == len(seeded.eligible) + len(seeded.no_email)
    assert total_queued(again) == total_queued(later) == 0
    assert len(runtime.sent_emails()) == len(seeded.eligible)


def test_first_activation_surveys_only_conversations_going_quiet_after_it(
    simulator: KustomerSimulator,
) -> None:
    runtime = start_runtime(simulator)  # BackfillHours defaults to 0
    try:
        quiet_long_ago = add_due_conversation(simulator, NOW, quiet_hours=100)
        quiet_in_an_hour = add_due_conversation(simulator, NOW, quiet_hours=47)

        assert total_queued(runtime.scan(NOW)) == 0
        assert total_queued(runtime.scan(NOW + timedelta(hours=2))) == 1

        assert set(surveys_by_id(runtime)) == {f"ces-{quiet_in_an_hour}"}
        assert f"ces-{quiet_long_ago}" not in surveys_by_id(runtime)
    finally:
        runtime.stop()


def test_backfill_reaches_back_only_as_far_as_asked(simulator: KustomerSimulator) -> None:
    runtime = start_runtime(simulator, BackfillHours="24")
    try:
        quiet_12h_ago = add_due_conversation(simulator, NOW, quiet_hours=60)
        quiet_52h_ago = add_due_conversation(simulator, NOW, quiet_hours=100)

        runtime.scan(NOW)

        assert set(surveys_by_id(runtime)) == {f"ces-{quiet_12h_ago}"}
        assert f"ces-{quiet_52h_ago}" not in surveys_by_id(runtime)
    finally:
        runtime.stop()


def test_quiet_period_is_honoured_to_the_hour(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    conversation = add_due_conversation(simulator, NOW, quiet_hours=47)

    assert total_queued(runtime.scan(NOW)) == 0
    assert total_queued(runtime.scan(NOW + timedelta(hours=1, minutes=1))) == 1
    assert f"ces-{conversation}" in surveys_by_id(runtime)


def test_quiet_period_is_a_template_parameter(simulator: KustomerSimulator) -> None:
    runtime = start_runtime(simulator, QuietHours="24", BackfillHours="720")
    try:
        conversation = add_due_conversation(simulator, NOW, quiet_hours=30)
        runtime.scan(NOW)
        assert f"ces-{conversation}" in surveys_by_id(runtime)
    finally:
        runtime.stop()


def test_a_scan_costs_what_changed_since_the_last_one(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    for _ in range(30):
        add_due_conversation(simulator, NOW)
    runtime.scan(NOW)
    simulator.reset_request_log()

    results = runtime.scan(NOW + timedelta(minutes=15))

    assert search_requests(simulator) == 1
    assert len(simulator.request_log) == 1
    assert results[0]["reports"][0]["conversations_seen"] == 0


def test_one_page_of_500_holds_a_whole_scan_of_a_few_hundred(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    conversations = [
        add_due_conversation(simulator, NOW, quiet_hours=60 + index / 60) for index in range(250)
    ]

    runtime.scan(NOW)

    assert set(surveys_by_id(runtime)) == {f"ces-{c}" for c in conversations}
    assert runtime.queue_depth("SurveyQueue") == 250
    assert search_requests(simulator) == 1


def test_pages_through_every_result_from_the_newest_seen(
    runtime: LocalRuntime, simulator: KustomerSimulator, scan_use_case
) -> None:
    conversations = [
        add_due_conversation(simulator, NOW, quiet_hours=60 + index / 60) for index in range(250)
    ]

    report = scan_use_case(lambda: 300.0, page_size=100)

    assert report.complete and report.results_in_order
    assert set(surveys_by_id(runtime)) == {f"ces-{c}" for c in conversations}
    assert runtime.queue_depth("SurveyQueue") == 250
    # A page of 100 in order proves the order: page 1 again from the newest of each page, the
    # fewest requests 250 conversations allow.
    assert search_requests(simulator) == 3


def test_conversations_sharing_one_updated_at_beyond_a_page_are_all_surveyed(
    runtime: LocalRuntime, simulator: KustomerSimulator, scan_use_case
) -> None:
    conversations = [add_due_conversation(simulator, NOW, quiet_hours=60) for _ in range(150)]

    report = scan_use_case(lambda: 300.0, page_size=50)

    assert report.complete
    assert set(surveys_by_id(runtime)) == {f"ces-{c}" for c in conversations}
    assert runtime.queue_depth("SurveyQueue") == 150


def test_a_reopened_and_resolved_again_conversation_is_not_surveyed_twice(
    runtime: LocalRuntime, simulator: KustomerSimulator
) -> None:
    conversation = add_due_conversation(simulator, NOW)
    runtime.scan(NOW)
    runtime.deliver()

    simulator.update_conversation(conversation, at=NOW + timedelta(hours=1), status="open")
    simulator.update_conversation(conversation, at=NOW + timedelta(hours=2), status="done")
    again = runtime.scan(NOW + timedelta(hours=51))
    runtime.deliver()

    assert total_queued(again) == 0
    assert len(runtime.sent_emails()) == 1


@pytest.fixture
def scan_use_case(runtime: LocalRuntime, simulator: KustomerSimulator):  # type: ignore[no-untyped-def]
    """The scan use case with the scanner's own environment and adapters."""
    queue = SqsSurveyQueue(
        runtime.moto.client("sqs"), runtime.environment("ScannerFunction")["SURVEY_QUEUE_URL"]
    )
    kustomer = KustomerClient(simulator.base_url, SIMULATOR_KEY)

    def scan(time_left, page_size=100):  # type: ignore[no-untyped-def]
        with function_environment(runtime, "ScannerFunction"):
            return scan_for_due_surveys(
                trigger_settings("ces"),
                kustomer=kustomer,
                queue=queue,
                now=NOW,
                time_left=time_left,
                page_size=page_size,
            )

    return scan


def test_a_scan_short_of_time_stops_cleanly_and_the_next_one_resumes(
    runtime: LocalRuntime, simulator: KustomerSimulator, scan_use_case
) -> None:
    conversations = [
        add_due_conversation(simulator, NOW, quiet_hours=60 + index / 60) for index in range(250)
    ]
    budget = iter([300.0])  # time for one page, then the Lambda is about to time out

    interrupted = scan_use_case(lambda: next(budget, 0.0))
    resumed = scan_use_case(lambda: 300.0)

    assert not interrupted.complete
    assert interrupted.stopped_because and "time" in interrupted.stopped_because
    assert interrupted.queued == 100
    # The oldest conversation not reached went quiet 62.5 h ago: due for 14.5 h.
    assert interrupted.lag_seconds == pytest.approx(14.5 * 3600)
    assert resumed.complete
    assert resumed.lag_seconds == 0
    assert interrupted.queued + resumed.queued == 250
    assert set(surveys_by_id(runtime)) == {f"ces-{c}" for c in conversations}
    assert runtime.queue_depth("SurveyQueue") == 250
