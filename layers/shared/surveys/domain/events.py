"""What the stack tells the world: one event per fact on its EventBridge bus, so a team routes
negative answers to chat, email or a workflow without touching this code. docs/events.md
documents every event, and docs/survey-events.schema.json is the JSON schema of their detail.

An event names the survey and the conversation, never the recipient's address or the comment's
text. EventBridge, like every retry here, delivers at least once: `detail.eventId` is the same
for every delivery of one fact, for consumers that must act once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from surveys.domain.metrics import Metric

SOURCE = "kustomer-surveys"
SCHEMA_VERSION = 1


class DetailType(StrEnum):
    ANSWERED = "Survey Answered"
    ANSWER_CHANGED = "Survey Answer Changed"
    REMINDER_SENT = "Survey Reminder Sent"
    UNSUBSCRIBED = "Survey Unsubscribed"
    BOUNCED = "Survey Email Bounced"
    COMPLAINED = "Survey Email Complained"


@dataclass(frozen=True)
class SurveyEvent:
    detail_type: DetailType
    detail: dict[str, Any]


@dataclass(frozen=True)
class SurveyFacts:
    """What every event says about its survey."""

    survey_id: str
    conversation_id: str
    metric: str
    conversation_url: str | None = None
    agent: str | None = None
    team: str | None = None


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _detail(facts: SurveyFacts, event_id: str, occurred_at: datetime) -> dict[str, Any]:
    return {
        "schemaVersion": SCHEMA_VERSION,
        "eventId": event_id,
        "occurredAt": _moment(occurred_at),
        "survey": facts.survey_id,
        "conversation": facts.conversation_id,
        "conversationUrl": facts.conversation_url,
        "metric": facts.metric,
        "agent": facts.agent,
        "team": facts.team,
    }


def answer_event(
    facts: SurveyFacts,
    metric: Metric,
    *,
    version: int,
    score: int,
    previous_score: int | None,
    reasons: tuple[str, ...],
    comment_length: int,
    answered_at: datetime,
) -> SurveyEvent:
    """A rating version: the first answer, or a changed one."""
    detail = _detail(facts, f"{facts.survey_id}#answer#v{version}", answered_at)
    detail.update(
        version=version,
        score=score,
        previousScore=previous_score,
        scale={"lowest": metric.lowest, "highest": metric.highest},
        sentiment=metric.sentiment(score).value,
        reasons=list(reasons),
        commentLength=comment_length,
    )
    kind = DetailType.ANSWERED if version == 1 else DetailType.ANSWER_CHANGED
    return SurveyEvent(kind, detail)


def reminder_event(facts: SurveyFacts, sent_at: datetime) -> SurveyEvent:
    return SurveyEvent(
        DetailType.REMINDER_SENT, _detail(facts, f"{facts.survey_id}#reminder", sent_at)
    )


SUPPRESSION_DETAIL_TYPES = {
    "unsubscribed": DetailType.UNSUBSCRIBED,
    "bounced": DetailType.BOUNCED,
    "complained": DetailType.COMPLAINED,
}


def suppression_event(facts: SurveyFacts, reason: str, occurred_at: datetime) -> SurveyEvent:
    """An unsubscribe, permanent bounce or complaint: the address is never surveyed again."""
    return SurveyEvent(
        SUPPRESSION_DETAIL_TYPES[reason],
        _detail(facts, f"{facts.survey_id}#{reason}", occurred_at),
    )
