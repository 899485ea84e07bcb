"""Which slice of conversation history a scan looks at."""

from datetime import UTC, datetime, timedelta

import pytest

from surveys.domain.scan_window import ScanWindow, first_watermark, scan_lag, scan_window

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
