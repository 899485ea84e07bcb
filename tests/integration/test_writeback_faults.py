"""The writeback under Kustomer's faults: 429 storms, 500s, timeouts and lost responses, outages
of 6 and 30 hours, replayed and out-of-order stream records, a conversation deleted, a survey
held by another writer.

Kustomer's clock is simulated. The functions' Kustomer client sleeps on it, so backoffs and
Retry-After waits pass at once while the simulator sees the time go by, and the tests move it by
hours instead of waiting. Each test ends on the simulator's final state: one note per rating
version, in order; the custom attributes equal to the latest rating; no rating without its
writeback.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cli.main import main as surveys_command
from local.kustomer_sim import NO_RESPONSE, KustomerSimulator
from local.recipient import send_form
from local.runtime.events import dynamodb_stream_event
from local.runtime.runtime import LocalRuntime
from local.simulated_clock import SimulatedClock
from surveys import bootstrap
from surveys.adapters.kustomer.client import KustomerClient
from surveys.adapters.store.surveys import SurveyItem, find_survey
from surveys.usecases.reconcile import reconcile_writebacks
from tests.conftest import SIMULATOR_KEY, function_environment, start_runtime
from tests.integration.helpers import add_due_conversation, surveys_by_id

# Short enough that a hung request costs the suite half a second, not the real 20 s.
CLIENT_TIMEOUT = (1.0, 0.5)
HANG_SECONDS = 1.0
REFERENCE = "Survey reference: "


@pytest.fixture
def clock() -> SimulatedClock:
    # Ratings are recorded at the real time, so the simulated one starts from it.
    return SimulatedClock(frozen=True)


@pytest.fixture
def simulator(clock: SimulatedClock) -> Iterator[KustomerSimulator]:
    """Kustomer on the simulated clock, with the CES custom attributes defined."""
    sim = KustomerSimulator(api_key=SIMULATOR_KEY, clock=clock)
    sim.start()
    sim.define_custom_attribute("cesScoreNum")
    sim.define_custom_attribute("cesCommentTxt")
    sim.faults.hang_seconds = HANG_SECONDS
    yield sim
    sim.stop()


@pytest.fixture
def runtime(
    simulator: KustomerSimulator, clock: SimulatedClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalRuntime]:
    """The local runtime, whose functions' Kustomer client sleeps on the simulated clock."""

    bootstrap.configure_kustomer_client(sleep=clock.sleep, clock=clock.time, timeout=CLIENT_TIMEOUT)
    local = start_runtime(simulator, BackfillHours="720")
    yield local
    local.stop()
    bootstrap.configure_kustomer_client()


@dataclass(frozen=True)
class SentSurvey:
    survey_id: str
    conversation_id: str
    form_url: str

    def answer(self, score: int, comment: str = "") -> None:
        response = send_form(self.form_url, score, comment)
        assert response.status_code == 200, response.text[:500]


def send_surveys(
    simulator: KustomerSimulator, runtime: LocalRuntime, clock: SimulatedClock, count: int
) -> list[SentSurvey]:
    conversations = [add_due_conversation(simulator, clock.now) for _ in range(count)]
    runtime.scan(clock.now)
    runtime.deliver()
    return [survey_email(runtime, conversation_id) for conversation_id in conversations]


def survey_email(runtime: LocalRuntime, conversation_id: str) -> SentSurvey:
    survey_id = f"ces-{conversation_id}"
    [sent] = [email for email in runtime.sent_emails() if email.survey_id == survey_id]
    form_url = next(iter(sent.rating_links().values())).split("?", 1)[0]
    return SentSurvey(survey_id, conversation_id, form_url)


def references(simulator: KustomerSimulator, conversation_id: str) -> list[str]:
    """The survey reference line of each note on the conversation, oldest note first."""
    return [
        line
        for note in simulator.notes_for(conversation_id)
        for line in str(note["attributes"]["body"]).splitlines()
        if line.startswith(REFERENCE)
    ]


def custom_attributes(simulator: KustomerSimulator, conversation_id: str) -> dict[str, Any]:
    return dict(simulator.conversation(conversation_id)["attributes"].get("custom") or {})


