"""`surveys report`: how are we doing? The score, with n, response rate and distribution."""

from __future__ import annotations

import argparse
import csv
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.errors import CommandError, ExitCode
from cli.interaction import Progress, add_output_option, print_json, tell
from cli.stack import Stack
from surveys.domain.metrics import METRICS, Sentiment
from surveys.domain.scoring import (
    ScoreSummary,
    format_headline,
    headline_name,
    sentiment_name,
    sentiment_scores,
)

if TYPE_CHECKING:
    from surveys.usecases.report import Group, ReasonCounts, SurveyReport

SENTIMENTS = (Sentiment.POSITIVE, Sentiment.NEUTRAL, Sentiment.NEGATIVE)
_RELATIVE = re.compile(r"^(\d+)([hdw])$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def register(subcommands: Any) -> None:
    report = subcommands.add_parser(
        "report",
        help="how are we doing: score, n, response rate and distribution",
        description=(
            "Scores of the surveys sent in a period: CES as mean and %% positive (5-7), CSAT as "
            "%% satisfied (4-5), NPS as %% promoters (9-10) minus %% detractors (0-6); always "
            "with n, the response rate (rated / sent) and the distribution. A survey counts "
            "with its latest rating."
        ),
    )
    report.add_argument(
        "--metric",
        choices=sorted(METRICS),
        help="the metric reported on (default: the --program's, else ces)",
    )
    report.add_argument(
        "--program",
        metavar="NAME",
        help="only the surveys this program sent (`surveys trigger list` names them)",
    )
    report.add_argument(
        "--since",
        default="30d",
        help="surveys sent in the last 48h, 30d or 12w, or since a date (2025-01-31); default 30d",
    )
    report.add_argument(
        "--by",
        choices=["agent", "team", "program", "week"],
        help="one row per agent, per team (both as assigned when sent), per program or per week",
    )
    add_output_option(report, formats=("text", "csv", "json"), aliases=("--format",))
    report.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="also write a self-contained HTML report with charts to FILE",
    )
    report.set_defaults(run=run)


def parse_since(text: str, now: datetime) -> datetime:
    relative = _RELATIVE.match(text.strip())
    if relative:
        amount, unit = relative.groups()
        return now - timedelta(**{_UNITS[unit]: int(amount)})
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d")
    except ValueError:
        raise CommandError(
            f"--since {text!r}: give 48h, 30d, 12w or a date such as 2025-01-31"
        ) from None
    return day.replace(tzinfo=UTC)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def summary_fields(summary: ScoreSummary) -> dict[str, Any]:
    """One summary as exported (CSV columns, JSON keys), rounded to two decimals."""
    fields: dict[str, Any] = {
        "sent": summary.sent,
        "rated": summary.n,
        "response_rate_pct": _rounded(summary.response_rate),
        "score": _rounded(summary.score),
        "mean": _rounded(summary.mean),
    }
    for sentiment in SENTIMENTS:
        fields[f"{sentiment.value}_pct"] = _rounded(summary.percent(sentiment))
    return fields


def _period(report: SurveyReport) -> str:
    return f"surveys sent {report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC"


def _groups(report: SurveyReport, by: str | None) -> tuple[Group, ...]:
    return {
        "agent": report.by_agent,
        "team": report.by_team,
        "program": report.by_program,
        "week": report.by_week,
    }.get(by or "", ())


def print_text(report: SurveyReport, by: str | None) -> None:
    metric, overall = report.metric, report.overall
    program = f", program {report.program}" if report.program else ""
    print(f"{metric.name} ({metric.key.upper()}){program}: {_period(report)}")
    print(f"Score: {format_headline(metric, overall.score)}   {headline_name(metric)}")
    print(
        "   ".join(
            f"{sentiment_name(metric, sentiment).capitalize()} "
            f"({sentiment_scores(metric, sentiment)}): {_percent(overall.percent(sentiment))}"
            for sentiment in SENTIMENTS
        )
    )
    mean = "-" if overall.mean is None else f"{overall.mean:.2f}"
    print(f"Mean: {mean} on {metric.lowest}-{metric.highest}")
    print(f"n: {overall.n} ratings")
    print(
        f"Response rate: {_percent(overall.response_rate)} "
        f"({overall.n} rated of {overall.sent} sent)"
    )
    print("\nDistribution")
    distribution = overall.distribution
    for score, count in distribution.items():
        share = 100 * count / overall.n if overall.n else 0.0
        bar = "#" * round(share / 5)
        print(f"  {score:>2}  {metric.label(score):<27} {count:>5}  {share:>4.0f}%  {bar}".rstrip())
    print(
        f"\nReminders: {report.reminders.sent} sent; {report.reminders.answered_after} "
        "answered after their reminder"
    )
    _print_reasons(report)
    groups = _groups(report, by)
    if not groups:
        return
    label = "week (from Monday)" if by == "week" else str(by)
    width = max(len(label), *(len(group.label) for group in groups))
    sentiments = [sentiment_name(metric, sentiment) for sentiment in SENTIMENTS]
    print(f"\nBy {by}")
    print(
        f"{label:<{width}}  {'sent':>5}  {'rated':>5}  {'response':>8}  {'score':>6}  "
        + "  ".join(f"{name:>12}" for name in sentiments)
    )
    for group in groups:
        summary = group.summary
        print(
            f"{group.label:<{width}}  {summary.sent:>5}  {summary.n:>5}  "
            f"{_percent(summary.response_rate):>8}  {format_headline(metric, summary.score):>6}  "
            + "  ".join(f"{_percent(summary.percent(sentiment)):>12}" for sentiment in SENTIMENTS)
        )

    _print_reasons_by(report, by)


