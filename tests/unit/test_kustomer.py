"""The pure parts of the Kustomer client: the API host, parsing conversations, pacing."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from requests.structures import CaseInsensitiveDict

from surveys.adapters.kustomer.endpoints import kustomer_api_base
from surveys.adapters.kustomer.pacing import LONGEST_WAIT_SECONDS, RateLimitPacer, SearchPacer
from surveys.adapters.kustomer.resources import conversation_from_resource
from surveys.domain.conversations import TriggerRules, survey_eligibility


@pytest.mark.parametrize(
    ("pasted", "api_base"),
    [
        ("acme.kustomerapp.com", "https://acme.api.kustomerapp.com"),
        ("acme.kustomerapp.com/", "https://acme.api.kustomerapp.com"),
        ("  acme.kustomerapp.com \n", "https://acme.api.kustomerapp.com"),
        ("ACME.KustomerApp.com", "https://acme.api.kustomerapp.com"),
        ("https://acme.kustomerapp.com", "https://acme.api.kustomerapp.com"),
        ("https://acme.kustomerapp.com/", "https://acme.api.kustomerapp.com"),
        ("acme.api.kustomerapp.com", "https://acme.api.kustomerapp.com"),
        ("https://acme.api.kustomerapp.com/", "https://acme.api.kustomerapp.com"),
        ("https://api.kustomerapp.com", "https://api.kustomerapp.com"),
        ("https://api.prod2.kustomerapp.com/", "https://api.prod2.kustomerapp.com"),
        ("api.prod2.kustomerapp.com", "https://api.prod2.kustomerapp.com"),
        ("http://127.0.0.1:8089", "http://127.0.0.1:8089"),
        ("http://localhost:8089/", "http://localhost:8089"),
    ],
)
def test_api_base_for_what_an_admin_pastes(pasted, api_base):
    assert kustomer_api_base(pasted) == api_base


def resource(**overrides):
    """A conversation as Kustomer's search returns it (JSON:API)."""
    item = {
        "type": "conversation",
        "id": "5f1a9c0e2b3d4e0012345678",
        "attributes": {
            "name": "Where is my order?",
            "status": "done",
            "channels": ["email"],
            "createdAt": "2024-05-06T08:00:00.000Z",
            "updatedAt": "2024-05-08T09:30:15.123Z",
            "messageCount": 4,
        },
        "relationships": {
            "customer": {
                "data": {"type": "customer", "id": "cus42"},
                "links": {"self": "/v1/customers/cus42"},
            },
            "assignedUsers": {"data": [{"type": "user", "id": "u1"}, {"type": "user", "id": "u2"}]},
            "assignedTeams": {"data": [{"type": "team", "id": "t1"}]},
        },
        "links": {"self": "/v1/conversations/5f1a9c0e2b3d4e0012345678"},
    }
    item.update(overrides)
    return item


def test_conversation_from_a_search_result():
    conversation = conversation_from_resource(resource())
    assert conversation.id == "5f1a9c0e2b3d4e0012345678"
    assert conversation.status == "done"
    assert conversation.channels == {"email"}
    assert conversation.customer_id == "cus42"
    assert conversation.assigned_user_ids == ("u1", "u2")
    assert conversation.assigned_team_ids == ("t1",)
    assert conversation.subject == "Where is my order?"


def test_z_timestamps_become_aware_utc_datetimes():
    updated = conversation_from_resource(resource()).updated_at
    assert updated == datetime(2024, 5, 8, 9, 30, 15, 123000, tzinfo=UTC)
    assert updated.utcoffset() == timedelta(0)


def test_offset_timestamps_keep_the_same_instant():
    attributes = {**resource()["attributes"], "updatedAt": "2024-05-08T11:30:15+02:00"}
    updated = conversation_from_resource(resource(attributes=attributes)).updated_at
    assert updated == datetime(2024, 5, 8, 9, 30, 15, tzinfo=UTC)
    assert updated.tzinfo == timezone(timedelta(hours=2))


def test_parsed_conversation_can_be_judged_for_eligibility():
    conversation = conversation_from_resource(resource())
    now = datetime(2024, 5, 10, 9, 30, 15, 123000, tzinfo=UTC)
    assert survey_eligibility(conversation, now, TriggerRules()).eligible


