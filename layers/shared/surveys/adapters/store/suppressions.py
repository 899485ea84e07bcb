"""Suppressions: addresses no survey is ever sent to again, because the recipient unsubscribed
or SES reported a permanent bounce or a complaint. Kept in a table of their own because,
unlike scan state, they cannot be rebuilt. A forgotten person's suppression is kept under a
keyed hash of the address instead (surveys/domain/address_hash.py), with the reason and date
only."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from enum import StrEnum

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from surveys.adapters.store.tables import TableName, get_or_none, is_condition_failure, region
from surveys.domain.address_hash import normalized_address

# template.yaml declares the same index on SuppressionsTable, and grants the reconcile function it.
SUPPRESSION_NOTE_PENDING_INDEX = "kustomer-note-pending"
_NOTE_PENDING = "pending"


class PendingSuppressionNoteIndex(GlobalSecondaryIndex["SuppressionItem"]):
    """Suppressions whose note on the conversation is not yet in Kustomer; sparse like the
    writeback index."""

    class Meta:
        index_name = SUPPRESSION_NOTE_PENDING_INDEX
        projection = KeysOnlyProjection()

    note_pending = UnicodeAttribute(hash_key=True)
    suppressed_at = UTCDateTimeAttribute(range_key=True)


class SuppressionReason(StrEnum):
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class SuppressionItem(Model):
    class Meta:
        table_name = TableName("suppressions_table")
        region = region()

    # Lower-cased: mailbox providers treat addresses case-insensitively in practice. Or the
    # keyed hash of the address, once its owner was forgotten.
    address = UnicodeAttribute(hash_key=True)
    reason = UnicodeAttribute()
    suppressed_at = UTCDateTimeAttribute()
    survey_id = UnicodeAttribute(null=True)
    conversation_id = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)
    note_pending = UnicodeAttribute(null=True)
    # Set before the note is posted: a retry after a lost answer looks for the note first.
    note_attempted = UnicodeAttribute(null=True)
    pending_notes = PendingSuppressionNoteIndex()


def _key(address: str) -> str:
    return normalized_address(address)


def find_suppression(address: str) -> SuppressionItem | None:
    return get_or_none(SuppressionItem, _key(address))


def suppression_of(address: str, hashed: str) -> SuppressionItem | None:
    """The address's suppression, kept under the address or, once its owner was forgotten,
    under its keyed hash `hashed`."""
    return find_suppression(address) or get_or_none(SuppressionItem, hashed)


def suppressions_of(addresses: Collection[str], hashes: Collection[str]) -> list[SuppressionItem]:
    """The suppressions kept under these addresses or these hashes: for forget and export."""
    keys = {_key(address) for address in addresses} | set(hashes)
    if not keys:
        return []
    return sorted(SuppressionItem.batch_get(keys), key=lambda item: item.address)


def keep_only_hash(item: SuppressionItem, hashed: str) -> None:
    """Suppress `hashed` for the reason and since the moment `item` says, then delete `item`,
    with the address, the conversation and the SES diagnostic it held. A hash already
    suppressed keeps its first reason, as an address does."""
    if item.address != hashed:
        suppressed = SuppressionItem(hashed, reason=item.reason, suppressed_at=item.suppressed_at)
        try:
            suppressed.save(condition=SuppressionItem.address.does_not_exist())
        except PutError as error:
            if not is_condition_failure(error):
                raise
        item.delete()


def suppress_address(
    address: str,
    reason: SuppressionReason,
    now: datetime,
    *,
    survey_id: str | None = None,
    conversation_id: str | None = None,
    detail: str | None = None,
) -> bool:
    """Never survey this address again; False when it already was suppressed (the first
    reason stays). A note on the conversation is due when the conversation is known."""
    item = SuppressionItem(
        _key(address),
        reason=reason.value,
        suppressed_at=now,
        survey_id=survey_id,
        conversation_id=conversation_id,
        detail=detail,
        note_pending=_NOTE_PENDING if conversation_id else None,
    )
    try:
        item.save(condition=SuppressionItem.address.does_not_exist())
    except PutError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def pending_suppression_note_addresses() -> Iterator[str]:
    for item in SuppressionItem.pending_notes.query(_NOTE_PENDING):
        yield item.address


def count_pending_suppression_notes() -> int:
    return SuppressionItem.pending_notes.count(_NOTE_PENDING)


def begin_suppression_note(item: SuppressionItem) -> None:
    """Record, before the POST, that the note is being posted."""
    item.update(actions=[SuppressionItem.note_attempted.set("yes")])


def settle_suppression_note(item: SuppressionItem) -> None:
    """The note is in Kustomer, or has nowhere to go: take it off the pending index."""
    item.update(actions=[SuppressionItem.note_pending.remove()])
