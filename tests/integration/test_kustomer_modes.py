"""The pipeline against a Kustomer that behaves as documented, unkind parts included: the
reset header as a moment (in each shape), search results in no promised order, 100 searches a
minute per key, 100 pages a query, and teams refused or missing.

Each test runs on the simulator in every mode (`local.kustomer_sim.UNFRIENDLY_MODES`, each the
documented contract with one unkind change, and the documented contract itself).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.kustomer_sim import UNFRIENDLY_MODES, Contract, KustomerSimulator
from local.recipient import send_form
from local.runtime.runtime import LocalRuntime
from local.simulated_clock import SimulatedClock
from surveys import bootstrap
from surveys.adapters.kustomer.client import KustomerClient
from surveys.adapters.kustomer.resources import ConversationPage
from surveys.adapters.survey_queue import SqsSurveyQueue
from surveys.usecases.scan import ScanReport, scan_for_due_surveys
from surveys.usecases.triggers import trigger_settings
from tests.conftest import SIMULATOR_KEY, function_environment, start_runtime
from tests.integration.helpers import add_due_conversation, surveys_by_id

NOW = datetime.now(UTC).replace(microsecond=0)
CONTRACTS = [
    pytest.param(Contract(), id="documented"),
    *(pytest.param(mode.contract, id=mode.name) for mode in UNFRIENDLY_MODES),
]
SORTED_AND_NOT = [
    pytest.param(Contract(), id="sorted"),
    pytest.param(Contract(honour_sort=False), id="unsorted"),
]


def _simulator(contract: Contract, **options: Any) -> KustomerSimulator:
    simulator = KustomerSimulator(api_key=SIMULATOR_KEY, contract=contract, **options)
    simulator.start()
    for metric in ("ces", "csat", "nps"):
        simulator.define_custom_attribute(f"{metric}ScoreNum")
        simulator.define_custom_attribute(f"{metric}CommentTxt")
    return simulator


@pytest.fixture
def kustomer(request: pytest.FixtureRequest) -> Iterator[KustomerSimulator]:
    simulator = _simulator(request.param)
    yield simulator
    simulator.stop()


@pytest.fixture
def pipeline(kustomer: KustomerSimulator) -> Iterator[LocalRuntime]:
    runtime = start_runtime(kustomer, BackfillHours="720")
    yield runtime
    runtime.stop()


@pytest.mark.parametrize("kustomer", CONTRACTS, indirect=True)
def test_every_due_conversation_is_surveyed_once_and_every_answer_written_back(
    kustomer: KustomerSimulator, pipeline: LocalRuntime
) -> None:
    seeded = kustomer.seed_demo(now=NOW, eligible=20)
    agents = pipeline.import_agents()

    pipeline.scan(NOW)
    pipeline.deliver()
    emails = {email.survey_id: email for email in pipeline.sent_emails()}
    answered = sorted(emails)[::2]
    for survey_id in answered:
        link = emails[survey_id].rating_links()[5]
        assert send_form(link.split("?", 1)[0], 5, "Fine").status_code == 200
    pipeline.write_back()
    again = pipeline.scan(NOW + timedelta(minutes=15))

    assert sorted(emails) == sorted(f"ces-{conversation}" for conversation in seeded.eligible)
    assert again[0]["reports"][0]["queued"] == 0
    for survey_id in answered:
        custom = kustomer.conversation(survey_id.removeprefix("ces-"))["attributes"]["custom"]
        assert custom["cesScoreNum"] == 5
    assert agents.imported > 0
    teams_refused = kustomer.contract.teams_endpoint != "ok"
    assert (agents.teams.not_imported_because is not None) is teams_refused
    throttled = kustomer.throttles()
    assert not throttled.get("search limit") and not throttled.get("org limit")


class LeavingWhileScanned:
    """Kustomer's search as the scanner sees it while agents work: before each search, one
    conversation still due is updated (a customer writes again), so it leaves the window."""

    def __init__(self, client: KustomerClient, simulator: KustomerSimulator, leaving: list[str]):
        self._client, self._simulator, self._leaving = client, simulator, leaving
        self.left: list[str] = []

    def search_conversations(
        self, query: dict[str, Any], page: int, page_size: int
    ) -> ConversationPage:
        if self._leaving:
            conversation = self._leaving.pop()
            self._simulator.update_conversation(conversation, at=datetime.now(UTC))
            self.left.append(conversation)
        return self._client.search_conversations(query, page, page_size)


def _scan(
    runtime: LocalRuntime,
    kustomer: Any,
    page_size: int,
    time_left: Callable[[], float],
    last_page: int = 100,
) -> ScanReport:
    queue = SqsSurveyQueue(
        runtime.moto.client("sqs"), runtime.environment("ScannerFunction")["SURVEY_QUEUE_URL"]
    )
    with function_environment(runtime, "ScannerFunction"):
        return scan_for_due_surveys(
            trigger_settings("ces"),
            kustomer=kustomer,
            queue=queue,
            now=NOW,
            time_left=time_left,
            page_size=page_size,
            last_page=last_page,
        )


def _due(kustomer: KustomerSimulator, count: int) -> list[str]:
    """Due conversations each updated at its own moment, a minute apart."""
    return [
        add_due_conversation(kustomer, NOW, quiet_hours=60 + index / 60) for index in range(count)
    ]


@pytest.mark.parametrize("kustomer", SORTED_AND_NOT, indirect=True)
def test_a_scan_over_many_pages_misses_no_due_conversation_in_either_order(
    kustomer: KustomerSimulator, pipeline: LocalRuntime
) -> None:
    """Kustomer promises no order for conversation search results: 303 due conversations, 100 to
    a page, each surveyed once whatever order the pages come in."""
    due = _due(kustomer, 303)
    client = KustomerClient(kustomer.base_url, SIMULATOR_KEY)

    report = _scan(pipeline, client, 100, lambda: 300.0)

    assert report.complete
    assert report.results_in_order is kustomer.contract.honour_sort
    assert set(surveys_by_id(pipeline)) == {f"ces-{conversation}" for conversation in due}
    assert pipeline.queue_depth("SurveyQueue") == 303


@pytest.mark.parametrize("kustomer", SORTED_AND_NOT, indirect=True)
def test_conversations_leaving_the_window_mid_scan_hide_no_other(
    kustomer: KustomerSimulator, pipeline: LocalRuntime
) -> None:
    due = _due(kustomer, 250)
    # Updated while the scan pages: these are no longer due, and must not shift others out of sight.
    leaving = due[::25]
    search = LeavingWhileScanned(
        KustomerClient(kustomer.base_url, SIMULATOR_KEY), kustomer, list(leaving)
    )

    report = _scan(pipeline, search, 50, lambda: 300.0)

    assert report.complete
    surveyed = set(surveys_by_id(pipeline))
    still_due = {f"ces-{conversation}" for conversation in due if conversation not in search.left}
    assert still_due <= surveyed


@pytest.mark.parametrize("kustomer", SORTED_AND_NOT, indirect=True)
def test_a_window_beyond_the_page_cap_is_split_and_no_page_past_it_is_asked_for(
    kustomer: KustomerSimulator, pipeline: LocalRuntime
) -> None:
    kustomer.contract = replace(kustomer.contract, search_page_cap=3)
    due = _due(kustomer, 100)

    report = _scan(
        pipeline, KustomerClient(kustomer.base_url, SIMULATOR_KEY), 10, lambda: 300.0, last_page=3
    )

    assert report.complete
    assert set(surveys_by_id(pipeline)) == {f"ces-{conversation}" for conversation in due}
    refused = [status for _, _, status in kustomer.request_log if status == 400]
    assert refused == []
    if not kustomer.contract.honour_sort:
        assert report.windows_split > 0


@pytest.mark.parametrize(
    "kustomer", [pytest.param(Contract(honour_sort=False), id="unsorted")], indirect=True
)
def test_an_unsorted_scan_short_of_time_resumes_its_backwards_read_where_it_stopped(
    kustomer: KustomerSimulator, pipeline: LocalRuntime
) -> None:
    due = _due(kustomer, 250)
    client = KustomerClient(kustomer.base_url, SIMULATOR_KEY)
    # Page 1, probes of pages 2, 4, 8 (empty), 6 (empty) and 5 (the last), page 4 read back:
    # then out of time.
    budget = iter([300.0] * 7)

    interrupted = _scan(pipeline, client, 50, lambda: next(budget, 0.0))
    resumed = _scan(pipeline, client, 50, lambda: 300.0)

    assert not interrupted.complete and "time" in str(interrupted.stopped_because)
    assert resumed.complete
    assert set(surveys_by_id(pipeline)) == {f"ces-{conversation}" for conversation in due}
    # The resumed run read back the pages left, without looking for the last one again.
    assert (interrupted.pages, resumed.pages) == (7, 3)


@pytest.fixture
def slow_kustomer() -> Iterator[tuple[KustomerSimulator, SimulatedClock]]:
    """Kustomer as documented at a low rate limit, on a clock where waiting takes no time."""
    clock = SimulatedClock()
    simulator = _simulator(Contract(), rate_limit_per_minute=12, clock=clock)
    bootstrap.configure_kustomer_client(sleep=clock.sleep, clock=clock.time)
    yield simulator, clock
    bootstrap.configure_kustomer_client()
    simulator.stop()


def test_at_a_low_rate_limit_every_answer_is_written_back_by_waiting(
    slow_kustomer: tuple[KustomerSimulator, SimulatedClock],
) -> None:
    """12 requests a minute, half of them this system's: the reset header is a moment in
    time, and waiting for it is pacing, not Kustomer being unavailable."""
    kustomer, clock = slow_kustomer
    runtime = start_runtime(kustomer, BackfillHours="720")
    try:
        conversations = [add_due_conversation(kustomer, clock.now) for _ in range(5)]
        runtime.scan(clock.now)
        runtime.deliver()
        for email in runtime.sent_emails():
            link = email.rating_links()[2]
            assert send_form(link.split("?", 1)[0], 2, "Too slow").status_code == 200
        runtime.write_back()
        statuses = [status for _, _, status in kustomer.request_log]
        dead_letters = runtime.queue_depth("WritebackDeadLetterQueue")
    finally:
        runtime.stop()

    for conversation in conversations:
        assert kustomer.conversation(conversation)["attributes"]["custom"]["cesScoreNum"] == 2
    assert 429 not in statuses
    assert dead_letters == 0
    assert clock.slept > 60  # it waited for at least one window to reset


def test_search_requests_stay_within_the_per_key_limit() -> None:
    """Kustomer allows an API key 100 searches a minute; here 5, with the client told so."""
    clock = SimulatedClock()
    kustomer = _simulator(Contract(search_limit_per_key=5), clock=clock)
    runtime = start_runtime(kustomer, BackfillHours="720")
    try:
        due = [
            add_due_conversation(kustomer, clock.now, quiet_hours=60 + index / 60)
            for index in range(60)
        ]
        client = KustomerClient(
            kustomer.base_url,
            SIMULATOR_KEY,
            search_limit_per_minute=5,
            sleep=clock.sleep,
            clock=clock.time,
        )
        report = _scan(runtime, client, 10, lambda: 300.0)
        surveyed = set(surveys_by_id(runtime))
    finally:
        runtime.stop()
        kustomer.stop()

    assert report.complete
    assert surveyed == {f"ces-{conversation}" for conversation in due}
    assert report.pages > 5  # more than one minute's worth of searches
    assert not kustomer.throttles().get("search limit")
