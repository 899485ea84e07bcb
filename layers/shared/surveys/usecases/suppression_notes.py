"""Tell the agents: an unsubscribe, a permanent bounce or a complaint becomes a note on the
conversation whose survey email it answered.

The hourly reconcile sweep posts them, from the sparse index of suppressions whose note is still
pending: an hour is soon enough for a note, and so nothing is lost while Kustomer is away. As
with rating notes, the suppression records the attempt before the POST, and a retry after a
lost answer looks for the note's reference line instead of posting a second one.
"""

from __future__ import annotations

from surveys.adapters.kustomer.errors import KustomerNotFoundError
from surveys.adapters.store.suppressions import (
    SuppressionItem,
    SuppressionReason,
    begin_suppression_note,
    find_suppression,
    settle_suppression_note,
)
from surveys.observability import logger
from surveys.usecases.write_back import KustomerWriter, escaped_for_note

_HEADLINES = {
    SuppressionReason.UNSUBSCRIBED: "The customer unsubscribed from survey emails.",
    SuppressionReason.BOUNCED: "The survey email bounced permanently.",
    SuppressionReason.COMPLAINED: "The customer reported the survey email as spam.",
}


def suppression_note_reference(item: SuppressionItem) -> str:
    return f"Survey suppression reference: {item.survey_id} {item.reason}"


def compose_suppression_note(item: SuppressionItem) -> str:
    lines = [
        _HEADLINES[SuppressionReason(item.reason)],
        f"No survey will be sent to {escaped_for_note(item.address)} again.",
    ]
    if item.detail:
        lines.append(f"SES reported: {escaped_for_note(item.detail)}")
    lines.append(suppression_note_reference(item))
    return "\n".join(lines)


def _already_posted(kustomer: KustomerWriter, item: SuppressionItem) -> bool:
    reference = suppression_note_reference(item)
    return any(
        line.strip() == reference
        for note in kustomer.conversation_notes(str(item.conversation_id))
        for line in note.body.splitlines()
    )


def post_suppression_note(address: str, kustomer: KustomerWriter) -> bool:
    """Post the suppression's note once; False when there was nothing (more) to post."""
    item = find_suppression(address)
    if item is None or not item.note_pending or not item.conversation_id:
        return False
    try:
        if not (item.note_attempted and _already_posted(kustomer, item)):
            begin_suppression_note(item)
            kustomer.create_note(item.conversation_id, compose_suppression_note(item))
    except KustomerNotFoundError as error:
        # The conversation was deleted: nobody is left to read the note.
        logger.warning(
            "Conversation is gone; suppression not noted",
            extra={"survey_id": item.survey_id, "reason": error.detail},
        )
        settle_suppression_note(item)
        return False
    settle_suppression_note(item)
    return True
