"""Survey requests: which conversations a program's scan found get a survey from it, queued
once each."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from surveys.adapters.store.surveys import existing_survey_ids, record_queued_survey
from surveys.domain.conversations import Conversation, survey_eligibility, survey_id_for
from surveys.domain.programs import winning_program
from surveys.domain.survey_request import SurveyRequest
from surveys.domain.triggers import TriggerSettings
from surveys.observability import logger


class SurveyQueue(Protocol):
    def send(self, requests: list[SurveyRequest]) -> None: ...


@dataclass
class Queued:
    queued: int = 0
    already_surveyed: int = 0
    # Why conversations found were not due a survey, counted.
    not_eligible: Counter[str] = field(default_factory=Counter)


def queue_surveys_for(
    conversations: list[Conversation],
    program: TriggerSettings,
    programs: Sequence[TriggerSettings],
    queue: SurveyQueue,
    now: datetime,
) -> Queued:
    """Queue a survey from `program` for every conversation due one that has none yet, and
    record it. `programs` are the metric's active programs, in the admin's order: a
    conversation that a more specific one (or an earlier one as specific) covers is left to
    it."""
    outcome = Queued()
    requests = []
    for conversation in conversations:
        decision = survey_eligibility(conversation, now, program.rules)
        if not decision.eligible or conversation.customer_id is None:
            outcome.not_eligible[decision.reason] += 1
            continue
        winner = winning_program(conversation, programs)
        if winner is not None and winner.name != program.name:
            outcome.not_eligible[f"program {winner.name} surveys it"] += 1
            continue
        requests.append(
            SurveyRequest(
                survey_id=survey_id_for(conversation.id, program.metric),
                conversation_id=conversation.id,
                customer_id=conversation.customer_id,
                metric=program.metric,
                program=program.name,
                assigned_user_id=next(iter(conversation.assigned_user_ids), None),
                assigned_team_id=next(iter(conversation.assigned_team_ids), None),
            )
        )
    # A conversation read twice in one page (or run) is one survey.
    unique = list({request.survey_id: request for request in requests}.values())
    existing = existing_survey_ids([request.survey_id for request in unique])
    fresh = [request for request in unique if request.survey_id not in existing]
    outcome.already_surveyed = len(requests) - len(fresh)
    # Queue first, record second: a crash in between leaves no record, so the next scan queues
    # the survey again and the sender's idempotency drops the extra message. Nothing is lost.
    queue.send(fresh)
    for request in fresh:
        record_queued_survey(request, now)
        logger.info(
            "Survey queued",
            extra={"survey_id": request.survey_id, "conversation_id": request.conversation_id},
        )
    outcome.queued = len(fresh)
    return outcome
