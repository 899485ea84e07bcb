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
    assigned_team_ids: tuple[str, ...] = ()
    subject: str = ""
    brand_id: str | None = None
    queue_id: str | None = None
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TriggerRules:
    """When a conversation is due a survey; the defaults are the product's (email, done, 48 h)."""

    quiet_period: timedelta = timedelta(hours=48)
    channels: frozenset[str] = field(default_factory=lambda: frozenset({"email"}))
    statuses: frozenset[str] = field(default_factory=lambda: frozenset({"done"}))
    # Empty include sets admit everything; exclude sets always win.
    include_brands: frozenset[str] = frozenset()
    exclude_brands: frozenset[str] = frozenset()
    include_queues: frozenset[str] = frozenset()
    exclude_queues: frozenset[str] = frozenset()
    include_tags: frozenset[str] = frozenset()
    exclude_tags: frozenset[str] = frozenset()


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
    return _routing_eligibility(conversation, rules)


def _routing_eligibility(conversation: Conversation, rules: TriggerRules) -> Eligibility:
    for kind, value in (("brand", conversation.brand_id), ("queue", conversation.queue_id)):
        included: frozenset[str] = getattr(rules, f"include_{kind}s")
        excluded: frozenset[str] = getattr(rules, f"exclude_{kind}s")
        if value in excluded:
            return Eligibility(False, f"{kind} {value} excluded")
        if included and value not in included:
            return Eligibility(False, f"{kind} {value or 'none'} not included")
    excluded_tags = conversation.tags & rules.exclude_tags
    if excluded_tags:
        return Eligibility(False, f"tag {', '.join(sorted(excluded_tags))} excluded")
    if rules.include_tags and not conversation.tags & rules.include_tags:
        return Eligibility(False, "no included tag")
    return Eligibility(True, "eligible")


def survey_id_for(conversation_id: str, metric_key: str) -> str:
    """One survey per conversation and metric: the id itself is the duplicate guard."""
    return f"{metric_key}-{conversation_id}"


def metric_key_of(survey_id: str) -> str:
    """The metric a survey id names (see survey_id_for)."""
    return survey_id.partition("-")[0]
