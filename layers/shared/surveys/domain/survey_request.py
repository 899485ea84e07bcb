"""The message the scanner puts on the survey queue for the sender: a survey to send, or the
reminder of one sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from surveys.domain.validated import Validated, validation

RequestKind = Literal["survey", "reminder"]
REQUEST_KINDS: tuple[RequestKind, ...] = get_args(RequestKind)


@dataclass(frozen=True, kw_only=True)
class SurveyRequest(Validated):
    whole_name = "request"
    # A field a later version adds is left out, not refused: after a rollback its messages may
    # still be on the queue.
    ignores_unknown_keys = True

    survey_id: str = field(metadata=validation(min_length=1))
    conversation_id: str = field(metadata=validation(min_length=1))
    customer_id: str = field(metadata=validation(min_length=1))
    metric: str = field(metadata=validation(min_length=1))
    # The program that surveys the conversation; None on requests an earlier version queued,
    # whose program is the metric's own.
    program: str | None = None
    assigned_user_id: str | None = None
    # The conversation's first assigned team, for reports by team.
    assigned_team_id: str | None = None
    # How often the sender put this survey back to wait for the send window; part of the
    # idempotency key, so each wait is its own delivery.
    deferrals: int = field(default=0, metadata=validation(ge=0))
    # Part of the idempotency key too: a reminder is another delivery than its survey's.
    kind: RequestKind = "survey"

    @property
    def program_name(self) -> str:
        return self.program or self.metric
