"""What every event on the bus says about its survey (surveys/domain/events.py), and the port the
use cases put events through."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from surveys.adapters.kustomer.endpoints import conversation_web_url
from surveys.adapters.store.surveys import SurveyItem
from surveys.config import settings
from surveys.domain.events import SurveyEvent, SurveyFacts


class EventPublisher(Protocol):
    def publish(self, events: Sequence[SurveyEvent]) -> None: ...


def survey_facts(survey: SurveyItem) -> SurveyFacts:
    org_url = settings().kustomer_org_url
    return SurveyFacts(
        survey_id=survey.survey_id,
        conversation_id=survey.conversation_id,
        metric=survey.metric,
        conversation_url=(
            conversation_web_url(org_url, survey.customer_id, survey.conversation_id)
            if org_url
            else None
        ),
        agent=survey.agent_name,
        team=survey.team_name,
    )
