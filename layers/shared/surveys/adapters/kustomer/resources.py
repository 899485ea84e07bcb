"""What Kustomer's answers hold, read from their JSON:API shape: records under `data`, the next
page under `links.next` (MeltanoLabs/tap-kustomer, tap_kustomer/client.py). A part that is not
the documented shape raises `Unreadable` naming it; nothing is guessed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from surveys.domain.conversations import Conversation

# Users that are not agents: the users behind API keys (`GET /v1/users/current` answers
# `userType: machine` for a key, developer.kustomer.com access-management reference).
NON_AGENT_USER_TYPES = frozenset({"machine"})


class Unreadable(ValueError):
    """A part of an answer that is not the documented shape; the message names the part."""


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    emails: tuple[str, ...]
    locale: str | None
    time_zone: str | None = None


@dataclass(frozen=True)
class Note:
    id: str
    body: str


@dataclass(frozen=True)
class ConversationPage:
    conversations: list[Conversation]
    has_next: bool
    # Results that could not be read, as (id or position, reason); the rest of the page stands.
    unreadable: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class KustomerUser:
    id: str
    name: str
    email: str | None
    user_type: str

    @property
    def is_agent(self) -> bool:
        return self.user_type not in NON_AGENT_USER_TYPES


@dataclass(frozen=True)
class KustomerTeam:
    id: str
    name: str


@dataclass(frozen=True)
class ApiKeyIdentity:
    name: str
    roles: tuple[str, ...]


# --- the parts of an answer ----------------------------------------------------------------------


def json_kind(value: Any) -> str:
    """How an error names a JSON value's type: "an object", "a list", "null"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _object(value: Any, where: str, *, required: bool = False) -> dict[str, Any]:
    """A JSON object; null or absent reads as empty unless `required`."""
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise Unreadable(f"{where} is {json_kind(value)}, not an object")
    return value


def _list(value: Any, where: str, *, required: bool = False) -> list[Any]:
    """A JSON list; null or absent reads as empty unless `required`."""
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise Unreadable(f"{where} is {json_kind(value)}, not a list")
    return value


def _valid_id(value: Any) -> str | None:
    """An object id as Kustomer writes them (a non-empty string, or a number); None otherwise."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        return None
    return str(value)


def _id(value: Any, where: str) -> str:
    found = _valid_id(value)
    if found is None:
        raise Unreadable(f"{where} is {json_kind(value) if value != '' else 'empty'}, not an id")
    return found


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _strings(value: Any, where: str) -> frozenset[str]:
    """A list of names; one name given alone is taken as a list of one."""
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(str(item) for item in _list(value, where))


def _parse_time(value: Any, where: str = "timestamp") -> datetime:
    """An ISO 8601 timestamp; one without a zone is UTC, as Kustomer's are."""
    if not isinstance(value, str):
        raise Unreadable(f"{where} is {json_kind(value)}, not a timestamp")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment.astimezone(UTC)  # the scan compares and stores it in UTC
    except (ValueError, OverflowError):
        raise Unreadable(f"{where} {value[:40]!r} is not an ISO 8601 timestamp") from None
    return moment


def _related_ids(resource: dict[str, Any], name: str) -> list[str]:
    relationships = _object(resource.get("relationships"), "relationships")
    data = _object(relationships.get(name), f"relationships.{name}").get("data")
    if isinstance(data, dict):
        data = [data]
    related = (
        _valid_id(item.get("id"))
        for item in _list(data, f"relationships.{name}.data")
        if isinstance(item, dict)
    )
    return [item_id for item_id in related if item_id is not None]


# --- answers -------------------------------------------------------------------------------------


def conversation_from_resource(resource: Any) -> Conversation:
    """A conversation from a search result; raises Unreadable (a ValueError) naming the part
    that is missing or of the wrong type."""
    resource = _object(resource, "the result", required=True)
    attributes = _object(resource.get("attributes"), "attributes")
    customers = _related_ids(resource, "customer")
    return Conversation(
        id=_id(resource.get("id"), "id"),
        status=str(attributes.get("status", "")),
        channels=_strings(attributes.get("channels"), "attributes.channels"),
        updated_at=_parse_time(attributes.get("updatedAt"), "attributes.updatedAt"),
        customer_id=customers[0] if customers else None,
        assigned_user_ids=tuple(_related_ids(resource, "assignedUsers")),
        assigned_team_ids=tuple(_related_ids(resource, "assignedTeams")),
        subject=str(attributes.get("name") or ""),
        brand_id=next(iter(_related_ids(resource, "brand")), None),
        queue_id=next(iter(_related_ids(resource, "queue")), None),
        tags=_strings(attributes.get("tags"), "attributes.tags"),
    )


