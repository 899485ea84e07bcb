"""Report: how the ratings of the surveys sent in a period add up, overall, per agent, per team,
per program and per week (of one metric, or of one of its programs); what went wrong in the
negative ones, by reason; and what the reminders brought.

A survey counts in the period it was sent, and with its latest rating: the response rate of a
week is then the share of that week's surveys that were answered, whenever the answer came.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from surveys.adapters.store.ratings import RatingItem, latest_ratings
from surveys.adapters.store.state import all_agents, all_teams
from surveys.adapters.store.surveys import sent_surveys, surveys_in_table
from surveys.domain.metrics import Metric, Sentiment, metric_by_key
from surveys.domain.scoring import ScoreSummary
from surveys.usecases.triggers import reason_labels, trigger_settings

UNASSIGNED = "(no agent)"
NO_TEAM = "(no team)"


@dataclass(frozen=True)
class SentSurvey:
    """One survey sent, with the agent and team it is credited to and its latest score if
    answered."""

    survey_id: str
    sent_at: datetime
    agent: str
    team: str
    score: int | None
    reasons: tuple[str, ...] = ()
    program: str = ""
    reminded_at: datetime | None = None
    # When the recipient first answered.
    rated_at: datetime | None = None

    @property
    def answered_after_reminder(self) -> bool:
        return (
            self.reminded_at is not None
            and self.rated_at is not None
            and self.rated_at > self.reminded_at
        )


@dataclass(frozen=True)
class ReasonCounts:
    """What went wrong in a set of negative ratings: how many ticked each reason (a rating may
    tick several, or none)."""

    label: str
    negative: int
    counts: dict[str, int]


@dataclass(frozen=True)
class Reminders:
    sent: int
    answered_after: int


@dataclass(frozen=True)
class Group:
    label: str
    summary: ScoreSummary


@dataclass(frozen=True)
class SurveyReport:
    metric: Metric
    since: datetime
    until: datetime
    overall: ScoreSummary
    by_agent: tuple[Group, ...]
    by_team: tuple[Group, ...]
    by_program: tuple[Group, ...]
    # Every week of the period, oldest first, also those without a survey: a trend shows gaps.
    by_week: tuple[Group, ...]
    # The reasons as columns, (id, English label), the trigger's first, then any others found.
    reasons: tuple[tuple[str, str], ...] = ()
    reasons_overall: ReasonCounts = ReasonCounts("all", 0, {})
    reasons_by_agent: tuple[ReasonCounts, ...] = ()
    reasons_by_team: tuple[ReasonCounts, ...] = ()
    reasons_by_program: tuple[ReasonCounts, ...] = ()
    reminders: Reminders = Reminders(0, 0)
    # The one program reported on, or None: all of the metric's.
    program: str | None = None


def week_of(moment: datetime) -> date:
    """The Monday (UTC) starting the week of `moment`."""
    day = moment.date()
    return day - timedelta(days=day.weekday())


def _summary(metric: Metric, surveys: list[SentSurvey]) -> ScoreSummary:
    return ScoreSummary(
        metric=metric,
        sent=len(surveys),
        scores=tuple(survey.score for survey in surveys if survey.score is not None),
    )


def _by_label(
    metric: Metric, per_label: dict[str, list[SentSurvey]], missing: str
) -> tuple[Group, ...]:
    """A group per label, alphabetical, with the surveys missing one last."""
    return tuple(
        Group(label, _summary(metric, per_label[label])) for label in _ordered(per_label, missing)
    )


def _ordered(per_label: dict[str, list[SentSurvey]], missing: str) -> list[str]:
    return sorted(per_label, key=lambda label: (label == missing, label.casefold()))


def _reason_counts(metric: Metric, label: str, surveys: list[SentSurvey]) -> ReasonCounts:
    negative = [
        survey
        for survey in surveys
        if survey.score is not None and metric.sentiment(survey.score) is Sentiment.NEGATIVE
    ]
    counted = Counter(reason for survey in negative for reason in survey.reasons)
    return ReasonCounts(label, len(negative), dict(counted))


def _reason_columns(
    offered: tuple[tuple[str, str], ...], surveys: list[SentSurvey]
) -> tuple[tuple[str, str], ...]:
    """The offered reasons, then reasons a trigger no longer offers but ratings carry."""
    known = {reason_id for reason_id, _ in offered}
    found = sorted({reason for survey in surveys for reason in survey.reasons} - known)
    return (*offered, *((reason_id, reason_id) for reason_id in found))


def build_report(
    metric: Metric,
    since: datetime,
    until: datetime,
    surveys: Iterable[SentSurvey],
    offered_reasons: tuple[tuple[str, str], ...] = (),
    program: str | None = None,
) -> SurveyReport:
    included = [
        survey
        for survey in surveys
        if since <= survey.sent_at <= until and program in (None, survey.program)
    ]
    per_agent: dict[str, list[SentSurvey]] = defaultdict(list)
    per_team: dict[str, list[SentSurvey]] = defaultdict(list)
    per_program: dict[str, list[SentSurvey]] = defaultdict(list)
    per_week: dict[date, list[SentSurvey]] = defaultdict(list)
    for survey in included:
        per_agent[survey.agent].append(survey)
        per_team[survey.team].append(survey)
        per_program[survey.program].append(survey)
        per_week[week_of(survey.sent_at)].append(survey)
    weeks = []
    week = week_of(since)
    while week <= week_of(until):
        weeks.append(week)
        week += timedelta(days=7)
    return SurveyReport(
        metric=metric,
        since=since,
        until=until,
        overall=_summary(metric, included),
        by_agent=_by_label(metric, per_agent, UNASSIGNED),
        by_team=_by_label(metric, per_team, NO_TEAM),
        by_program=_by_label(metric, per_program, ""),
        by_week=tuple(Group(week.isoformat(), _summary(metric, per_week[week])) for week in weeks),
        reasons=_reason_columns(offered_reasons, included),
        reasons_overall=_reason_counts(metric, "all", included),
        reasons_by_agent=tuple(
            _reason_counts(metric, label, per_agent[label])
            for label in _ordered(per_agent, UNASSIGNED)
        ),
        reasons_by_team=tuple(
            _reason_counts(metric, label, per_team[label]) for label in _ordered(per_team, NO_TEAM)
        ),
        reasons_by_program=tuple(
            _reason_counts(metric, label, per_program[label]) for label in _ordered(per_program, "")
        ),
        reminders=Reminders(
            sent=sum(survey.reminded_at is not None for survey in included),
            answered_after=sum(survey.answered_after_reminder for survey in included),
        ),
        program=program,
    )


# DynamoDB's BatchGetItem limit: the ratings are read, and progress told, this many at a time.
RATINGS_PER_READ = 100


class ReportStage(StrEnum):
    # Every survey of the table, whatever its metric or period: `sent_surveys` scans.
    SURVEYS = "surveys"
    # The latest rating of each survey of the period, by key.
    RATINGS = "ratings"


def surveys_to_read() -> int:
    """About how many surveys a report reads (all of them: see `sent_surveys`)."""
    return surveys_in_table()


def _ignore(stage: ReportStage, done: int, total: int | None) -> None:
    pass


def _latest_ratings(
    survey_ids: list[str], progress: Callable[[ReportStage, int, int | None], None]
) -> dict[str, RatingItem]:
    ratings: dict[str, RatingItem] = {}
    for start in range(0, len(survey_ids), RATINGS_PER_READ):
        ratings.update(latest_ratings(survey_ids[start : start + RATINGS_PER_READ]))
        progress(
            ReportStage.RATINGS, min(start + RATINGS_PER_READ, len(survey_ids)), len(survey_ids)
        )
    return ratings


def survey_report(
    metric_key: str,
    since: datetime,
    until: datetime,
    progress: Callable[[ReportStage, int, int | None], None] = _ignore,
    program: str | None = None,
) -> SurveyReport:
    """Read the surveys sent in the period and their ratings, and add them up: those of one
    program, or of every program of the metric. `progress` gets each stage's count so far, and
    its total when known (the surveys' is not: see `surveys_to_read`)."""
    metric = metric_by_key(metric_key)
    sent = [
        item
        for item in sent_surveys(
            metric.key,
            since,
            until,
            scanned=lambda scanned: progress(ReportStage.SURVEYS, scanned, None),
        )
        if program in (None, item.program_name)
    ]
    ratings = _latest_ratings([item.survey_id for item in sent], progress)
    # Surveys keep the agent's and team's names from when they were sent; older ones may only
    # have the ids.
    imported_agents = {agent.user_id: agent.name for agent in all_agents()}
    imported_teams = {team.team_id: team.name for team in all_teams()}
    offered = (
        tuple((reason.id, reason.label) for reason in trigger_settings(program).reason_options)
        if program
        else tuple(reason_labels(metric.key).items())
    )
    return build_report(
        metric,
        since,
        until,
        (
            SentSurvey(
                survey_id=item.survey_id,
                sent_at=item.sent_at,
                agent=item.agent_name
                or imported_agents.get(item.assigned_user_id or "")
                or item.assigned_user_id
                or UNASSIGNED,
                team=item.team_name
                or imported_teams.get(item.assigned_team_id or "")
                or item.assigned_team_id
                or NO_TEAM,
                score=int(rating.score) if rating else None,
                reasons=tuple(rating.reasons or ()) if rating else (),
                program=item.program_name,
                reminded_at=item.reminder_sent_at,
                rated_at=rating.rated_at if rating else None,
            )
            for item in sent
            if item.sent_at is not None
            for rating in [ratings.get(item.survey_id)]
        ),
        offered,
        program,
    )
