"""In-memory records behind the simulated API, and the object ids Kustomer would give them."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import datetime

CONVERSATION_STATUSES = ("open", "snoozed", "done")

# A custom attribute's system name is camelCase or PascalCase ending in its data type
# (developer.kustomer.com, "Describe Conversation"; e.g. avgSatScoreNum).
CUSTOM_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(Str|Txt|Num|Bool|At)$")


@dataclass
class CustomerRecord:
    id: str
    name: str
    emails: list[str]
    locale: str
    created_at: datetime
    updated_at: datetime


@dataclass
class UserRecord:
    id: str
    name: str
    email: str
    created_at: datetime
    user_type: str = "user"


@dataclass
class ConversationRecord:
    id: str
    customer_id: str
    subject: str
    status: str
    channels: list[str]
    created_at: datetime
    updated_at: datetime
    modified_at: datetime
    last_activity_at: datetime
    done_at: datetime | None
    message_count: int
    assigned_user_ids: list[str]
    tags: list[str]
    brand_id: str | None
    queue_id: str | None
    note_count: int = 0
    rev: int = 1
    custom: dict[str, object] = field(default_factory=dict)


@dataclass
class NoteRecord:
    id: str
    conversation_id: str
    customer_id: str
    body: str
    created_at: datetime
    created_by_user_id: str


class Store:
    """All simulated Kustomer data of one org. Callers hold `lock` around multi-step changes."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.customers: dict[str, CustomerRecord] = {}
        self.users: dict[str, UserRecord] = {}
        self.conversations: dict[str, ConversationRecord] = {}
        self.notes: dict[str, NoteRecord] = {}
        self.custom_attributes: set[str] = set()
        self._sequence = 0

    def new_id(self, created_at: datetime) -> str:
        """A 24-hex-digit id like Kustomer's (Mongo ObjectIds): creation time first, so ids
        sort in creation order, then a counter that keeps runs reproducible."""
        with self.lock:
            self._sequence += 1
            return f"{int(created_at.timestamp()):08x}{self._sequence:016x}"