@pytest.mark.parametrize(
    "relationships",
    [None, {}, {"customer": {"data": None}}, {"customer": {}}, {"customer": {"data": []}}],
    ids=["null", "empty", "data-null", "no-data", "data-empty-list"],
)
def test_missing_customer_gives_no_customer(relationships):
    conversation = conversation_from_resource(resource(relationships=relationships))
    assert conversation.customer_id is None
    assert conversation.assigned_user_ids == ()


def test_relationships_absent_altogether():
    item = resource()
    del item["relationships"]
    conversation = conversation_from_resource(item)
    assert conversation.customer_id is None
    assert conversation.assigned_user_ids == ()


def test_customer_given_as_a_list_uses_the_first():
    relationships = {"customer": {"data": [{"type": "customer", "id": "cus7"}]}}
    assert conversation_from_resource(resource(relationships=relationships)).customer_id == "cus7"


def test_assigned_user_given_as_single_object_and_numeric_ids_become_strings():
    relationships = {
        "customer": {"data": {"type": "customer", "id": 123}},
        "assignedUsers": {"data": {"type": "user", "id": "u9"}},
    }
    conversation = conversation_from_resource(resource(id=987, relationships=relationships))
    assert conversation.id == "987"
    assert conversation.customer_id == "123"
    assert conversation.assigned_user_ids == ("u9",)


def test_sparse_attributes_default_to_empty():
    item = resource(attributes={"updatedAt": "2024-05-08T09:30:00Z"})
    conversation = conversation_from_resource(item)
    assert conversation.status == ""
    assert conversation.channels == frozenset()
    assert conversation.subject == ""


def test_multi_channel_conversation_keeps_every_channel():
    attributes = {**resource()["attributes"], "channels": ["chat", "email"]}
    assert conversation_from_resource(resource(attributes=attributes)).channels == {
        "chat",
        "email",
    }


class Clock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_796_138_627.0  # 2026-12-01T16:03:47Z

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def headers(limit, remaining, reset=None):
    values = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}
    if reset is not None:
        values["X-RateLimit-Reset"] = str(reset)
    return CaseInsensitiveDict(values)


def test_no_wait_before_any_response_was_seen(clock):
    assert RateLimitPacer(0.5, clock).wait_needed() == 0.0


@pytest.mark.parametrize("remaining", [1000, 700, 501])
def test_no_wait_while_under_the_share(clock, remaining):
    pacer = RateLimitPacer(0.5, clock)
    pacer.observe(headers(1000, remaining, reset=clock.now + 30))
    assert pacer.wait_needed() == 0.0


def test_over_the_share_waits_until_the_reset_moment_in_epoch_seconds(clock):
    """Kustomer's rate-limit page shows the reset as "now + 60s": a moment, not a duration."""
    pacer = RateLimitPacer(0.5, clock)
    pacer.observe(headers(1000, 500, reset=int(clock.now) + 30))
    assert pacer.wait_needed() == pytest.approx(30.0)
    clock.now += 12
    assert pacer.wait_needed() == pytest.approx(18.0)
    clock.now += 40
    assert pacer.wait_needed() == 0.0


def test_a_reset_moment_in_epoch_milliseconds_is_read_as_a_moment_too(clock):
    pacer = RateLimitPacer(0.5, clock)
    pacer.observe(headers(1000, 500, reset=int((clock.now + 25) * 1000)))
    assert pacer.wait_needed() == pytest.approx(25.0)


@pytest.mark.parametrize("reset", ["7.5", "7.5000"])
def test_a_small_reset_is_read_as_seconds_to_wait(clock, reset):
    pacer = RateLimitPacer(0.5, clock)
    pacer.observe(headers(300, 100, reset=reset))
    assert pacer.wait_needed() == pytest.approx(7.5)
    clock.now += 5
    assert pacer.wait_needed() == pytest.approx(2.5)


@pytest.mark.parametrize(
    "reset_in",
    [3600.0, 86_400.0 * 365],
    ids=["an-hour-ahead", "a-year-ahead"],
)
def test_never_waits_longer_than_the_window_and_its_margin(clock, reset_in):
    pacer = RateLimitPacer(0.5, clock)
    pacer.observe(headers(1000, 0, reset=clock.now + reset_in))
    assert pacer.wait_needed() == pytest.approx(LONGEST_WAIT_SECONDS)
    assert LONGEST_WAIT_SECONDS <= 62


