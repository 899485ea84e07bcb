"""Kustomer search queries, in the syntax of developer.kustomer.com/docs/concepts/search: `and`
/ `or` lists of `{attribute: {operator: value}}`, with the operators the reference documents
(`equals`, `gte`, `lte`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from surveys.domain.conversations import TriggerRules
from surveys.domain.scan_window import ScanWindow


def _kustomer_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _any_of(attribute: str, values: frozenset[str]) -> dict[str, Any]:
    criteria = [{attribute: {"equals": value}} for value in sorted(values)]
    return criteria[0] if len(criteria) == 1 else {"or": criteria}


def due_conversations_query(window: ScanWindow, rules: TriggerRules) -> dict[str, Any]:
    """Kustomer search criteria (developer.kustomer.com/docs/concepts/search): a status and a
    channel that match, updatedAt within the window; oldest first, where Kustomer sorts."""
    return {
        "and": [
            _any_of("conversation_status", rules.statuses),
            _any_of("conversation_channels", rules.channels),
            {"conversation_updated_at": {"gte": _kustomer_time(window.since)}},
            {"conversation_updated_at": {"lte": _kustomer_time(window.until)}},
        ],
        "sort": [{"conversation_updated_at": "asc"}],
    }
