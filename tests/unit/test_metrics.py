"""The three survey scales: what a recipient is asked, and how each answer counts."""

import pytest

from surveys.domain.metrics import (
    CES,
    CSAT,
    METRICS,
    NPS,
    Metric,
    Sentiment,
    UnknownMetricError,
    metric_by_key,
)
from surveys.domain.triggers import TriggerSettings

POSITIVE, NEUTRAL, NEGATIVE = Sentiment.POSITIVE, Sentiment.NEUTRAL, Sentiment.NEGATIVE


@pytest.mark.parametrize(
    ("metric", "scores"),
    [(CES, range(1, 8)), (CSAT, range(1, 6)), (NPS, range(0, 11))],
    ids=["ces", "csat", "nps"],
)
def test_each_metric_offers_exactly_its_scale(metric, scores):
    assert list(metric.scores) == list(scores)
    assert all(metric.is_valid_score(score) for score in scores)
    assert not metric.is_valid_score(scores[0] - 1)
    assert not metric.is_valid_score(scores[-1] + 1)


@pytest.mark.parametrize(
    ("score", "expected"),
    {
        1: NEGATIVE,
        2: NEGATIVE,
        3: NEGATIVE,
        4: NEUTRAL,
        5: POSITIVE,
        6: POSITIVE,
        7: POSITIVE,
    }.items(),
)
def test_ces_sentiment_boundaries(score, expected):
    assert CES.sentiment(score) is expected


@pytest.mark.parametrize(
    ("score", "expected"),
    [(1, NEGATIVE), (2, NEGATIVE), (3, NEUTRAL), (4, POSITIVE), (5, POSITIVE)],
)
def test_csat_counts_four_and_five_as_satisfied(score, expected):
    assert CSAT.sentiment(score) is expected


@pytest.mark.parametrize(
    ("score", "expected"),
    {
        **dict.fromkeys(range(0, 7), NEGATIVE),
        7: NEUTRAL,
        8: NEUTRAL,
        9: POSITIVE,
        10: POSITIVE,
    }.items(),
)
def test_nps_promoters_passives_and_detractors(score, expected):
    assert NPS.sentiment(score) is expected


@pytest.mark.parametrize(
    ("metric", "score", "label"),
    [
        (CES, 1, "Strongly disagree"),
        (CES, 4, "Neither agree nor disagree"),
        (CES, 7, "Strongly agree"),
        (CSAT, 1, "Very dissatisfied"),
        (CSAT, 5, "Very satisfied"),
        (NPS, 0, "Not at all likely"),
        (NPS, 10, "Extremely likely"),
        (NPS, 7, "7"),
    ],
)
def test_score_labels(metric, score, label):
    assert metric.label(score) == label


def test_every_ces_and_csat_score_has_a_worded_label():
    for metric in (CES, CSAT):
        assert all(not metric.label(score).isdigit() for score in metric.scores)


@pytest.mark.parametrize("key", ["ces", "CES", "Csat", "nps"])
def test_metric_by_key_ignores_case(key):
    assert metric_by_key(key) is METRICS[key.lower()]


@pytest.mark.parametrize("key", ["effort", "", "ces2", "c e s"])
def test_metric_by_key_rejects_unknown_metrics_and_lists_the_known_ones(key):
    with pytest.raises(UnknownMetricError) as raised:
        metric_by_key(key)
    assert isinstance(raised.value, ValueError)
    assert repr(key) in str(raised.value)
    assert "ces, csat, nps" in str(raised.value)


@pytest.mark.parametrize(
    ("metric", "score_attribute", "comment_attribute"),
    [
        (CES, "cesScoreNum", "cesCommentTxt"),
        (CSAT, "csatScoreNum", "csatCommentTxt"),
        (NPS, "npsScoreNum", "npsCommentTxt"),
    ],
)
def test_kustomer_attribute_names_carry_their_type_suffix(
    metric, score_attribute, comment_attribute
):
    assert metric.score_attribute == score_attribute
    assert metric.comment_attribute == comment_attribute


def _question(metric: Metric, company: str) -> str:
    """The question a trigger without a question of its own asks in English."""
    return TriggerSettings(metric=metric.key).question_in("en", company)


def test_ces_question_names_the_company():
    assert _question(CES, "Acme") == "Acme made it easy for me to handle my issue."


def test_nps_question_names_the_company():
    assert (
        _question(NPS, "Acme") == "How likely are you to recommend Acme to a friend or colleague?"
    )


def test_csat_question_is_the_same_for_every_company():
    assert _question(CSAT, "Acme") == "How satisfied are you with the support you received?"


def test_company_names_with_braces_are_inserted_literally():
    assert _question(CES, "{Brace} & Co").startswith("{Brace} & Co made it easy")