def statuses(simulator: KustomerSimulator) -> list[int]:
    return [status for _, _, status in simulator.request_log]


def assert_every_rating_written_back_once(
    simulator: KustomerSimulator, runtime: LocalRuntime
) -> None:
    surveys = surveys_by_id(runtime)
    ratings = runtime.table_items("RatingsTable")
    assert ratings
    for rating in ratings:
        survey_id, conversation_id = rating["survey_id"], rating["conversation_id"]
        version = int(rating["version"])
        assert references(simulator, conversation_id) == [
            f"{REFERENCE}{survey_id} v{number}" for number in range(1, version + 1)
        ]
        assert custom_attributes(simulator, conversation_id) == {
            "cesScoreNum": int(rating["score"]),
            "cesCommentTxt": rating.get("comment") or "",
        }
        survey = surveys[survey_id]
        assert (survey["writeback_status"], int(survey["written_version"])) == ("done", version)
        assert "writeback_pending" not in survey
        assert "writeback_lease_until" not in survey


def redrive(runtime: LocalRuntime, tmp_path: Path, *arguments: str) -> int:
    """`surveys redrive --yes ...`, as an operator runs it against this runtime."""
    stack_file = tmp_path / "stack.json"
    runtime.stack().write_local_file(stack_file)
    return surveys_command(["--local-file", str(stack_file), "redrive", "--yes", *arguments])


