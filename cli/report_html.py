"""The report as one HTML file a team lead can open anywhere: inline SVG charts, inline CSS, no
scripts and nothing fetched from elsewhere.

The charts' geometry is worked out here; the Jinja2 template (cli/templates/report.html) only
places it, autoescaping every agent, team and program name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from surveys.domain.metrics import Metric, Sentiment
from surveys.domain.scoring import (
    ScoreSummary,
    format_headline,
    headline_name,
    headline_range,
    sentiment_name,
    sentiment_scores,
)
from surveys.usecases.report import Group, ReasonCounts, SurveyReport

CHART_WIDTH = 720
CHART_HEIGHT = 240
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 48, 12, 24, 40
SENTIMENTS = (Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    # Under the bar (the week, the score) and over it (the value, n).
    label: str
    caption: str
    tone: str


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    baseline: float


@dataclass(frozen=True)
class Segment:
    """One sentiment's share of an agent's or team's ratings, as a piece of a stacked bar."""

    x: float
    width: float
    tone: str
    title: str


@dataclass(frozen=True)
class GroupRow:
    name: str
    summary: ScoreSummary
    score: str
    segments: tuple[Segment, ...]


def _scale(low: float, high: float) -> tuple[float, float, float]:
    """Top and bottom of the plot area, and pixels per unit."""
    top, bottom = MARGIN_TOP, CHART_HEIGHT - MARGIN_BOTTOM
    return top, bottom, (bottom - top) / (high - low)


def _bars(
    values: list[tuple[str, float | None, str, str]], low: float, high: float, ticks: list[float]
) -> Chart:
    """A bar per (label, value, caption, tone), drawn from zero (or the scale's lowest value
    when the scale does not reach zero); a missing value leaves its slot empty."""
    top, _, per_unit = _scale(low, high)

    def y_of(value: float) -> float:
        return top + (high - value) * per_unit

    origin = 0.0 if low < 0 < high else low
    slot = (CHART_WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / max(len(values), 1)
    bars = []
    for index, (label, value, caption, tone) in enumerate(values):
        start, end = (origin, origin) if value is None else sorted((origin, value))
        bars.append(
            Bar(
                x=MARGIN_LEFT + index * slot + slot * 0.15,
                y=y_of(end),
                width=slot * 0.7,
                height=y_of(start) - y_of(end),
                label=label,
                caption=caption,
                tone=tone,
            )
        )
    return Chart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        bars=tuple(bars),
        ticks=tuple(Tick(y_of(tick), f"{tick:g}") for tick in ticks),
        baseline=y_of(origin),
    )


def _ticks(metric: Metric) -> list[float]:
    low, high = headline_range(metric)
    if metric.key in ("csat", "nps"):
        step = (high - low) / 4
        return [low + step * index for index in range(5)]
    return [float(score) for score in metric.scores]


def _tone_of_score(metric: Metric, score: int) -> str:
    return metric.sentiment(score).value


def _tone_of_headline(metric: Metric, value: float | None) -> str:
    if value is None:
        return "none"
    if metric.key == "nps":
        return "positive" if value >= 0 else "negative"
    return "headline"


def trend_chart(metric: Metric, weeks: tuple[Group, ...]) -> Chart:
    low, high = headline_range(metric)
    return _bars(
        [
            (
                group.label[5:],
                group.summary.score,
                f"n={group.summary.n}",
                _tone_of_headline(metric, group.summary.score),
            )
            for group in weeks
        ],
        low,
        high,
        _ticks(metric),
    )


def distribution_chart(metric: Metric, summary: ScoreSummary) -> Chart:
    counts = summary.distribution
    highest = max([*counts.values(), 1])
    return _bars(
        [
            (str(score), float(count), str(count), _tone_of_score(metric, score))
            for score, count in counts.items()
        ],
        0.0,
        float(highest),
        sorted({0.0, float(highest)}),
    )


def _group_row(metric: Metric, group: Group) -> GroupRow:
    segments, x = [], 0.0
    for sentiment in SENTIMENTS:
        share = group.summary.percent(sentiment) or 0.0
        segments.append(
            Segment(
                x=x,
                width=share,
                tone=sentiment.value,
                title=f"{share:.0f}% {sentiment_name(metric, sentiment)}",
            )
        )
        x += share
    return GroupRow(
        group.label,
        group.summary,
        format_headline(metric, group.summary.score),
        tuple(segments),
    )


@dataclass(frozen=True)
class ReasonRow:
    """One agent's or team's negative ratings, and how many ticked each reason."""

    name: str
    negative: int
    counts: tuple[int, ...]


def _reason_rows(report: SurveyReport, groups: tuple[ReasonCounts, ...]) -> list[ReasonRow]:
    return [
        ReasonRow(
            group.label,
            group.negative,
            tuple(group.counts.get(reason_id, 0) for reason_id, _ in report.reasons),
        )
        for group in groups
    ]


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("cli", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html_report(report: SurveyReport, generated_at: datetime) -> str:
    metric = report.metric
    return (
        _environment()
        .get_template("report.html")
        .render(
            report=report,
            metric=metric,
            overall=report.overall,
            score=format_headline(metric, report.overall.score),
            score_name=headline_name(metric),
            sentiments=[
                (
                    sentiment.value,
                    sentiment_name(metric, sentiment),
                    sentiment_scores(metric, sentiment),
                    report.overall.percent(sentiment),
                )
                for sentiment in reversed(SENTIMENTS)
            ],
            trend=trend_chart(metric, report.by_week),
            distribution=distribution_chart(metric, report.overall),
            agents=[_group_row(metric, group) for group in report.by_agent],
            teams=[_group_row(metric, group) for group in report.by_team],
            programs=[_group_row(metric, group) for group in report.by_program],
            negative_name=sentiment_name(metric, Sentiment.NEGATIVE),
            reasons=[
                (label, report.reasons_overall.counts.get(reason_id, 0))
                for reason_id, label in report.reasons
            ],
            reasons_by_agent=_reason_rows(report, report.reasons_by_agent),
            reasons_by_team=_reason_rows(report, report.reasons_by_team),
            reasons_by_program=_reason_rows(report, report.reasons_by_program),
            generated_at=generated_at,
        )
    )


def write_html_report(report: SurveyReport, path: Path, generated_at: datetime) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside it and renamed: an interrupted run never leaves half a report.
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(render_html_report(report, generated_at), encoding="utf-8")
    partial.replace(path)
