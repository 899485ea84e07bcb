"""Kustomer's conversation search: criteria, operators, dates and sorting.

Syntax per developer.kustomer.com/docs/concepts/search and
developer.kustomer.com/api/core-resources/create-customer-search: `and` / `or` / `not` lists
of `{"<attribute>": {"<operator>": value}}`, dates as UTC ISO timestamps or local
`YYYY-MM-DD` dates shifted by `timeZone` (GMT when absent), custom attributes searched as
`conversation_custom_<name>`, and only objects updated in the past two years searchable.
The body's fields, their limits and the standard attribute names follow the search schema of
Kustomer's "Core Resources" OpenAPI and its "Standard attributes" schema.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from local.kustomer_sim.store import ConversationRecord
from local.kustomer_sim.timestamps import to_millis

SEARCHABLE_AGE = timedelta(days=730)
CUSTOM_ATTRIBUTE_PREFIX = "conversation_custom_"
BODY_FIELDS = frozenset(
    {"queryContext", "timeZone", "includeDeleted", "sort", "aggs", "fields", "searchHash"}
    | {"and", "or", "not"}
)
# Accepted by Kustomer, but what they return is not modelled: refused rather than ignored, so a
# client that comes to rely on them finds out here.
NOT_SIMULATED_FIELDS = frozenset({"aggs", "fields", "searchHash"})
CRITERIA_MAX = 20
SORT_KEYS_MAX = 5

Predicate = Callable[[ConversationRecord], bool]


class SearchError(ValueError):
    """The search body is malformed; the API answers 400 with this message as detail."""


class Kind(enum.Enum):
    STRING = "string"
    STRING_LIST = "string list"
    DATETIME = "datetime"
    NUMBER = "number"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class Attribute:
    name: str
    kind: Kind
    read: Callable[[ConversationRecord], object]


STANDARD_ATTRIBUTES = {
    attribute.name: attribute
    for attribute in (
        Attribute("conversation_id", Kind.STRING, lambda c: c.id),
        Attribute("conversation_status", Kind.STRING, lambda c: c.status),
        Attribute("conversation_channels", Kind.STRING_LIST, lambda c: c.channels),
        Attribute("conversation_created_at", Kind.DATETIME, lambda c: c.created_at),
        Attribute("conversation_updated_at", Kind.DATETIME, lambda c: c.updated_at),
        Attribute("conversation_modified_at", Kind.DATETIME, lambda c: c.modified_at),
        Attribute("conversation_tags", Kind.STRING_LIST, lambda c: c.tags),
        Attribute("conversation_queue", Kind.STRING, lambda c: c.queue_id),
        Attribute("conversation_assigned_teams", Kind.STRING_LIST, lambda c: c.assigned_team_ids),
        Attribute("conversation_last_done_created_at", Kind.DATETIME, lambda c: c.done_at),
    )
}

CUSTOM_KIND_BY_SUFFIX = {
    "Str": Kind.STRING,
    "Txt": Kind.STRING,
    "Num": Kind.NUMBER,
    "At": Kind.DATETIME,
    "Bool": Kind.BOOLEAN,
    "Url": Kind.STRING,
    "Id": Kind.STRING,
}

ORDERED_KINDS = (Kind.DATETIME, Kind.NUMBER)
LOCAL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def custom_attribute_kind(name: str) -> Kind:
    for suffix, kind in CUSTOM_KIND_BY_SUFFIX.items():
        if name.endswith(suffix):
            return kind
    raise SearchError(f"custom attribute {name!r} has no known type suffix")


def search_conversations(
    conversations: Iterable[ConversationRecord],
    body: object,
    custom_attributes: Collection[str],
    now: datetime,
    *,
    honour_sort: bool = True,
) -> list[ConversationRecord]:
    """The conversations matching a search body, in the requested order, or with `honour_sort`
    off in a stable order unrelated to any attribute (the sort is still checked)."""
    if not isinstance(body, Mapping):
        raise SearchError("search body must be a JSON object")
    context = body.get("queryContext")
    if context != "conversation":
        raise SearchError(
            f"queryContext {context!r} is not supported by the simulator; use 'conversation'"
        )
    compiler = _CriteriaCompiler(custom_attributes, _time_zone(body.get("timeZone")))
    predicate = compiler.compile_body(body)
    order = _sort_keys(body.get("sort"), compiler)
    oldest_searchable = now - SEARCHABLE_AGE
    found = [c for c in conversations if c.updated_at >= oldest_searchable and predicate(c)]
    if not honour_sort:
        return sorted(found, key=_scattered)
    return _sorted(found, order)


def _scattered(conversation: ConversationRecord) -> bytes:
    return hashlib.blake2b(conversation.id.encode(), digest_size=8).digest()


def _time_zone(value: object) -> tzinfo:
    if value is None:
        return UTC
    if not isinstance(value, str):
        raise SearchError("timeZone must be an IANA time zone name")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SearchError(f"unknown timeZone {value!r}") from error


class _CriteriaCompiler:
    def __init__(self, custom_attributes: Collection[str], time_zone: tzinfo) -> None:
        self._custom_attributes = custom_attributes
        self._time_zone = time_zone

    def compile_body(self, body: Mapping[str, object]) -> Predicate:
        unknown = sorted(set(body) - BODY_FIELDS)
        if unknown:
            raise SearchError(f"unknown search fields: {', '.join(unknown)}")
        not_simulated = sorted(set(body) & NOT_SIMULATED_FIELDS)
        if not_simulated:
            raise SearchError(
                f"the simulator does not model the search fields {', '.join(not_simulated)}"
            )
        # The simulator deletes conversations outright, so there are none for it to include.
        if not isinstance(body.get("includeDeleted", False), bool):
            raise SearchError("includeDeleted must be true or false")
        return self._group(body)

    def attribute(self, name: str) -> Attribute:
        if name in STANDARD_ATTRIBUTES:
            return STANDARD_ATTRIBUTES[name]
        if name.startswith(CUSTOM_ATTRIBUTE_PREFIX):
            custom_name = name.removeprefix(CUSTOM_ATTRIBUTE_PREFIX)
            if custom_name not in self._custom_attributes:
                raise SearchError(f"custom attribute {custom_name!r} is not defined")
            kind = custom_attribute_kind(custom_name)
            return Attribute(name, kind, lambda c: c.custom.get(custom_name))
        raise SearchError(f"unknown search attribute {name!r}")

    def _group(self, group: Mapping[str, object]) -> Predicate:
        every = [self._criterion(c) for c in self._criteria_list(group.get("and"), "and")]
        any_of = [self._criterion(c) for c in self._criteria_list(group.get("or"), "or")]
        none_of = [self._criterion(c) for c in self._criteria_list(group.get("not"), "not")]

        def matches(conversation: ConversationRecord) -> bool:
            return (
                all(p(conversation) for p in every)
                and (not any_of or any(p(conversation) for p in any_of))
                and not any(p(conversation) for p in none_of)
            )

        return matches

    @staticmethod
    def _criteria_list(value: object, key: str) -> list[object]:
        if value is None:
            return []
        # The reference types `not` as "object | object[]"; `and` and `or` are lists.
        if key == "not" and isinstance(value, Mapping):
            return [value]
        if not isinstance(value, list):
            raise SearchError(f"{key!r} must be a list of criteria")
        if len(value) > CRITERIA_MAX:
            raise SearchError(f"{key!r} takes at most {CRITERIA_MAX} criteria, got {len(value)}")
        return value

    def _criterion(self, criterion: object) -> Predicate:
        if not isinstance(criterion, Mapping) or len(criterion) != 1:
            raise SearchError(f"each criterion must be an object with one attribute: {criterion!r}")
        ((name, condition),) = criterion.items()
        if name in ("and", "or", "not"):
            return self._group({name: condition})
        attribute = self.attribute(name)
        if not isinstance(condition, Mapping) or len(condition) != 1:
            raise SearchError(f"{name}: the condition must be an object with one operator")
        ((operator, value),) = condition.items()
        return self._operator(attribute, str(operator), value)

    def _operator(self, attribute: Attribute, operator: str, value: object) -> Predicate:
        read = attribute.read
        if operator in ("equals", "eq"):
            expected = self._operand(attribute, value)
            return lambda c: _equals(attribute.kind, read(c), expected)
        if operator == "in":
            if not isinstance(value, list):
                raise SearchError(f"{attribute.name}: 'in' takes a list")
            options = [self._operand(attribute, item) for item in value]
            return lambda c: any(_equals(attribute.kind, read(c), o) for o in options)
        if operator == "contains":
            return self._contains(attribute, value)
        if operator in ("gt", "gte", "lt", "lte"):
            if attribute.kind not in ORDERED_KINDS:
                raise SearchError(f"{attribute.name}: {operator!r} needs a date or number")
            bound = self._operand(attribute, value)
            return lambda c: _compare(operator, read(c), bound)
        if operator == "exists":
            if not isinstance(value, bool):
                raise SearchError(f"{attribute.name}: 'exists' takes true or false")
            return lambda c: _is_set(read(c)) is value
        if operator == "not_set":
            return lambda c: not _is_set(read(c))
        raise SearchError(f"{attribute.name}: unknown operator {operator!r}")

    def _contains(self, attribute: Attribute, value: object) -> Predicate:
        read = attribute.read
        if attribute.kind is Kind.STRING_LIST:
            expected = self._operand(attribute, value)
            return lambda c: _equals(Kind.STRING_LIST, read(c), expected)
        if attribute.kind is not Kind.STRING or not isinstance(value, str):
            raise SearchError(f"{attribute.name}: 'contains' needs a text attribute and value")
        # Kustomer's CONTAINS matches whole words, not fragments of words
        # (docs.aws.amazon.com/glue/latest/dg/kustomer-connection-limitations.html).
        wanted = set(value.lower().split())

        def contains(conversation: ConversationRecord) -> bool:
            text = read(conversation)
            return isinstance(text, str) and bool(wanted & set(text.lower().split()))

        return contains

    def _operand(self, attribute: Attribute, value: object) -> object:
        kind = attribute.kind
        if kind is Kind.DATETIME:
            return self.parse_date(attribute.name, value)
        if kind is Kind.NUMBER and _is_number(value):
            return value
        if kind is Kind.BOOLEAN and isinstance(value, bool):
            return value
        if kind in (Kind.STRING, Kind.STRING_LIST) and isinstance(value, str):
            return value
        raise SearchError(f"{attribute.name}: {value!r} is not a valid {kind.value} value")

    def parse_date(self, name: str, value: object) -> datetime:
        if not isinstance(value, str):
            raise SearchError(f"{name}: dates are strings, got {value!r}")
        try:
            if LOCAL_DATE.match(value):
                local_midnight = datetime.combine(date.fromisoformat(value), datetime.min.time())
                return to_millis(local_midnight.replace(tzinfo=self._time_zone))
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as error:
            raise SearchError(f"{name}: {value!r} is not a date") from error
        # UTC timestamps are not shifted by timeZone; a timestamp without an offset is UTC.
        return to_millis(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


def _is_set(value: object) -> bool:
    return value is not None and value != [] and value != ""


def _equals(kind: Kind, actual: object, expected: object) -> bool:
    if kind is Kind.STRING_LIST:
        return isinstance(actual, list) and expected in actual
    if kind is Kind.DATETIME and isinstance(actual, str):
        return _as_datetime(actual) == expected
    return actual == expected and actual is not None


def _compare(operator: str, actual: object, bound: object) -> bool:
    if isinstance(actual, str):
        actual = _as_datetime(actual)
    if isinstance(actual, datetime) and isinstance(bound, datetime):
        return _ordered(operator, actual, bound)
    if isinstance(actual, int | float) and isinstance(bound, int | float):
        # Booleans are ints to Python but never numbers to Kustomer.
        return not isinstance(actual, bool) and _ordered(operator, float(actual), float(bound))
    return False


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


Comparable = TypeVar("Comparable", datetime, float)


def _ordered(operator: str, actual: Comparable, bound: Comparable) -> bool:
    if operator == "gt":
        return actual > bound
    if operator == "gte":
        return actual >= bound
    if operator == "lt":
        return actual < bound
    return actual <= bound


def _as_datetime(text: str) -> datetime | None:
    """Custom `...At` attributes are stored as the ISO strings clients sent."""
    try:
        return to_millis(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


SortKey = tuple[Attribute, bool]


def _sort_keys(value: object, compiler: _CriteriaCompiler) -> list[SortKey]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list) or len(value) > SORT_KEYS_MAX:
        raise SearchError(
            f"sort must be {{attribute: 'asc' | 'desc'}} or a list of at most {SORT_KEYS_MAX}"
        )
    keys: list[SortKey] = []
    for item in value:
        if not isinstance(item, Mapping) or len(item) != 1:
            raise SearchError(f"each sort entry must have one attribute: {item!r}")
        ((name, direction),) = item.items()
        if direction not in ("asc", "desc"):
            raise SearchError(f"sort direction for {name} must be 'asc' or 'desc'")
        keys.append((compiler.attribute(str(name)), direction == "desc"))
    return keys


def _sorted(
    conversations: list[ConversationRecord], keys: list[SortKey]
) -> list[ConversationRecord]:
    # No documented default order was found; ids are creation-time prefixed, so the default
    # (and every tie-break) is oldest-created first.
    ordered = sorted(conversations, key=lambda c: c.id)
    for attribute, descending in reversed(keys):
        present = [c for c in ordered if _is_set(attribute.read(c))]
        missing = [c for c in ordered if not _is_set(attribute.read(c))]
        present.sort(key=lambda c: _sortable(attribute.read(c)), reverse=descending)
        ordered = present + missing
    return ordered


def _sortable(value: object) -> str | float | datetime:
    if isinstance(value, datetime | float | str):
        return value
    if isinstance(value, int):
        return float(value)
    return str(value)
