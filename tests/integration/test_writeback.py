"""The writeback: a rating lands in Kustomer as one note per version and as custom attributes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.kustomer_sim import KustomerSimulator
from local.recipient import send_form
from local.runtime.event_sources import DynamoDBStreamSource
from local.runtime.runtime import LocalRuntime
from surveys.adapters.kustomer.client import KustomerClient
from surveys.bootstrap import event_bus
from surveys.domain.metrics import CES
from surveys.usecases.write_back import write_back_rating
from tests.conftest import SIMULATOR_KEY, function_environment

TIMEOUT = 10


@dataclass(frozen=True)
class Survey:
    survey_id: str
    conversation_id: str
    links: dict[int, str]

    def answer(self, score: int, comment: str = "") -> None:
        response = send_form(self.links[score], score, comment)
        assert response.status_code == 200, response.text[:500]


@pytest.fixture
def survey(simulator: KustomerSimulator, runtime: LocalRuntime) -> Survey:
    now = datetime.now(UTC)
    customer = simulator.add_customer("Grace Hopper", emails=["grace@example.com"])
    conversation_id = simulator.add_conversation(
        customer_id=customer,
        status="done",
        channels=["email"],
        updated_at=now - timedelta(hours=60),
    )
    runtime.scan(now)
    runtime.deliver()
    [sent] = runtime.sent_emails()
    return Survey(sent.survey_id, conversation_id, sent.rating_links())


def _note_bodies(simulator: KustomerSimulator, conversation_id: str) -> list[str]:
    return [str(note["attributes"]["body"]) for note in simulator.notes_for(conversation_id)]


def _custom(simulator: KustomerSimulator, conversation_id: str) -> dict[str, Any]:
    return dict(simulator.conversation(conversation_id)["attributes"].get("custom") or {})


def _survey_item(runtime: LocalRuntime, survey_id: str) -> dict[str, Any]:
    [item] = [i for i in runtime.table_items("SurveysTable") if i["survey_id"] == survey_id]
    return item


def _note_posts(simulator: KustomerSimulator) -> list[tuple[str, str, int]]:
    return [entry for entry in simulator.request_log if entry[:2] == ("POST", "/v1/notes")]


def _replay_whole_stream(runtime: LocalRuntime) -> int:
    """A new event source mapping reading the ratings stream again from TRIM_HORIZON."""
    [current] = runtime.stream_sources
    fresh = DynamoDBStreamSource(
        current.moto,
        current.function,
        current.stream_arn,
        batch_size=current.batch_size,
        maximum_retry_attempts=current.maximum_retry_attempts,
        on_failure_queue_arn=current.on_failure_queue_arn,
        event_names=current.event_names,
    )
    return fresh.poll()


def _assert_nothing_failed(runtime: LocalRuntime) -> None:
    assert runtime.queue_depth("WritebackDeadLetterQueue") == 0


def test_a_rating_becomes_one_note_and_the_custom_attributes(
    simulator: KustomerSimulator, runtime: LocalRuntime, survey: Survey
) -> None:
    survey.answer(6, "Sorted in one reply")

    assert runtime.write_back() >= 1

    [note] = _note_bodies(simulator, survey.conversation_id)
    assert "6 out of 7" in note
    assert CES.label(6) in note
    assert "Comment:\n> Sorted in one reply" in note
    assert f"Survey reference: {survey.survey_id} v1" in note
    assert "changed" not in note
    custom = _custom(simulator, survey.conversation_id)
    assert custom["cesScoreNum"] == 6
    assert custom["cesCommentTxt"] == "Sorted in one reply"
    item = _survey_item(runtime, survey.survey_id)
    assert item["writeback_status"] == "done"
    assert item["written_version"] == 1
    assert not item.get("writeback_error")
    _assert_nothing_failed(runtime)


def test_a_rating_without_a_comment_says_so_and_clears_the_comment_attribute(
    simulator: KustomerSimulator, runtime: LocalRuntime, survey: Survey
) -> None:
    survey.answer(2)

    runtime.write_back()

    [note] = _note_bodies(simulator, survey.conversation_id)
    assert "2 out of 7" in note
    assert "No comment given." in note
    assert _custom(simulator, survey.conversation_id) == {"cesScoreNum": 2, "cesCommentTxt": ""}


def test_replaying_the_whole_stream_posts_no_second_note(
    simulator: KustomerSimulator, runtime: LocalRuntime, survey: Survey
) -> None:
    survey.answer(5, "Fine")
    runtime.write_back()
    assert len(_note_bodies(simulator, survey.conversation_id)) == 1
    simulator.reset_request_log()

    assert _replay_whole_stream(runtime) >= 1

    assert len(_note_bodies(simulator, survey.conversation_id)) == 1
    assert _note_posts(simulator) == []
    assert _custom(simulator, survey.conversation_id)["cesScoreNum"] == 5
    assert _survey_item(runtime, survey.survey_id)["written_version"] == 1
    _assert_nothing_failed(runtime)


@pytest.mark.parametrize("write_back_between", [True, False], ids=["one-by-one", "one-batch"])
def test_a_changed_rating_adds_a_changed_note_and_updates_the_attributes(
    simulator: KustomerSimulator,
    runtime: LocalRuntime,
    survey: Survey,
    write_back_between: bool,
) -> None:
    survey.answer(3, "Took a while")
    if write_back_between:
        runtime.write_back()
    survey.answer(7, "Actually, great")

    runtime.write_back()

    first, second = _note_bodies(simulator, survey.conversation_id)
    assert "rating: 3 out of 7" in first
    assert "Comment:\n> Took a while" in first
    assert f"{survey.survey_id} v1" in first
    assert "rating changed: 7 out of 7" in second
    assert CES.label(7) in second
    assert "Comment:\n> Actually, great" in second
    assert f"{survey.survey_id} v2" in second
    assert _custom(simulator, survey.conversation_id) == {
        "cesScoreNum": 7,
        "cesCommentTxt": "Actually, great",
    }
    item = _survey_item(runtime, survey.survey_id)
    assert (item["writeback_status"], item["written_version"]) == ("done", 2)

    _replay_whole_stream(runtime)

    assert len(_note_bodies(simulator, survey.conversation_id)) == 2
    _assert_nothing_failed(runtime)


def test_transient_kustomer_faults_still_end_with_exactly_one_note(
    simulator: KustomerSimulator, runtime: LocalRuntime, survey: Survey
) -> None:
    survey.answer(4, "Meh")
    simulator.reset_request_log()
    simulator.faults.fail_next = 2

    runtime.write_back()

    assert [status for _, _, status in simulator.request_log].count(500) == 2
    [note] = _note_bodies(simulator, survey.conversation_id)
    assert "4 out of 7" in note
    assert _custom(simulator, survey.conversation_id)["cesScoreNum"] == 4
    assert _survey_item(runtime, survey.survey_id)["writeback_status"] == "done"
    _assert_nothing_failed(runtime)


class SimulatedTimeout(Exception):
    """Lambda's timeout, as the use case sees it: the invocation stops mid-way."""


