"""The erasure audit, in the state table: one item per `surveys forget` run, saying when, who
ran it (their AWS identity) and how much it erased, never whose data it was."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from surveys.adapters.store.tables import TableName, region

_PREFIX = "erasure#"


class ErasureItem(Model):
    class Meta:
        table_name = TableName("state_table")
        region = region()

    key = UnicodeAttribute(hash_key=True)
    erased_at = UTCDateTimeAttribute()
    erased_by = UnicodeAttribute()
    # What named the person: "email" or "conversation" (never the value).
    named_by = UnicodeAttribute()
    # What was erased, per kind of data, as JSON: {"surveys": 2, "ratings": 1, ...}.
    counts = UnicodeAttribute()

    @property
    def erased(self) -> dict[str, int]:
        return {str(kind): int(count) for kind, count in json.loads(self.counts).items()}


def record_erasure(
    erased_at: datetime, erased_by: str, named_by: str, counts: dict[str, int]
) -> ErasureItem:
    moment = erased_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    item = ErasureItem(
        f"{_PREFIX}{moment}#{secrets.token_hex(4)}",
        erased_at=erased_at,
        erased_by=erased_by,
        named_by=named_by,
        counts=json.dumps(counts),
    )
    item.save()
    return item


def erasures() -> list[ErasureItem]:
    """Every erasure recorded, oldest first. A filtered scan of the state table, which holds a
    few hundred items: doctor reads it."""
    found = ErasureItem.scan(ErasureItem.key.startswith(_PREFIX), consistent_read=True)
    return sorted(found, key=lambda item: item.key)
