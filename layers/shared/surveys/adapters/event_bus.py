"""The stack's EventBridge bus: PutEvents, ten entries a call, failed entries tried once more."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from surveys.domain.events import SOURCE, SurveyEvent

PUT_EVENTS_LIMIT = 10


class EventBusError(RuntimeError):
    """EventBridge refused events; the caller's retry puts them again."""


class EventBridgeBus:
    def __init__(self, events_client: Any, bus_name: str) -> None:
        self._events = events_client
        self._bus_name = bus_name

    def publish(self, events: Sequence[SurveyEvent]) -> None:
        entries = [
            {
                "Source": SOURCE,
                "DetailType": event.detail_type.value,
                "Detail": json.dumps(event.detail, separators=(",", ":")),
                "EventBusName": self._bus_name,
            }
            for event in events
        ]
        for start in range(0, len(entries), PUT_EVENTS_LIMIT):
            self._put(entries[start : start + PUT_EVENTS_LIMIT])

    def _put(self, entries: list[dict[str, str]]) -> None:
        pending = entries
        for _ in range(2):
            response = self._events.put_events(Entries=pending)
            if not response.get("FailedEntryCount"):
                return
            pending = [
                entry
                for entry, result in zip(pending, response["Entries"], strict=True)
                if result.get("ErrorCode")
            ]
        codes = sorted({str(result.get("ErrorCode")) for result in response["Entries"]} - {"None"})
        raise EventBusError(f"EventBridge refused {len(pending)} events: {', '.join(codes)}")