class CrashingAfterTheNote(KustomerClient):
    """The real client, except that the invocation dies once right after the note is posted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.crashes_left = 1

    def set_conversation_custom_attributes(
        self, conversation_id: str, values: dict[str, Any]
    ) -> None:
        if self.crashes_left:
            self.crashes_left -= 1
            raise SimulatedTimeout("Task timed out after the note was posted")
        super().set_conversation_custom_attributes(conversation_id, values)


def test_a_retry_after_a_crash_between_note_and_attributes_posts_no_second_note(
    simulator: KustomerSimulator, runtime: LocalRuntime, survey: Survey
) -> None:
    survey.answer(6, "Good")
    with function_environment(runtime, "WritebackFunction"):
        crashing = CrashingAfterTheNote(simulator.base_url, SIMULATOR_KEY)

        with pytest.raises(SimulatedTimeout):
            write_back_rating(
                survey.survey_id, kustomer=crashing, events=event_bus(), now=datetime.now(UTC)
            )

        assert len(_note_bodies(simulator, survey.conversation_id)) == 1
        assert "cesScoreNum" not in _custom(simulator, survey.conversation_id)

        outcome = write_back_rating(
            survey.survey_id,
            kustomer=KustomerClient(simulator.base_url, SIMULATOR_KEY),
            events=event_bus(),
            now=datetime.now(UTC),
        )

    assert (outcome.result, outcome.version) == ("written", 1)
    [note] = _note_bodies(simulator, survey.conversation_id)
    assert f"Survey reference: {survey.survey_id} v1" in note
    assert _custom(simulator, survey.conversation_id) == {
        "cesScoreNum": 6,
        "cesCommentTxt": "Good",
    }
    assert _survey_item(runtime, survey.survey_id)["writeback_status"] == "done"

    # The stream still holds the rating: delivering it now changes nothing.
    runtime.write_back()

    assert len(_note_bodies(simulator, survey.conversation_id)) == 1
    _assert_nothing_failed(runtime)