def stream_records(runtime: LocalRuntime) -> list[dict[str, Any]]:
    [source] = runtime.stream_sources
    streams = runtime.moto.client("dynamodbstreams")
    shards = streams.describe_stream(StreamArn=source.stream_arn)["StreamDescription"]["Shards"]
    records: list[dict[str, Any]] = []
    for shard in shards:
        iterator = streams.get_shard_iterator(
            StreamArn=source.stream_arn,
            ShardId=shard["ShardId"],
            ShardIteratorType="TRIM_HORIZON",
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            if not page["Records"]:
                break
            records += page["Records"]
            iterator = page.get("NextShardIterator")
    return records


def test_a_429_storm_is_waited_out_without_a_single_429_of_its_own(
    simulator: KustomerSimulator, runtime: LocalRuntime, clock: SimulatedClock
) -> None:
    first, second, third = send_surveys(simulator, runtime, clock, 3)
    first.answer(2, "Slow")
    first.answer(5, "Fine after all")
    second.answer(7)
    third.answer(4, "OK")
    simulator.reset_request_log()
    simulator.faults.throttle_next = 15

    runtime.write_back()

    # Every 429 is one the storm injected, each waited out as Retry-After said.
    assert statuses(simulator).count(429) == 15
    assert clock.slept >= 15
    assert runtime.queue_depth("WritebackDeadLetterQueue") == 0
    assert_every_rating_written_back_once(simulator, runtime)


def test_a_catch_up_after_an_outage_paces_itself_under_the_rate_limit(
    simulator: KustomerSimulator, runtime: LocalRuntime, clock: SimulatedClock
) -> None:
    for survey in send_surveys(simulator, runtime, clock, 6):
        survey.answer(6)
    # The ratings were never written back (as after an outage); now the org allows 10 a minute.
    simulator.set_rate_limit(10)
    simulator.reset_request_log()
    slept_before = clock.slept

    report = runtime.reconcile(clock.advance(hours=2))

    assert (report["written"], report["stopped_because"]) == (6, None)
    assert 429 not in statuses(simulator)
    # 12 requests at 5 a minute (half of 10): two window resets waited for.
    assert clock.slept - slept_before >= 100
    assert_every_rating_written_back_once(simulator, runtime)


def test_server_errors_end_with_every_rating_written_back_once(
    simulator: KustomerSimulator, runtime: LocalRuntime, clock: SimulatedClock
) -> None:
    surveys = send_surveys(simulator, runtime, clock, 5)
    for score, survey in enumerate(surveys, start=1):
        survey.answer(score, f"Comment {score}")
    surveys[0].answer(7, "Changed my mind")
    simulator.reset_request_log()
    simulator.faults.error_rate = 0.4

    runtime.write_back()
    simulator.faults.error_rate = 0.0
    runtime.reconcile(clock.advance(hours=2))

    assert 500 in statuses(simulator)
    assert_every_rating_written_back_once(simulator, runtime)


def test_timeouts_and_a_lost_response_post_no_second_note(
    simulator: KustomerSimulator, runtime: LocalRuntime, clock: SimulatedClock
) -> None:
    lost, hung = send_surveys(simulator, runtime, clock, 2)
    simulator.reset_request_log()

    # Kustomer creates the note but its answer never arrives: the client must not post again.
    lost.answer(3, "Lost in transit")
    simulator.faults.lose_response_next = 1
    runtime.write_back()

    assert references(simulator, lost.conversation_id) == [f"{REFERENCE}{lost.survey_id} v1"]

    # Requests that hang (the note's POST, then the look-up before posting again) time out.
    hung.answer(6)
    simulator.faults.timeout_next = 2
    runtime.write_back()

    assert statuses(simulator).count(NO_RESPONSE) == 3
    assert runtime.queue_depth("WritebackDeadLetterQueue") == 0
    assert_every_rating_written_back_once(simulator, runtime)


def test_a_6_hour_outage_ends_with_every_rating_written_back_by_the_reconcile_sweep(
    simulator: KustomerSimulator, runtime: LocalRuntime, clock: SimulatedClock, tmp_path: Path
) -> None:
    before, during, late = send_surveys(simulator, runtime, clock, 3)
    before.answer(3, "Before the outage")
    runtime.write_back()

    simulator.faults.outage = True
    before.answer(6, "Changed during the outage")
    during.answer(2)
    late.answer(7, "Great")
    runtime.write_back()

    assert runtime.queue_depth("WritebackDeadLetterQueue") >= 1
    assert references(simulator, during.conversation_id) == []
    down = runtime.reconcile(clock.advance(hours=3))
    assert (down["written"], down["failed"]) == (0, 1)
    assert "503" in down["stopped_because"]

    simulator.faults.outage = False
    up = runtime.reconcile(clock.advance(hours=3))

    assert (up["written"], up["failed"], up["stopped_because"]) == (3, 0, None)
    assert_every_rating_written_back_once(simulator, runtime)
    # The dead letters stand for ratings now written: redrive clears them and writes nothing.
    simulator.reset_request_log()
    assert redrive(runtime, tmp_path, "writebacks") == 0
    assert runtime.queue_depth("WritebackDeadLetterQueue") == 0
    assert simulator.request_log == []


def test_a_30_hour_outage_ends_with_every_survey_sent_and_rating_written_back_after_redrive(
    simulator: KustomerSimulator,
    runtime: LocalRuntime,
    clock: SimulatedClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    changed, answered = send_surveys(simulator, runtime, clock, 2)
    changed.answer(2, "Took ages")
    runtime.write_back()
    # Two more conversations go quiet; the next scan queues their surveys.
    unsent = [add_due_conversation(simulator, clock.now, quiet_hours=47) for _ in range(2)]
    runtime.scan(clock.advance(hours=2))

    simulator.faults.outage = True
    runtime.deliver()
    changed.answer(5, "Better after a call")
    # A third score within seconds would be held as a link scanner's burst; a person adds words.
    changed.answer(5, "Really sorted now after a call")
    answered.answer(4)
    runtime.write_back()

    assert runtime.queue_depth("SurveyDeadLetterQueue") == 2
    assert runtime.queue_depth("WritebackDeadLetterQueue") >= 1
    # The hourly sweep keeps trying through the outage and stops at once each time.
    for _ in range(5):
        report = runtime.reconcile(clock.advance(hours=6))
        assert (report["written"], report["tried"]) == (0, 1)
    # The stream has long forgotten these ratings (24 h); only their surveys remember them.
    simulator.faults.outage = False

    assert redrive(runtime, tmp_path) == 0
    runtime.deliver()

    printed = capsys.readouterr().out
    assert "2 surveys moved back to the survey queue" in printed
    assert "2 written back" in printed
    assert runtime.queue_depth("SurveyDeadLetterQueue") == 0
    assert runtime.queue_depth("WritebackDeadLetterQueue") == 0
    assert {email.survey_id for email in runtime.sent_emails()} == {
        f"ces-{conversation_id}"
        for conversation_id in [changed.conversation_id, answered.conversation_id, *unsent]
    }
    assert len(runtime.sent_emails()) == 4
    assert references(simulator, changed.conversation_id) == [
        f"{REFERENCE}{changed.survey_id} v{version}" for version in (1, 2, 3)
    ]
    assert_every_rating_written_back_once(simulator, runtime)


def test_duplicate_and_out_of_order_stream_records_write_each_version_once_in_order(
    simulator: KustomerSimulator, runtime: LocalRuntime, clock: SimulatedClock
) -> None:
    changed, single = send_surveys(simulator, runtime, clock, 2)
    changed.answer(3, "Meh")
    changed.answer(7, "Actually great")
    single.answer(5)
    records = stream_records(runtime)
    assert len(records) == 3
    [source] = runtime.stream_sources
    writeback = runtime.functions["WritebackFunction"]

    for batch in (records[::-1], records + records, records[1:2]):
        response = writeback.invoke(dynamodb_stream_event(batch, source.stream_arn))
        assert response == {"batchItemFailures": []}
    simulator.reset_request_log()
    # The event source mapping then delivers the same records once more, in order.
    runtime.write_back()

    assert simulator.request_log == []
    assert_every_rating_written_back_once(simulator, runtime)


def test_a_deleted_conversation_ends_not_writable_with_the_reason_kept(
    simulator: KustomerSimulator, runtime: LocalRuntime, clock: SimulatedClock
) -> None:
    [survey] = send_surveys(simulator, runtime, clock, 1)
    survey.answer(1, "Never answered my question")
    simulator.delete_conversation(survey.conversation_id)

    runtime.write_back()

    item = surveys_by_id(runtime)[survey.survey_id]
    assert item["writeback_status"] == "not_writable"
    assert survey.conversation_id in item["writeback_error"]
    assert "not found" in item["writeback_error"]
    assert "writeback_pending" not in item
    assert runtime.queue_depth("WritebackDeadLetterQueue") == 0
    simulator.reset_request_log()
    assert runtime.reconcile(clock.advance(hours=2))["tried"] == 0
    assert simulator.request_log == []


def test_a_survey_another_writer_holds_is_left_to_it_then_written_once(
    simulator: KustomerSimulator, runtime: LocalRuntime, clock: SimulatedClock
) -> None:
    [survey] = send_surveys(simulator, runtime, clock, 1)
    survey.answer(4, "Average")
    with function_environment(runtime, "WritebackFunction"):
        held = find_survey(survey.survey_id)
        assert held is not None
        held.update(
            actions=[SurveyItem.writeback_lease_until.set(clock.now + timedelta(minutes=10))]
        )

    runtime.write_back()

    assert references(simulator, survey.conversation_id) == []
    assert runtime.queue_depth("WritebackDeadLetterQueue") == 1
    # The holder died without letting go; its lease ran out long before the next sweep.
    report = runtime.reconcile(clock.advance(hours=2))
    assert report["written"] == 1
    assert_every_rating_written_back_once(simulator, runtime)


def test_reconcile_leaves_fresh_ratings_to_the_stream_and_stops_before_the_deadline(
    simulator: KustomerSimulator, runtime: LocalRuntime, clock: SimulatedClock
) -> None:
    [survey] = send_surveys(simulator, runtime, clock, 1)
    survey.answer(6)

    assert runtime.reconcile(clock.now + timedelta(minutes=30))["tried"] == 0
    with function_environment(runtime, "ReconcileFunction"):
        almost_out_of_time = reconcile_writebacks(
            kustomer=KustomerClient(simulator.base_url, SIMULATOR_KEY),
            events=bootstrap.event_bus(),
            now=clock.now + timedelta(hours=2),
            grace=timedelta(hours=1),
            time_left=lambda: 10.0,
        )
    assert (almost_out_of_time.tried, almost_out_of_time.complete) == (0, False)
    assert references(simulator, survey.conversation_id) == []

    assert runtime.reconcile(clock.advance(hours=2))["written"] == 1
    assert_every_rating_written_back_once(simulator, runtime)
