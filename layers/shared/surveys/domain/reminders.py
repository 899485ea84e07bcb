"""When a survey gets its one reminder: a rule without I/O, applied when the sweep finds it due
and again when the sender is about to send it."""

from __future__ import annotations

from datetime import datetime, timedelta

# A link that would expire within this is not worth a reminder: the answer might come too late.
LINK_MARGIN = timedelta(days=1)
# A reminder found this long after it was due (a trigger inactive meanwhile, a long outage) is
# dropped: a reminder of a survey weeks old confuses more than it helps.
STALE_AFTER = timedelta(days=3)


def reminder_refusal(
    *,
    answered: bool,
    links_expire_at: datetime | None,
    now: datetime,
    due_at: datetime | None = None,
) -> str | None:
    """Why this survey gets no reminder; None when it may."""
    if answered:
        return "answered"
    if links_expire_at is None or links_expire_at - now < LINK_MARGIN:
        return "the link expires within a day"
    if due_at is not None and now - due_at > STALE_AFTER:
        return "found more than 3 days after it was due"
    return None
