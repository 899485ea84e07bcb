"""Reports: which surveys count, and how they group by agent, team and week."""

from datetime import UTC, datetime, timedelta

from surveys.domain.metrics import CES
from surveys.usecases.report import NO_TEAM, UNASSIGNED, SentSurvey, build_report, week_of

UNTIL = datetime(2024, 6, 20, 12, 0, tzinfo=UTC)  # a Thursday
SINCE = UNTIL - timedelta(days=30)


def _survey(days_ago: float, agent: str, score: int | None, team: str = NO_TEAM) -> SentSurvey:
    sent_at = UNTIL - timedelta(days=days_ago)
    return SentSurvey(f"ces-{agent}-{days_ago}", sent_at, agent, team, score)


def test_the_overall_score_counts_rated_surveys_and_the_response_rate_all_sent_ones():
    report = build_report(
        CES,
        SINCE,
        UNTIL,
        [_survey(1, "Maya", 7), _survey(2, "Maya", None), _survey(3, "Jonas", 4)],
    )

    assert report.overall.sent == 3
    assert report.overall.n == 2
    assert report.overall.score == 5.5
    assert report.overall.response_rate == 200 / 3


def test_surveys_sent_outside_the_period_do_not_count():
    report = build_report(
        CES, SINCE, UNTIL, [_survey(1, "Maya", 7), _survey(31, "Maya", 1), _survey(-1, "Maya", 1)]
    )

    assert report.overall.sent == 1
    assert report.overall.scores == (7,)


def test_per_agent_rows_are_alphabetical_with_surveys_without_agent_last():
    report = build_report(
        CES,
        SINCE,
        UNTIL,
        [
            _survey(1, UNASSIGNED, 3),
            _survey(1, "maya", 7),
            _survey(2, "Jonas", None),
            _survey(3, "Jonas", 5),
        ],
    )

    assert [group.label for group in report.by_agent] == ["Jonas", "maya", UNASSIGNED]
    jonas = report.by_agent[0].summary
    assert (jonas.sent, jonas.n, jonas.score, jonas.response_rate) == (2, 1, 5.0, 50.0)


def test_per_team_rows_are_alphabetical_with_surveys_without_team_last():
    report = build_report(
        CES,
        SINCE,
        UNTIL,
        [
            _survey(1, "Maya", 3),
            _survey(1, "Maya", 7, team="Orders"),
            _survey(2, "Jonas", 2, team="billing"),
            _survey(3, "Aisha", None, team="billing"),
            _survey(4, "Jonas", 6, team="billing"),
        ],
    )

    assert [group.label for group in report.by_team] == ["billing", "Orders", NO_TEAM]
    billing = report.by_team[0].summary
    assert (billing.sent, billing.n, billing.score, billing.response_rate) == (3, 2, 4.0, 200 / 3)


def test_every_week_of_the_period_has_a_row_even_without_surveys():
    report = build_report(CES, SINCE, UNTIL, [_survey(1, "Maya", 6), _survey(15, "Maya", 2)])

    weeks = [group.label for group in report.by_week]
    assert weeks[0] == week_of(SINCE).isoformat() == "2024-05-20"
    assert weeks[-1] == "2024-06-17"
    assert len(weeks) == 5
    by_week = {group.label: group.summary for group in report.by_week}
    assert by_week["2024-06-17"].scores == (6,)
    assert by_week["2024-06-03"].scores == (2,)
    assert by_week["2024-05-27"].sent == 0 and by_week["2024-05-27"].score is None
