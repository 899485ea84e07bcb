"""How a set of ratings adds up to a score: CES mean and % positive, CSAT % satisfied, NPS.

Every number a report shows comes from here, so the text, CSV, JSON and HTML reports cannot
disagree; a score is always given with n, the response rate and the distribution behind it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from surveys.domain.metrics import CSAT, NPS, Metric, Sentiment


def distribution(metric: Metric, scores: Iterable[int]) -> dict[int, int]:
    """How many ratings gave each score, every score of the scale listed, zero or not."""
    counted = Counter(scores)
    return {score: counted[score] for score in metric.scores}


def mean_score(scores: list[int]) -> float | None:
    return sum(scores) / len(scores) if scores else None


def percent_with(metric: Metric, sentiment: Sentiment, scores: list[int]) -> float | None:
    """Share of ratings with this sentiment, in percent: CES 5-7 positive, CSAT 4-5 satisfied,
    NPS 9-10 promoters and 0-6 detractors."""
    if not scores:
        return None
    return 100 * sum(metric.sentiment(score) is sentiment for score in scores) / len(scores)


def net_promoter_score(scores: list[int]) -> float | None:
    """% promoters (9-10) minus % detractors (0-6), from -100 to +100."""
    promoters = percent_with(NPS, Sentiment.POSITIVE, scores)
    detractors = percent_with(NPS, Sentiment.NEGATIVE, scores)
    if promoters is None or detractors is None:
        return None
    return promoters - detractors


# What each metric calls its three groups of scores.
_SENTIMENT_NAMES = {
    "csat": {
        Sentiment.POSITIVE: "satisfied",
        Sentiment.NEUTRAL: "neutral",
        Sentiment.NEGATIVE: "dissatisfied",
    },
    "nps": {
        Sentiment.POSITIVE: "promoters",
        Sentiment.NEUTRAL: "passives",
        Sentiment.NEGATIVE: "detractors",
    },
}


def sentiment_name(metric: Metric, sentiment: Sentiment) -> str:
    return _SENTIMENT_NAMES.get(metric.key, {}).get(sentiment, sentiment.value)


def sentiment_scores(metric: Metric, sentiment: Sentiment) -> str:
    """The scores of a sentiment as a report prints them: "5-7", "4"."""
    scores = [score for score in metric.scores if metric.sentiment(score) is sentiment]
    if len(scores) == 1:
        return str(scores[0])
    return f"{scores[0]}-{scores[-1]}"


def response_rate(rated: int, sent: int) -> float | None:
    return 100 * rated / sent if sent else None


@dataclass(frozen=True)
class ScoreSummary:
    """The ratings of a set of sent surveys (all of them, one agent's, one week's)."""

    metric: Metric
    sent: int
    scores: tuple[int, ...]

    @property
    def n(self) -> int:
        return len(self.scores)

    @property
    def response_rate(self) -> float | None:
        return response_rate(self.n, self.sent)

    @property
    def distribution(self) -> dict[int, int]:
        return distribution(self.metric, self.scores)

    @property
    def mean(self) -> float | None:
        return mean_score(list(self.scores))

    def percent(self, sentiment: Sentiment) -> float | None:
        return percent_with(self.metric, sentiment, list(self.scores))

    @property
    def score(self) -> float | None:
        """The metric's headline number: the CES mean, CSAT % satisfied, or the NPS."""
        if self.metric.key == NPS.key:
            return net_promoter_score(list(self.scores))
        if self.metric.key == CSAT.key:
            return self.percent(Sentiment.POSITIVE)
        return self.mean


def headline_name(metric: Metric) -> str:
    """What `ScoreSummary.score` is, in the words a report uses."""
    if metric.key == NPS.key:
        return "NPS (% promoters 9-10 minus % detractors 0-6)"
    if metric.key == CSAT.key:
        return "CSAT (% satisfied, 4-5)"
    return f"CES (mean, {metric.lowest}-{metric.highest})"


def format_headline(metric: Metric, value: float | None) -> str:
    """The headline as people quote it: CES 5.43, CSAT 82%, NPS +35."""
    if value is None:
        return "-"
    if metric.key == NPS.key:
        return f"{value:+.0f}"
    if metric.key == CSAT.key:
        return f"{value:.0f}%"
    return f"{value:.2f}"


def headline_range(metric: Metric) -> tuple[float, float]:
    """Lowest and highest possible headline score, for charts."""
    if metric.key == NPS.key:
        return -100.0, 100.0
    if metric.key == CSAT.key:
        return 0.0, 100.0
    return float(metric.lowest), float(metric.highest)
