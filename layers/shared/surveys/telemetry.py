"""What the functions tell CloudWatch and X-Ray: the use cases' returned outcomes as metrics.

Handlers call one function here per outcome, so each metric the dashboard and the alarms in
template.yaml read (`observability.MetricName`) is emitted in one place. Counts of one
survey metric carry it as the `survey_metric` dimension (ces, csat, nps).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from surveys.domain.metrics import metric_by_key
from surveys.observability import MetricName, metrics, tracer

# Types only: each function imports the use cases it runs, and none of the others' (the pages'
# templates, the sender's outcomes) that its cold start would pay for.
if TYPE_CHECKING:
    from surveys.usecases.pages import VoteOutcome
    from surveys.usecases.reconcile import ReconcileReport
    from surveys.usecases.reminders import ReminderSweep
    from surveys.usecases.scan_report import ScanReport
    from surveys.usecases.send_survey import SendOutcome
    from surveys.usecases.write_back import WritebackOutcome


def record_scan(report: ScanReport) -> None:
    survey_metric = report.metric
    metrics.add_metric(
        MetricName.CONVERSATIONS_SCANNED,
        MetricUnit.Count,
        report.conversations_seen,
        survey_metric=survey_metric,
    )
    metrics.add_metric(
        MetricName.SURVEYS_QUEUED, MetricUnit.Count, report.queued, survey_metric=survey_metric
    )
    metrics.add_metric(
        MetricName.SCAN_LAG, MetricUnit.Seconds, report.lag_seconds, survey_metric=survey_metric
    )


def record_reminder_sweep(sweep: ReminderSweep) -> None:
    metrics.add_metric(
        MetricName.REMINDERS_QUEUED, MetricUnit.Count, sweep.queued, survey_metric=sweep.metric
    )


def record_send(outcome: SendOutcome, survey_metric: str) -> None:
    """Count what the sender decided now; a repeated delivery of a survey already sent or skipped
    decided nothing and counts nothing."""
    from surveys.usecases.send_reminder import NOT_REMINDED, REMINDED
    from surveys.usecases.send_survey import ALREADY_HANDLED, PAUSED

    if outcome.reason == ALREADY_HANDLED:
        return
    if outcome.status in (REMINDED, NOT_REMINDED):
        name = (
            MetricName.REMINDERS_SENT
            if outcome.status == REMINDED
            else MetricName.REMINDERS_NOT_SENT
        )
        metrics.add_metric(name, MetricUnit.Count, 1, survey_metric=survey_metric)
        return
    if outcome.status == PAUSED:
        metrics.add_metric(MetricName.SENDING_PAUSED, MetricUnit.Count, 1)
        return
    why = outcome.skipped_because
    if why is None:
        name = (
            MetricName.SURVEYS_DEFERRED if outcome.status == "deferred" else MetricName.SURVEYS_SENT
        )
        metrics.add_metric(name, MetricUnit.Count, 1, survey_metric=survey_metric)
        return
    name = MetricName.SURVEYS_SUPPRESSED if why.is_suppression else MetricName.SURVEYS_SKIPPED
    metrics.add_metric(name, MetricUnit.Count, 1, survey_metric=survey_metric, reason=why.value)


def record_vote(vote: VoteOutcome | None) -> None:
    """Count what an answer did. The trace is annotated like the sender's and the writeback's,
    so one survey's traces are found together."""
    from surveys.usecases.pages import VoteEffect

    if vote is None:
        return
    with tracer.in_subsegment("## vote") as subsegment:
        subsegment.put_annotation("survey_id", vote.survey_id)
    if vote.effect is VoteEffect.SUSPECT:
        metrics.add_metric(
            MetricName.SUSPECT_VOTES_DROPPED, MetricUnit.Count, 1, survey_metric=vote.metric
        )
    elif vote.effect is VoteEffect.CHANGED:
        metrics.add_metric(
            MetricName.RATINGS_CHANGED, MetricUnit.Count, 1, survey_metric=vote.metric
        )
    else:
        sentiment = metric_by_key(vote.metric).sentiment(vote.score)
        metrics.add_metric(
            MetricName.RATINGS_RECORDED,
            MetricUnit.Count,
            1,
            survey_metric=vote.metric,
            sentiment=sentiment.value,
        )
        metrics.add_metric(
            MetricName.RATING_SCORE, MetricUnit.NoUnit, vote.score, survey_metric=vote.metric
        )


def record_writeback(outcome: WritebackOutcome) -> None:
    if outcome.metric is None:
        return
    name = {
        "written": MetricName.WRITEBACKS_DONE,
        "not writable": MetricName.WRITEBACKS_NOT_WRITABLE,
    }[outcome.result]
    metrics.add_metric(name, MetricUnit.Count, 1, survey_metric=outcome.metric)


def record_reconcile(report: ReconcileReport) -> None:
    metrics.add_metric(MetricName.WRITEBACKS_RECONCILED, MetricUnit.Count, report.written)
    metrics.add_metric(MetricName.WRITEBACKS_NOT_WRITABLE, MetricUnit.Count, report.not_writable)
    metrics.add_metric(MetricName.WRITEBACKS_STILL_FAILING, MetricUnit.Count, report.failed)
