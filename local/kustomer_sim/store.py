"""In-memory records behind the simulated API, and the object ids Kustomer would give them."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import datetime

CONVERSATION_STATUSES = ("open", "snoozed", "done")

# A custom attribute's system name is camelCase or PascalCase ending in its data type
# (developer.kustomer.com, "Describe Conversation"; e.g. avgSatScoreNum), with one of the
# suffixes Kustomer's API reference lists for custom attributes (update conversation).
CUSTOM_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(Str|Txt|Num|At|Bool|Url|Id)$")
# Kustomer sets an attribute's type from its name suffix ("the type is determined automatically",
# developer.kustomer.com/kustomer-api-docs/reference/updatecustomattributemetadata); the type
# names themselves are assumed.
METADATA_TYPE_BY_SUFFIX = {
    "Str": "string",
    "Txt": "text",
    "Num": "number",
    "At": "date",
    "Bool": "boolean",
    "Url": "url",
    "Id": "id",
}


@dataclass
class CustomerRecord:
    id: str
    name: str
    emails: list[str]
    locale: str | None
    created_at: datetime
    updated_at: datetime
    # Kustomer's customer `timeZone`: a string or null, its format not documented.
    time_zone: str | None = None


@dataclass
class UserRecord:
    id: str
    name: str
    email: str
    created_at: datetime
    user_type: str = "user"


@dataclass
class TeamRecord:
    id: str
    name: str
    created_at: datetime


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
    assigned_team_ids: list[str]
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
        self.teams: dict[str, TeamRecord] = {}
        self.conversations: dict[str, ConversationRecord] = {}
        self.notes: dict[str, NoteRecord] = {}
        # Custom attributes defined on the Conversation klass: system name -> display name.
        self.custom_attributes: dict[str, str] = {}
        # The org's conversation tags: id -> name. Conversations hold tag ids.
        self.tags: dict[str, str] = {}
        self._sequence = 0

    def define_custom_attribute(self, name: str, display_name: str | None = None) -> None:
        """Define (or rename) a custom attribute on the Conversation klass; the default display
        name is the title-cased name without its type suffix, as Kustomer's (cesScoreNum ->
        "Ces Score")."""
        match = CUSTOM_ATTRIBUTE_NAME.match(name)
        if match is None:
            raise ValueError(
                f"{name!r} is not a custom attribute system name such as 'cesScoreNum'"
            )
        stem = name[: match.start(1)]
        default = " ".join(
            word.capitalize() for word in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+", stem)
        )
        with self.lock:
            self.custom_attributes[name] = (
                display_name or self.custom_attributes.get(name) or default
            )

    def tag_id(self, name_or_id: str, now: datetime) -> str:
        """The id of the tag with this id or name; a name no tag has creates the tag."""
        with self.lock:
            if name_or_id in self.tags:
                return name_or_id
            for tag_id, name in self.tags.items():
                if name == name_or_id:
                    return tag_id
            tag_id = self.new_id(now)
            self.tags[tag_id] = name_or_id
            return tag_id

    def new_id(self, created_at: datetime) -> str:
        """A 24-hex-digit id like Kustomer's (Mongo ObjectIds): creation time first, so ids
        sort in creation order, then a counter that keeps runs reproducible."""
        with self.lock:
            self._sequence += 1
            return f"{int(created_at.timestamp()):08x}{self._sequence:016x}"
