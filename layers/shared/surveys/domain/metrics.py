"""The three survey metrics: scale, labels, and how a score counts. The labels are English, as
the notes in Kustomer show them; the recipient reads them translated (surveys/domain/i18n.py)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from surveys.domain.i18n import N_


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    lowest: int
    highest: int
    score_labels: dict[int, str]
    positive_from: int
    negative_up_to: int

    @property
    def scores(self) -> range:
        return range(self.lowest, self.highest + 1)

    @property
    def score_attribute(self) -> str:
        # Kustomer custom attribute system names carry their type as suffix (Num, Txt, ...).
        return f"{self.key}ScoreNum"

    @property
    def comment_attribute(self) -> str:
        return f"{self.key}CommentTxt"

    @property
    def reason_attribute(self) -> str:
        return f"{self.key}ReasonStr"

    def is_valid_score(self, score: int) -> bool:
        return self.lowest <= score <= self.highest

    def label(self, score: int) -> str:
        return self.score_labels.get(score, str(score))

    def sentiment(self, score: int) -> Sentiment:
        if score >= self.positive_from:
            return Sentiment.POSITIVE
        if score <= self.negative_up_to:
            return Sentiment.NEGATIVE
        return Sentiment.NEUTRAL


CES = Metric(
    key="ces",
    name="Customer Effort Score",
    lowest=1,
    highest=7,
    score_labels={
        1: N_("Strongly disagree"),
        2: N_("Disagree"),
        3: N_("Somewhat disagree"),
        4: N_("Neither agree nor disagree"),
        5: N_("Somewhat agree"),
        6: N_("Agree"),
        7: N_("Strongly agree"),
    },
    positive_from=5,
    negative_up_to=3,
)

CSAT = Metric(
    key="csat",
    name="Customer Satisfaction",
    lowest=1,
    highest=5,
    score_labels={
        1: N_("Very dissatisfied"),
        2: N_("Dissatisfied"),
        3: N_("Neutral"),
        4: N_("Satisfied"),
        5: N_("Very satisfied"),
    },
    positive_from=4,
    negative_up_to=2,
)

NPS = Metric(
    key="nps",
    name="Net Promoter Score",
    lowest=0,
    highest=10,
    score_labels={0: N_("Not at all likely"), 10: N_("Extremely likely")},
    positive_from=9,
    negative_up_to=6,
)

METRICS: dict[str, Metric] = {metric.key: metric for metric in (CES, CSAT, NPS)}


class UnknownMetricError(ValueError):
    pass


def metric_by_key(key: str) -> Metric:
    try:
        return METRICS[key.lower()]
    except KeyError:
        raise UnknownMetricError(
            f"unknown metric {key!r}; expected one of {', '.join(METRICS)}"
        ) from None
