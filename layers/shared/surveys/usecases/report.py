"""Report: how the ratings of the surveys sent in a period add up, overall, per agent, per team
and per week.

A survey counts in the period it was sent, and with its latest rating: the response rate of a
week is then the share of that week's surveys that were answered, whenever the answer came.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from surveys.adapters.store.ratings import latest_scores
from surveys.adapters.store.state import all_agents, all_teams
from surveys.adapters.store.surveys import sent_surveys, surveys_in_table
from surveys.domain.metrics import Metric, metric_by_key
from surveys.domain.scoring import ScoreSummary

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
    # Every week of the period, oldest first, also those without a survey: a trend shows gaps.
    by_week: tuple[Group, ...]


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
    labels = sorted(per_label, key=lambda label: (label == missing, label.casefold()))
    return tuple(Group(label, _summary(metric, per_label[label])) for label in labels)


def build_report(
    metric: Metric, since: datetime, until: datetime, surveys: Iterable[SentSurvey]
) -> SurveyReport:
    included = [survey for survey in surveys if since <= survey.sent_at <= until]
    per_agent: dict[str, list[SentSurvey]] = defaultdict(list)
    per_team: dict[str, list[SentSurvey]] = defaultdict(list)
    per_week: dict[date, list[SentSurvey]] = defaultdict(list)
    for survey in included:
        per_agent[survey.agent].append(survey)
        per_team[survey.team].append(survey)
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
        by_week=tuple(Group(week.isoformat(), _summary(metric, per_week[week])) for week in weeks),
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


def _latest_scores(
    survey_ids: list[str], progress: Callable[[ReportStage, int, int | None], None]
) -> dict[str, int]:
    scores: dict[str, int] = {}
    for start in range(0, len(survey_ids), RATINGS_PER_READ):
        scores.update(latest_scores(survey_ids[start : start + RATINGS_PER_READ]))
        progress(
            ReportStage.RATINGS, min(start + RATINGS_PER_READ, len(survey_ids)), len(survey_ids)
        )
    return scores


def survey_report(
    metric_key: str,
    since: datetime,
    until: datetime,
    progress: Callable[[ReportStage, int, int | None], None] = _ignore,
) -> SurveyReport:
    """Read the surveys sent in the period and their ratings, and add them up. `progress` gets
    each stage's count so far, and its total when known (the surveys' is not: see
    `surveys_to_read`)."""
    metric = metric_by_key(metric_key)
    sent = list(
        sent_surveys(
            metric.key,
            since,
            until,
            scanned=lambda scanned: progress(ReportStage.SURVEYS, scanned, None),
        )
    )
    scores = _latest_scores([item.survey_id for item in sent], progress)
    # Surveys keep the agent's and team's names from when they were sent; older ones may only
    # have the ids.
    imported_agents = {agent.user_id: agent.name for agent in all_agents()}
    imported_teams = {team.team_id: team.name for team in all_teams()}
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
                score=scores.get(item.survey_id),
            )
            for item in sent
            if item.sent_at is not None
        ),
    )
