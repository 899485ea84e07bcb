"""What the system needs to know of a Kustomer conversation, and when one is due a survey."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Conversation:
    id: str
    status: str
    channels: frozenset[str]
    updated_at: datetime
    customer_id: str | None
    assigned_user_ids: tuple[str, ...] = ()
    subject: str = ""


@dataclass(frozen=True)
class TriggerRules:
    """When a conversation is due a survey; the defaults are the product's (email, done, 48 h)."""

    quiet_period: timedelta = timedelta(hours=48)
    channels: frozenset[str] = field(default_factory=lambda: frozenset({"email"}))
    statuses: frozenset[str] = field(default_factory=lambda: frozenset({"done"}))


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str


def survey_eligibility(
    conversation: Conversation, now: datetime, rules: TriggerRules
) -> Eligibility:
    if conversation.status not in rules.statuses:
        return Eligibility(False, f"status {conversation.status}")
    if not conversation.channels & rules.channels:
        channels = ",".join(sorted(conversation.channels)) or "none"
        return Eligibility(False, f"channel {channels}")
    if conversation.updated_at > now - rules.quiet_period:
        return Eligibility(False, "updated within the quiet period")
    if not conversation.customer_id:
        return Eligibility(False, "no customer")
    return Eligibility(True, "eligible")


def survey_id_for(conversation_id: str, metric_key: str) -> str:
    """One survey per conversation and metric: the id itself is the duplicate guard."""
    return f"{metric_key}-{conversation_id}"