def list_page(payload: dict[str, Any]) -> tuple[list[Any], bool]:
    """A page's items and whether another page follows. A page without its list of items is
    not an empty page: it says nothing."""
    items = _list(payload.get("data"), "data", required=True)
    return items, bool(_object(payload.get("links"), "links").get("next"))


def conversation_page(payload: dict[str, Any]) -> ConversationPage:
    """A search page; a result that cannot be read is set aside with its reason, and the rest
    of the page stands."""
    items, has_next = list_page(payload)
    conversations, unreadable = [], []
    for position, item in enumerate(items):
        try:
            conversations.append(conversation_from_resource(item))
        except Unreadable as error:
            which = _valid_id(item.get("id")) if isinstance(item, dict) else None
            unreadable.append(
                (which or f"result {position + 1}", f"unreadable search result: {error}")
            )
    return ConversationPage(conversations, has_next, unreadable)


def customer(payload: dict[str, Any]) -> Customer:
    resource = _object(payload.get("data"), "data", required=True)
    attributes = _object(resource.get("attributes"), "data.attributes")
    found_id = _id(resource.get("id"), "data.id")
    entries = _list(attributes.get("emails"), "data.attributes.emails")
    return Customer(
        id=found_id,
        name=str(attributes.get("displayName") or attributes.get("name") or ""),
        emails=tuple(
            str(entry["email"])
            for entry in entries
            if isinstance(entry, dict) and entry.get("email")
        ),
        locale=_text(attributes.get("locale")),
        # Kustomer documents the attribute as a string that may be null, not its format: an
        # IANA zone is used, anything else ignored (surveys/domain/triggers.py, SendWindow).
        time_zone=_text(attributes.get("timeZone")),
    )


def created_id(payload: dict[str, Any]) -> str:
    return _id(_object(payload.get("data"), "data", required=True).get("id"), "data.id")


def notes(items: list[Any]) -> Iterator[Note]:
    for item in items:
        attributes = item.get("attributes") if isinstance(item, dict) else None
        body = attributes.get("body") if isinstance(attributes, dict) else None
        # A note without a readable body cannot be one of ours: nothing to look for in it.
        if isinstance(body, str):
            yield Note(id=str(item.get("id") or ""), body=body)


def listed_objects(items: list[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(id, attributes) of each listed object. An object without an id cannot be credited with
    a rating: left out."""
    for item in items:
        object_id = _valid_id(item.get("id")) if isinstance(item, dict) else None
        if object_id is None:
            continue
        attributes = item.get("attributes")
        yield object_id, attributes if isinstance(attributes, dict) else {}


def user(user_id: str, attributes: dict[str, Any]) -> KustomerUser:
    return KustomerUser(
        id=user_id,
        name=str(attributes.get("name") or attributes.get("displayName") or user_id),
        email=_text(attributes.get("email")),
        user_type=str(attributes.get("userType") or "user"),
    )


def team(team_id: str, attributes: dict[str, Any]) -> KustomerTeam:
    return KustomerTeam(
        id=team_id,
        name=str(attributes.get("displayName") or attributes.get("name") or team_id),
    )


def api_key_identity(payload: dict[str, Any]) -> ApiKeyIdentity:
    attributes = _object(_object(payload.get("data"), "data").get("attributes"), "data.attributes")
    roles = _list(attributes.get("roles"), "data.attributes.roles")
    return ApiKeyIdentity(
        name=str(attributes.get("name") or ""), roles=tuple(str(role) for role in roles)
    )


def attribute_types(payload: dict[str, Any]) -> dict[str, str]:
    """The custom attributes a klass's metadata defines: name -> type."""
    data = _object(payload.get("data"), "data")
    attributes = _object(data.get("attributes"), "data.attributes")
    properties = _object(attributes.get("properties"), "data.attributes.properties")
    return {
        str(name): str(meta.get("type") or "") if isinstance(meta, dict) else ""
        for name, meta in properties.items()
    }
