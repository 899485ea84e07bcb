"""The message the scanner puts on the survey queue for the sender: a survey to send, or the
reminder of one sent."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

RequestKind = Literal["survey", "reminder"]
REQUEST_KINDS: tuple[RequestKind, ...] = get_args(RequestKind)


class SurveyRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    survey_id: str = Field(min_length=1)
    conversation_id: str = Field(min_length=1)
    customer_id: str = Field(min_length=1)
    metric: str = Field(min_length=1)
    # The program that surveys the conversation; None on requests an earlier version queued,
    # whose program is the metric's own.
    program: str | None = None
    assigned_user_id: str | None = None
    # The conversation's first assigned team, for reports by team.
    assigned_team_id: str | None = None
    # How often the sender put this survey back to wait for the send window; part of the
    # idempotency key, so each wait is its own delivery.
    deferrals: int = Field(default=0, ge=0)
    # Part of the idempotency key too: a reminder is another delivery than its survey's.
    kind: RequestKind = "survey"

    @property
    def program_name(self) -> str:
        return self.program or self.metric
