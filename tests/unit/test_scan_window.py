"""Which slice of conversation history a scan looks at."""

from datetime import UTC, datetime, timedelta

import pytest

from surveys.domain.scan_window import (
    MILLISECOND,
    ScanWindow,
    first_watermark,
    in_ascending_order,
    scan_lag,
    scan_window,
    split_in_two,
)

ACTIVATED = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
QUIET = timedelta(hours=48)


def test_without_backfill_only_conversations_going_quiet_after_activation_are_due():
    watermark = first_watermark(ACTIVATED, QUIET, timedelta(0))
    assert watermark == ACTIVATED - QUIET
    # A conversation updated at the watermark goes quiet exactly at activation.
    assert watermark + QUIET == ACTIVATED


def test_backfill_reaches_further_into_history():
    watermark = first_watermark(ACTIVATED, QUIET, timedelta(days=7))
    assert watermark == ACTIVATED - QUIET - timedelta(days=7)


def test_window_runs_from_watermark_to_now_minus_quiet_period():
    watermark = ACTIVATED - timedelta(days=3)
    now = ACTIVATED + timedelta(hours=1)
    window = scan_window(watermark, now, QUIET)
    assert window == ScanWindow(since=watermark, until=now - QUIET)
    assert not window.is_empty


def test_first_scan_after_activation_is_not_empty_but_one_earlier_is():
    watermark = first_watermark(ACTIVATED, QUIET, timedelta(0))
    assert not scan_window(watermark, ACTIVATED, QUIET).is_empty
    assert scan_window(watermark, ACTIVATED - timedelta(seconds=1), QUIET).is_empty


@pytest.mark.parametrize(
    ("offset", "empty"),
    [(timedelta(seconds=1), True), (timedelta(0), False), (-timedelta(seconds=1), False)],
    ids=["since-after-until", "single-instant", "since-before-until"],
)
def test_window_is_empty_only_when_since_is_after_until(offset, empty):
    until = ACTIVATED
    assert ScanWindow(since=until + offset, until=until).is_empty is empty


def test_scan_lag_is_how_long_the_oldest_conversation_not_yet_scanned_has_been_due():
    now = ACTIVATED + timedelta(days=2)
    # Scanned up to conversations last updated 60 h before now: due for 12 h already.
    assert scan_lag(now - timedelta(hours=60), now, QUIET) == timedelta(hours=12)
    # Caught up: everything last updated up to now minus the quiet period has been looked at.
    assert scan_lag(now - QUIET, now, QUIET) == timedelta(0)
    assert scan_lag(now - QUIET + timedelta(minutes=5), now, QUIET) == timedelta(0)


def _times(*minutes: int) -> list[datetime]:
    return [ACTIVATED + timedelta(minutes=minute) for minute in minutes]


def test_a_page_in_ascending_order_says_so():
    assert in_ascending_order(_times(*range(10))) is True
    assert in_ascending_order(_times(0, 0, 1, 1, 2, 3, 4, 5, 6, 6)) is True


def test_a_page_out_of_order_says_so():
    assert in_ascending_order(_times(0, 1, 2, 3, 4, 5, 6, 7, 9, 8)) is False


@pytest.mark.parametrize(
    "minutes",
    [(0, 1, 2), (5,) * 12, ()],
    ids=["too-few-to-tell", "one-moment", "empty"],
)
def test_a_page_that_cannot_tell_its_order_says_none(minutes):
    assert in_ascending_order(_times(*minutes)) is None


def test_a_window_splits_at_the_median_of_its_sample_without_a_gap():
    window = ScanWindow(ACTIVATED, ACTIVATED + timedelta(hours=10))
    sample = _times(5, 10, 20, 400, 500, 590)

    lower, upper = split_in_two(window, sample)

    assert lower.since == window.since and upper.until == window.until
    assert upper.since == ACTIVATED + timedelta(minutes=400)
    assert upper.since - lower.until == MILLISECOND


def test_a_sample_all_at_the_start_splits_the_time_in_two():
    window = ScanWindow(ACTIVATED, ACTIVATED + timedelta(hours=2))

    lower, upper = split_in_two(window, [ACTIVATED] * 20)

    assert upper.since == ACTIVATED + timedelta(hours=1)
    assert upper.since - lower.until == MILLISECOND


def test_two_milliseconds_split_into_one_each_and_one_moment_does_not_split():
    window = ScanWindow(ACTIVATED, ACTIVATED + MILLISECOND)
    assert split_in_two(window, []) == (
        ScanWindow(ACTIVATED, ACTIVATED),
        ScanWindow(ACTIVATED + MILLISECOND, ACTIVATED + MILLISECOND),
    )
    with pytest.raises(ValueError, match="one moment"):
        split_in_two(ScanWindow(ACTIVATED, ACTIVATED), [])
