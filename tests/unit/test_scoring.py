"""How ratings add up to the scores a team lead reads: CES, CSAT, NPS, n and response rate."""

import pytest

from surveys.domain.metrics import CES, CSAT, NPS, Sentiment
from surveys.domain.scoring import (
    ScoreSummary,
    distribution,
    format_headline,
    net_promoter_score,
    percent_with,
    response_rate,
    sentiment_name,
    sentiment_scores,
)


def test_ces_is_the_mean_with_the_share_of_five_to_seven_as_positive():
    summary = ScoreSummary(CES, sent=10, scores=(7, 6, 5, 4, 1, 2))

    assert summary.score == pytest.approx(25 / 6)
    assert summary.percent(Sentiment.POSITIVE) == pytest.approx(50.0)
    assert summary.percent(Sentiment.NEUTRAL) == pytest.approx(100 / 6)
    assert summary.percent(Sentiment.NEGATIVE) == pytest.approx(100 / 3)
    assert format_headline(CES, summary.score) == "4.17"


def test_csat_is_the_share_of_four_and_five():
    summary = ScoreSummary(CSAT, sent=4, scores=(5, 4, 3, 1))

    assert summary.score == pytest.approx(50.0)
    assert summary.mean == pytest.approx(3.25)
    assert format_headline(CSAT, summary.score) == "50%"


def test_nps_is_promoters_minus_detractors():
    # 5 promoters (9-10), 3 passives (7-8), 2 detractors (0-6) of 10: 50% - 20% = +30
    scores = [10, 10, 9, 9, 9, 8, 7, 7, 6, 0]

    assert net_promoter_score(scores) == pytest.approx(30.0)
    assert ScoreSummary(NPS, sent=10, scores=tuple(scores)).score == pytest.approx(30.0)
    assert format_headline(NPS, 30.0) == "+30"
    assert format_headline(NPS, -12.5) == "-12"


@pytest.mark.parametrize(
    ("scores", "expected"), [([6, 6, 6], -100.0), ([9, 10], 100.0), ([7, 8], 0.0)]
)
def test_nps_spans_minus_to_plus_one_hundred(scores, expected):
    assert net_promoter_score(scores) == pytest.approx(expected)


def test_the_distribution_lists_every_score_of_the_scale_even_unused_ones():
    assert distribution(CES, [1, 1, 7]) == {1: 2, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 1}
    assert list(distribution(NPS, [])) == list(range(11))


def test_without_ratings_there_is_no_score_but_still_n_and_response_rate():
    summary = ScoreSummary(CES, sent=3, scores=())

    assert summary.n == 0
    assert summary.score is None and summary.mean is None
    assert summary.response_rate == 0.0
    assert percent_with(CSAT, Sentiment.POSITIVE, []) is None
    assert format_headline(CES, None) == "-"


def test_response_rate_is_rated_over_sent():
    assert ScoreSummary(CES, sent=12, scores=(1, 2, 3)).response_rate == pytest.approx(25.0)
    assert response_rate(0, 0) is None


@pytest.mark.parametrize(
    ("metric", "sentiment", "name", "scores"),
    [
        (CES, Sentiment.POSITIVE, "positive", "5-7"),
        (CES, Sentiment.NEUTRAL, "neutral", "4"),
        (CSAT, Sentiment.POSITIVE, "satisfied", "4-5"),
        (CSAT, Sentiment.NEGATIVE, "dissatisfied", "1-2"),
        (NPS, Sentiment.POSITIVE, "promoters", "9-10"),
        (NPS, Sentiment.NEUTRAL, "passives", "7-8"),
        (NPS, Sentiment.NEGATIVE, "detractors", "0-6"),
    ],
)
def test_each_metric_names_its_groups_of_scores(metric, sentiment, name, scores):
    assert sentiment_name(metric, sentiment) == name
    assert sentiment_scores(metric, sentiment) == scores
