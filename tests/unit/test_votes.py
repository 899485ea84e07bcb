"""The link-scanner policy: which requests show a person acting in a browser; what a burst is."""

from datetime import UTC, datetime, timedelta

import pytest

from surveys.domain.votes import (
    BrowserSignals,
    RecentVote,
    VoteVerdict,
    burst_with,
    not_a_persons_browser,
)

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)


def signals(**headers: str) -> BrowserSignals:
    return BrowserSignals.from_headers({"User-Agent": "test", **headers})


@pytest.mark.parametrize(
    ("headers", "sent_by"),
    [
        (
            {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-User": "?1"},
            "form",
        ),
        ({"sec-fetch-site": "same-origin", "sec-fetch-mode": "no-cors"}, "page script"),
        ({"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}, "page script"),
    ],
    ids=["clicked-send", "beacon-on-leaving", "fetch"],
)
def test_a_person_on_the_page_is_recognised(headers, sent_by):
    request = signals(**headers)
    assert not_a_persons_browser(request) == []
    assert request.sent_by == sent_by


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "no fetch metadata: not sent by a current browser"),
        (
            {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-User": "?1"},
            "not sent from the rating page (Sec-Fetch-Site: cross-site)",
        ),
        (
            {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-User": "?1"},
            "not sent from the rating page (Sec-Fetch-Site: none)",
        ),
        (
            {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate"},
            "form submitted without a person's click or key press",
        ),
        (
            {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "websocket"},
            "unexpected request mode (Sec-Fetch-Mode: websocket)",
        ),
    ],
    ids=["plain-http-client", "another-site", "typed-url", "script-submitted-form", "odd-mode"],
)
def test_anything_else_is_not_a_person_on_the_page(headers, reason):
    assert not_a_persons_browser(signals(**headers)) == [reason]


def test_the_user_agent_kept_is_bounded():
    assert len(BrowserSignals.from_headers({"User-Agent": "x" * 5000}).user_agent) == 200


def vote(score, seconds_ago, verdict=VoteVerdict.KEPT):
    return RecentVote(
        f"v{score}{seconds_ago}", score, NOW - timedelta(seconds=seconds_ago), verdict, None
    )


def test_three_different_scores_within_seconds_are_a_burst():
    recent = [vote(1, 2), vote(2, 1)]
    assert burst_with(3, NOW, recent) == recent


def test_two_different_scores_are_a_person_correcting_a_slip():
    assert burst_with(5, NOW, [vote(3, 1), vote(3, 2)]) == []


def test_votes_outside_the_window_take_no_part():
    assert burst_with(3, NOW, [vote(1, 11), vote(2, 30)]) == []


def test_dropped_votes_take_no_part_but_votes_being_judged_do():
    dropped = [vote(1, 1, VoteVerdict.DROPPED), vote(2, 1, VoteVerdict.DROPPED)]
    assert burst_with(3, NOW, dropped) == []
    judged = [vote(1, 1, VoteVerdict.RECEIVED), vote(2, 1, VoteVerdict.HELD)]
    assert burst_with(3, NOW, judged) == judged
