"""Alerts: every negative answer mailed to the team, with its reasons, its comment and a link to
the conversation in Kustomer, so someone follows up while the customer still remembers.

Built on the event bus: a rule on it sends the negative answers (surveys/domain/events.py) here.
The event carries no comment text; it is read from the rating, as the recipient gave it in the
version the event names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from surveys.adapters.store.ratings import find_rating
from surveys.domain.metrics import metric_by_key
from surveys.observability import logger
from surveys.usecases.triggers import reason_labels


class Notifier(Protocol):
    def notify(self, subject: str, message: str) -> str: ...


@dataclass(frozen=True)
class AlertOutcome:
    survey_id: str
    sent: bool
    reason: str | None = None


def _comment_of_version(survey_id: str, version: int) -> str | None:
    rating = find_rating(survey_id)
    if rating is None:
        return None
    for entry in rating.history or []:
        if int(entry.version) == version:
            return entry.comment
    return rating.comment if int(rating.version or 0) == version else None


def compose_alert(detail: dict[str, Any], comment: str | None) -> tuple[str, str]:
    """The alert's subject and plain-text body, in English like the notes in Kustomer."""
    metric = metric_by_key(str(detail["metric"]))
    score = int(detail["score"])
    labels = reason_labels(metric.key)
    reasons = [labels.get(reason, reason) for reason in detail.get("reasons") or []]
    changed = detail.get("previousScore") is not None
    subject = (
        f"Negative {metric.key.upper()} answer{' (changed)' if changed else ''}: "
        f"{score} of {metric.highest}, conversation {detail['conversation']}"
    )
    lines = [
        f"A customer answered the {metric.name} survey with {score} out of {metric.highest} "
        f"({metric.label(score)}).",
    ]
    if changed:
        lines.append(f"They changed their answer from {detail['previousScore']}.")
    lines += [
        "",
        f"What went wrong: {'; '.join(reasons) if reasons else 'no reason ticked'}",
        "Comment:",
        *([f"> {line}" for line in comment.splitlines()] if comment else ["(none)"]),
        "",
        f"Agent: {detail.get('agent') or 'not known'}",
        f"Team: {detail.get('team') or 'not known'}",
        f"Conversation in Kustomer: {detail.get('conversationUrl') or detail['conversation']}",
        f"Survey: {detail['survey']} (answer version {detail['version']})",
    ]
    return subject, "\n".join(lines)


def alert_negative_answer(detail: dict[str, Any], *, notifier: Notifier) -> AlertOutcome:
    survey_id = str(detail["survey"])
    if detail.get("sentiment") != "negative":
        return AlertOutcome(survey_id, sent=False, reason="not a negative answer")
    comment = _comment_of_version(survey_id, int(detail["version"]))
    subject, message = compose_alert(detail, comment)
    message_id = notifier.notify(subject, message)
    logger.info("Negative answer alert sent", extra={"survey_id": survey_id, "sns": message_id})
    return AlertOutcome(survey_id, sent=True)