def _reason_groups(report: SurveyReport, by: str | None) -> tuple[ReasonCounts, ...]:
    return {
        "agent": report.reasons_by_agent,
        "team": report.reasons_by_team,
        "program": report.reasons_by_program,
    }.get(by or "", ())


def _print_reasons(report: SurveyReport) -> None:
    overall = report.reasons_overall
    negative = sentiment_name(report.metric, Sentiment.NEGATIVE)
    print(
        f"\nWhat went wrong ({overall.negative} {negative} ratings; several reasons may be ticked)"
    )
    for reason_id, label in report.reasons:
        count = overall.counts.get(reason_id, 0)
        share = 100 * count / overall.negative if overall.negative else 0.0
        print(f"  {label:<40} {count:>5}  {share:>4.0f}%")


def _print_reasons_by(report: SurveyReport, by: str | None) -> None:
    rows = _reason_groups(report, by)
    if not rows or not report.reasons:
        return
    width = max(len(str(by)), *(len(row.label) for row in rows))
    ids = [reason_id for reason_id, _ in report.reasons]
    print(f"\nWhat went wrong, by {by} (ratings ticking each reason)")
    print(f"{by!s:<{width}}  {'negative':>8}  " + "  ".join(f"{name:>13}" for name in ids))
    for row in rows:
        print(
            f"{row.label:<{width}}  {row.negative:>8}  "
            + "  ".join(f"{row.counts.get(name, 0):>13}" for name in ids)
        )


def _reason_fields(report: SurveyReport, counts: ReasonCounts | None) -> dict[str, int]:
    found = counts.counts if counts else {}
    return {f"reason_{reason_id}": found.get(reason_id, 0) for reason_id, _ in report.reasons}


def _export_rows(report: SurveyReport, by: str | None) -> list[dict[str, Any]]:
    reasons = {row.label: row for row in _reason_groups(report, by)}
    rows = [
        {
            "group": "all",
            **summary_fields(report.overall),
            **_counts(report.overall),
            **_reason_fields(report, report.reasons_overall),
        }
    ]
    rows += [
        {
            "group": group.label,
            **summary_fields(group.summary),
            **_counts(group.summary),
            **_reason_fields(report, reasons.get(group.label)),
        }
        for group in _groups(report, by)
    ]
    return rows


def _counts(summary: ScoreSummary) -> dict[str, int]:
    return {f"score_{score}": count for score, count in summary.distribution.items()}


def print_csv(report: SurveyReport, by: str | None) -> None:
    rows = _export_rows(report, by)
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def report_json(report: SurveyReport, by: str | None) -> dict[str, Any]:
    def summary(value: ScoreSummary) -> dict[str, Any]:
        return {
            **summary_fields(value),
            "distribution": {str(score): count for score, count in value.distribution.items()},
        }

    reasons = {row.label: row for row in _reason_groups(report, by)}
    return {
        "metric": report.metric.key,
        "program": report.program,
        "score_is": headline_name(report.metric),
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "overall": {**summary(report.overall), "reasons": report.reasons_overall.counts},
        "reasons": dict(report.reasons),
        "reminders": {
            "sent": report.reminders.sent,
            "answered_after": report.reminders.answered_after,
        },
        "by": by,
        "groups": [
            {
                "group": group.label,
                **summary(group.summary),
                "reasons": reasons[group.label].counts if group.label in reasons else {},
            }
            for group in _groups(report, by)
        ],
    }


def _metric(arguments: argparse.Namespace) -> str:
    """The metric reported on: the program's, which --metric may repeat but not contradict."""
    if not arguments.program:
        return str(arguments.metric or "ces")
    from surveys.usecases.triggers import TriggerSettingsError, trigger_settings

    try:
        program = trigger_settings(arguments.program)
    except TriggerSettingsError as error:
        raise CommandError(f"--program: {error}") from None
    if arguments.metric and arguments.metric != program.metric:
        raise CommandError(
            f"--program {program.name} surveys {program.metric}, not {arguments.metric}"
        )
    return program.metric


def run(stack: Stack, arguments: argparse.Namespace) -> int:
    from cli.report_html import write_html_report
    from surveys.usecases.report import ReportStage, survey_report, surveys_to_read

    now = datetime.now(UTC)
    since = parse_since(arguments.since, now)
    with stack.as_admin():
        metric = _metric(arguments)
    try:
        with stack.as_admin(), Progress("Surveys read", surveys_to_read(), "surveys") as progress:

            def show(stage: ReportStage, done: int, total: int | None) -> None:
                if stage is ReportStage.RATINGS and progress.label != "Ratings read":
                    progress.next_stage("Ratings read", total)
                progress.update(done, total)

            report = survey_report(metric, since, now, progress=show, program=arguments.program)
    except KeyboardInterrupt:
        tell("\nReport stopped by Ctrl-C: a report only reads, so nothing changed or was written.")
        return ExitCode.INTERRUPTED
    if arguments.output == "json":
        print_json(report_json(report, arguments.by))
    elif arguments.output == "csv":
        print_csv(report, arguments.by)
    else:
        print_text(report, arguments.by)
    if arguments.html:
        write_html_report(report, arguments.html, generated_at=now)
        # On stderr when stdout carries CSV or JSON, so the export stays clean.
        out = sys.stdout if arguments.output == "text" else sys.stderr
        print(f"\nHTML report: {arguments.html}", file=out)
    return ExitCode.DONE
