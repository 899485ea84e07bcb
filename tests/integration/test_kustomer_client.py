"""The Kustomer client against the simulator over HTTP: pacing, waiting, retrying, refusing.

The client's sleep is wired to the simulator's clock, so minutes of rate-limit windows pass in
milliseconds while the simulator still counts requests per window as Kustomer does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from local.kustomer_sim import NO_RESPONSE, Contract, KustomerSimulator, ResetHeader
from local.simulated_clock import SimulatedClock
from surveys.adapters.kustomer.client import KustomerClient
from surveys.adapters.kustomer.errors import (
    KustomerAuthError,
    KustomerNotFoundError,
    KustomerOutcomeUnknownError,
    KustomerUnavailableError,
)

KEY = "client-test-key"


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC), frozen=True)


@pytest.fixture
def limited_simulator(clock: SimulatedClock) -> Iterator[KustomerSimulator]:
    sim = KustomerSimulator(api_key=KEY, rate_limit_per_minute=10, clock=clock)
    sim.start()
    yield sim
    sim.stop()


def _client(sim: KustomerSimulator, clock: SimulatedClock, **options: object) -> KustomerClient:
    return KustomerClient(sim.base_url, KEY, sleep=clock.sleep, clock=clock.time, **options)  # type: ignore[arg-type]


def _statuses(sim: KustomerSimulator) -> list[int]:
    return [status for _, _, status in sim.request_log]


def test_paces_itself_under_its_share_of_the_rate_limit_without_a_429(
    limited_simulator: KustomerSimulator, clock: SimulatedClock
) -> None:
    customer = limited_simulator.add_customer("Jane Doe", ["jane@example.com"])
    client = _client(limited_simulator, clock, rate_limit_share=0.5)

    for _ in range(12):
        assert client.get_customer(customer).emails == ("jane@example.com",)

    assert 429 not in _statuses(limited_simulator)
    # 12 requests at 5 a minute (half of 10) need two window resets.
    assert clock.slept >= 100


@pytest.mark.parametrize(
    "reset_header", list(ResetHeader), ids=[shape.value for shape in ResetHeader]
)
def test_a_429_waits_until_the_window_resets_whatever_the_reset_header_shape(
    limited_simulator: KustomerSimulator, clock: SimulatedClock, reset_header: ResetHeader
) -> None:
    customer = limited_simulator.add_customer("Jane Doe", ["jane@example.com"])
    limited_simulator.contract = Contract(reset_header=reset_header)
    limited_simulator.faults.throttle_next = 2

    _client(limited_simulator, clock).get_customer(customer)

    assert _statuses(limited_simulator) == [429, 429, 200]
    # The first request opened a 60-second window: the client slept to its end, then to the end
    # of the next one, and never longer than a window (and its margin) at a time.
    assert clock.slept == pytest.approx(120.0, abs=2.0)


def test_retries_server_errors_with_backoff(
    limited_simulator: KustomerSimulator, clock: SimulatedClock
) -> None:
    customer = limited_simulator.add_customer("Jane Doe", ["jane@example.com"])
    limited_simulator.faults.fail_next = 3

    _client(limited_simulator, clock).get_customer(customer)

    assert _statuses(limited_simulator) == [500, 500, 500, 200]


def test_never_retries_a_request_that_cannot_succeed(
    limited_simulator: KustomerSimulator, clock: SimulatedClock
) -> None:
    with pytest.raises(KustomerNotFoundError, match="404"):
        _client(limited_simulator, clock).get_customer("000000000000000000000000")
    with pytest.raises(KustomerAuthError, match="401"):
        KustomerClient(limited_simulator.base_url, "wrong-key", sleep=clock.sleep).get_customer(
            "000000000000000000000000"
        )

    assert _statuses(limited_simulator) == [404, 401]
    assert clock.slept == 0


def test_gives_up_instead_of_waiting_past_the_time_left(
    limited_simulator: KustomerSimulator, clock: SimulatedClock
) -> None:
    customer = limited_simulator.add_customer("Jane Doe", ["jane@example.com"])
    limited_simulator.faults.outage = True
    client = _client(limited_simulator, clock, time_left=lambda: 3.0)

    with pytest.raises(KustomerUnavailableError):
        client.get_customer(customer)

    assert clock.slept < 3.0


def test_keeps_failing_ends_in_unavailable_after_bounded_attempts(
    limited_simulator: KustomerSimulator, clock: SimulatedClock
) -> None:
    customer = limited_simulator.add_customer("Jane Doe", ["jane@example.com"])
    limited_simulator.faults.outage = True

    with pytest.raises(KustomerUnavailableError, match="6 attempts"):
        _client(limited_simulator, clock).get_customer(customer)

    assert _statuses(limited_simulator) == [503] * 6


def _conversation(sim: KustomerSimulator, clock: SimulatedClock) -> str:
    customer = sim.add_customer("Jane Doe", ["jane@example.com"])
    return sim.add_conversation(customer, updated_at=clock.now)


def test_a_refused_request_names_its_conversation_and_kustomers_reason(
    limited_simulator: KustomerSimulator, clock: SimulatedClock
) -> None:
    unknown = "000000000000000000000000"

    with pytest.raises(KustomerNotFoundError) as refused:
        _client(limited_simulator, clock).create_note(unknown, "Rated 5")

    assert refused.value.conversation_id == unknown
    assert f"POST /v1/notes for conversation {unknown}" in str(refused.value)
    assert f"conversation {unknown} not found" in str(refused.value)
    assert _statuses(limited_simulator) == [404]


def test_a_note_is_posted_again_only_when_kustomer_certainly_did_not_create_it(
    limited_simulator: KustomerSimulator, clock: SimulatedClock
) -> None:
    conversation = _conversation(limited_simulator, clock)
    client = _client(limited_simulator, clock, timeout=(1.0, 0.5))
    limited_simulator.faults.hang_seconds = 1.0

    limited_simulator.faults.throttle_next = 1
    client.create_note(conversation, "A 429 is never carried out: posted again")
    limited_simulator.faults.fail_next = 1
    with pytest.raises(KustomerOutcomeUnknownError, match="500"):
        client.create_note(conversation, "A 500 may have been carried out")
    limited_simulator.faults.lose_response_next = 1
    with pytest.raises(KustomerOutcomeUnknownError, match="ReadTimeout"):
        client.create_note(conversation, "Created, but the answer never came")

    assert _statuses(limited_simulator) == [429, 201, 500, NO_RESPONSE]
    assert [note["attributes"]["body"] for note in limited_simulator.notes_for(conversation)] == [
        "A 429 is never carried out: posted again",
        "Created, but the answer never came",
    ]


def test_a_window_other_integrations_used_up_costs_one_429_then_a_wait_for_its_reset(
    limited_simulator: KustomerSimulator, clock: SimulatedClock
) -> None:
    customer = limited_simulator.add_customer("Jane Doe", ["jane@example.com"])
    client = _client(limited_simulator, clock)
    client.get_customer(customer)
    limited_simulator.spend_rate_limit_window()

    for _ in range(3):
        client.get_customer(customer)

    assert _statuses(limited_simulator) == [200, 429, 200, 200, 200]
    assert 0 < clock.slept <= 62