def test_a_reset_moment_already_past_by_our_clock_means_no_wait(clock):
    pacer = RateLimitPacer(0.5, clock)
    pacer.observe(headers(1000, 0, reset=clock.now - 5))
    assert pacer.wait_needed() == 0.0


@pytest.mark.parametrize(
    ("remaining", "expected"),
    [(500, 60 * 1 / 1000), (400, 60 * 101 / 1000), (0, 60 * 501 / 1000)],
)
def test_without_reset_header_the_excess_is_spread_over_the_minute(clock, remaining, expected):
    pacer = RateLimitPacer(0.5, clock)
    pacer.observe(headers(1000, remaining))
    assert pacer.wait_needed() == pytest.approx(expected)
    clock.now += 60
    assert pacer.wait_needed() == 0.0


def test_garbage_reset_header_is_treated_as_absent(clock):
    pacer = RateLimitPacer(0.5, clock)
    pacer.observe(headers(1000, 0, reset="soon"))
    assert pacer.wait_needed() == pytest.approx(60 * 501 / 1000)


def test_a_full_share_uses_the_whole_limit(clock):
    pacer = RateLimitPacer(1.0, clock)
    pacer.observe(headers(300, 1, reset=clock.now + 20))
    assert pacer.wait_needed() == 0.0
    pacer.observe(headers(300, 0, reset=clock.now + 20))
    assert pacer.wait_needed() == pytest.approx(20.0)


def test_a_fresh_window_ends_the_wait(clock):
    pacer = RateLimitPacer(0.5, clock)
    pacer.observe(headers(1000, 400, reset=clock.now + 30))
    assert pacer.wait_needed() > 0
    pacer.observe(headers(1000, 999, reset=clock.now + 60))
    assert pacer.wait_needed() == 0.0


@pytest.mark.parametrize(
    ("shape", "reset"),
    [("epoch seconds", 1_796_138_667), ("epoch milliseconds", 1_796_138_667_000), ("seconds", 40)],
)
def test_after_a_429_waits_until_the_reset_in_any_shape(clock, shape, reset):
    pacer = RateLimitPacer(0.5, clock)
    assert pacer.wait_after_throttle(headers(1000, 0, reset=reset), 1) == pytest.approx(40.0)


def test_a_429_without_any_header_backs_off_doubling_up_to_a_window(clock):
    pacer = RateLimitPacer(0.5, clock)
    waits = [pacer.wait_after_throttle(CaseInsensitiveDict(), streak) for streak in range(1, 9)]
    assert waits == [1, 2, 4, 8, 16, 32, LONGEST_WAIT_SECONDS, LONGEST_WAIT_SECONDS]


def test_a_429_whose_reset_is_past_by_our_clock_backs_off_instead_of_hammering(clock):
    pacer = RateLimitPacer(0.5, clock)
    assert pacer.wait_after_throttle(headers(1000, 0, reset=clock.now - 3), 1) == 1.0


def test_searches_stay_within_the_per_key_limit_in_any_sixty_seconds(clock):
    pacer = SearchPacer(3, clock)
    for _ in range(3):
        assert pacer.wait_needed() == 0.0
        pacer.sent()
        clock.now += 10
    # The first search was 30 s ago: the fourth waits until it is a minute (and a second) old.
    assert pacer.wait_needed() == pytest.approx(31.0)
    clock.now += 31
    assert pacer.wait_needed() == 0.0


@pytest.mark.parametrize(
    "observed",
    [
        {},
        {"X-RateLimit-Limit": "1000"},
        {"X-RateLimit-Remaining": "0"},
        {"X-RateLimit-Limit": "lots", "X-RateLimit-Remaining": "0"},
        {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "none"},
        {"X-RateLimit-Limit": "", "X-RateLimit-Remaining": ""},
    ],
    ids=["none", "limit-only", "remaining-only", "garbage-limit", "garbage-remaining", "blank"],
)
def test_missing_or_garbage_headers_mean_no_wait(clock, observed):
    pacer = RateLimitPacer(0.5, clock)
    pacer.observe(CaseInsensitiveDict(observed))
    assert pacer.wait_needed() == 0.0
