"""Kustomer REST client: paced below the org's rate limit, retrying only what can succeed.

Kustomer's limits are per organisation and shared with its other integrations, so the client
uses a configurable share of the limit the response headers announce, waits as told on 429, and
retries 5xx, timeouts and connection errors with jittered exponential backoff.
(developer.kustomer.com/kustomer-api-docs/reference/rate-limiting)
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from aws_lambda_powertools.metrics import MetricUnit

from surveys.domain.conversations import Conversation
from surveys.observability import MetricName, metrics

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
# 503 says the request was not carried out; after the others, or a response that never came,
# Kustomer may have done what was asked.
NOT_CARRIED_OUT_STATUSES = frozenset({429, 503})
TIME_MARGIN_SECONDS = 2.0


def _request_name(method: str, path: str, conversation_id: str | None) -> str:
    """How errors name a request: a note's POST carries its conversation in the body, not the
    path, so an operator reading the error would not otherwise know which conversation failed."""
    name = f"{method} {path}"
    if conversation_id and conversation_id not in path:
        return f"{name} for conversation {conversation_id}"
    return name


class KustomerError(Exception):
    """Kustomer refused a request in a way a retry cannot fix (bad key, missing role, bad data)."""

    def __init__(
        self,
        status: int,
        method: str,
        path: str,
        detail: str,
        conversation_id: str | None = None,
    ) -> None:
        super().__init__(
            f"Kustomer answered {status} to {_request_name(method, path, conversation_id)}: "
            f"{detail}"
        )
        self.status = status
        self.path = path
        self.detail = detail
        self.conversation_id = conversation_id


class KustomerAuthError(KustomerError):
    pass


class KustomerNotFoundError(KustomerError):
    pass


class KustomerResponseError(KustomerError):
    """Kustomer answered with a body that is not the documented shape (not JSON, or a part
    missing or of another type); nothing is guessed from it."""


class _Unreadable(ValueError):
    """A part of an answer that is not the documented shape; the message names the part."""


class KustomerUnavailableError(Exception):
    """Kustomer kept failing, or waiting for it would overrun the time left; try again later."""


class KustomerOutcomeUnknownError(KustomerUnavailableError):
    """A request that must not run twice (creating a note) failed in a way that leaves open
    whether Kustomer carried it out; the caller checks before trying again."""


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


@dataclass(frozen=True)
class AccessCheck:
    """A call the system makes, what for, and the roles Kustomer accepts for it (any one)."""

    purpose: str
    method: str
    path: str
    roles: tuple[str, ...]
    body: dict[str, Any] | None = None
    params: dict[str, Any] | None = None

    @property
    def call(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def required_roles(self) -> str:
        """E.g. "org.user.note.write (part of org.user.write) or org.permission.note.create". That
        a broad legacy role covers the narrow ones beneath it is assumed, as in the simulator."""
        described = []
        for role in self.roles:
            parts = role.split(".")
            if len(parts) == 4 and parts[1] in ("user", "admin"):
                described.append(f"{role} (part of org.{parts[1]}.{parts[3]})")
            else:
                described.append(role)
        return " or ".join(described)


# Not in Kustomer's API reference as read so far, so to confirm against a real org: the calling
# key's name and roles, as MeltanoLabs/tap-kustomer reads them
# (streams/access_management/auth_tokens_current_streams.py, schemas/auth_tokens.json).
API_KEY_IDENTITY_PATH = "/v1/auth/tokens/current"
# GET and PUT /v1/metadata/{resource}, both carrying `properties` keyed by attribute name
# (developer.kustomer.com/kustomer-api-docs/reference/updatecustomattributemetadata and "Get
# custom attribute metadata"; answer shape from api-docs.integration.app, Kustomer operations).
CONVERSATION_METADATA_PATH = "/v1/metadata/conversation"
# Users that are not agents: the users behind API keys. The value is assumed (tap-kustomer's
# users schema has `userType` but lists no values).
NON_AGENT_USER_TYPES = frozenset({"machine"})
# Kustomer ids are 24 hex digits; no object has this one, so a probe with it finds nothing.
PROBE_OBJECT_ID = "0" * 24

LIST_USERS = AccessCheck(
    "import the agents",
    "GET",
    "/v1/users",
    ("org.user.user.read", "org.permission.user.read"),
    params={"pageSize": 1},
)
LIST_TEAMS = AccessCheck(
    "import the teams",
    "GET",
    "/v1/teams",
    ("org.user.team.read", "org.permission.team.read"),
    params={"pageSize": 1},
)
# Every call the system makes, probed by `connect` in a form that changes nothing. Roles are the
# legacy role, then its permission-set equivalent. Confirmed at the source: search
# (reference/customersearch), notes create (create-note), customers read (Kustomer's OpenAPI,
# "Get customer by email"), metadata read and update (updatecustomattributemetadata). Assumed from
# the same pattern: notes read, conversation update, users and teams read.
ACCESS_CHECKS = (
    AccessCheck(
        "find conversations due a survey",
        "POST",
        "/v1/customers/search",
        ("org.user.search.read", "org.permission.search.create"),
        body={"queryContext": "conversation", "and": [{"conversation_status": {"equals": "done"}}]},
        params={"pageSize": 1},
    ),
    AccessCheck(
        "read the customer's email address",
        "GET",
        "/v1/customers/{id}",
        ("org.user.customer.read", "org.permission.customer.read"),
    ),
    AccessCheck(
        "post each rating as a note",
        "POST",
        "/v1/notes",
        ("org.user.note.write", "org.permission.note.create"),
        body={},
    ),
    AccessCheck(
        "find notes already posted",
        "GET",
        "/v1/conversations/{id}/notes",
        ("org.user.note.read", "org.permission.note.read"),
    ),
    AccessCheck(
        "set the rating's custom attributes",
        "PATCH",
        "/v1/conversations/{id}",
        ("org.user.conversation.write", "org.permission.conversation.update"),
        body={"custom": {}},
    ),
    LIST_USERS,
    LIST_TEAMS,
    AccessCheck(
        "read the conversation custom attributes",
        "GET",
        CONVERSATION_METADATA_PATH,
        ("org.user.metadata.read", "org.permission.metadata.read"),
    ),
)
# Made only when an attribute is missing, so not probed.
DEFINE_CUSTOM_ATTRIBUTES = AccessCheck(
    "create the survey's custom attributes",
    "PUT",
    CONVERSATION_METADATA_PATH,
    ("org.admin.metadata.write", "org.permission.metadata.update"),
)


def kustomer_api_base(org_url: str) -> str:
    """The API root for what an admin pastes: `acme.kustomerapp.com` is the web app, the API
    lives on `acme.api.kustomerapp.com` (developer.kustomer.com/docs/concepts/search). Any other
    URL (a regional API root, a simulator) is taken as it is."""
    text = org_url.strip().rstrip("/")
    url = text if "://" in text else f"https://{text}"
    host = urlsplit(url).hostname or ""
    if host.endswith(".kustomerapp.com") and not host.startswith("api.") and ".api." not in host:
        return f"https://{host.split('.', 1)[0]}.api.kustomerapp.com"
    return url


def _kind(value: Any) -> str:
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
        raise _Unreadable(f"{where} is {_kind(value)}, not an object")
    return value


def _list(value: Any, where: str, *, required: bool = False) -> list[Any]:
    """A JSON list; null or absent reads as empty unless `required`."""
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise _Unreadable(f"{where} is {_kind(value)}, not a list")
    return value


def _id(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise _Unreadable(f"{where} is {_kind(value) if value != '' else 'empty'}, not an id")
    return str(value)


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
        raise _Unreadable(f"{where} is {_kind(value)}, not a timestamp")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment.astimezone(UTC)  # the scan compares and stores it in UTC
    except (ValueError, OverflowError):
        raise _Unreadable(f"{where} {value[:40]!r} is not an ISO 8601 timestamp") from None
    return moment


def _related_ids(resource: dict[str, Any], name: str) -> list[str]:
    relationships = _object(resource.get("relationships"), "relationships")
    data = _object(relationships.get(name), f"relationships.{name}").get("data")
    if isinstance(data, dict):
        data = [data]
    return [
        str(item["id"])
        for item in _list(data, f"relationships.{name}.data")
        if isinstance(item, dict)
        and isinstance(item.get("id"), (str, int))
        and not isinstance(item["id"], bool)
        and item["id"] != ""
    ]


def conversation_from_resource(resource: Any) -> Conversation:
    """A conversation from a search result; raises ValueError naming the part that is missing
    or of the wrong type."""
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


def _count_failure(status: int | None) -> None:
    """Kustomer's refusals and failures, for the dashboard and the alarms; `None` is a request
    that got no answer. A 404 is an answer (the conversation or customer is gone), not a failure."""
    if status == 429:
        metrics.add_metric(MetricName.KUSTOMER_THROTTLED, MetricUnit.Count, 1)
    elif status in (401, 403):
        metrics.add_metric(MetricName.KUSTOMER_AUTH_FAILURES, MetricUnit.Count, 1)
    elif status is None or (status >= 400 and status != 404):
        metrics.add_metric(MetricName.KUSTOMER_ERRORS, MetricUnit.Count, 1)


def _error_detail(response: requests.Response) -> str:
    fallback = response.text[:300] or response.reason or f"status {response.status_code}"
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return fallback
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return fallback
    parts = [
        str(error.get("detail") or error.get("title") or "")
        for error in errors
        if isinstance(error, dict)
    ]
    return "; ".join(part for part in parts if part) or fallback


def _seconds(value: Any) -> float | None:
    """A header's number of seconds, or None when it is not a finite number."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


class RateLimitPacer:
    """Keeps this system's use of the org's per-minute budget under `share` of the limit."""

    def __init__(self, share: float) -> None:
        self._share = share
        self._limit: int | None = None
        self._remaining: int | None = None
        self._reset_after: float | None = None
        self._observed_at = 0.0

    def observe(self, headers: Any) -> None:
        try:
            self._limit = int(headers["x-ratelimit-limit"])
            self._remaining = int(headers["x-ratelimit-remaining"])
        except (KeyError, ValueError):
            return
        self._reset_after = _seconds(headers.get("x-ratelimit-reset"))
        self._observed_at = time.monotonic()

    def wait_needed(self) -> float:
        if self._limit is None or self._remaining is None:
            return 0.0
        used = self._limit - self._remaining
        allowed = max(1, int(self._limit * self._share))
        if used < allowed:
            return 0.0
        elapsed = time.monotonic() - self._observed_at
        if self._reset_after is not None:
            return max(0.0, self._reset_after - elapsed)
        # Without a reset header, spread the excess over the 60-second window.
        return max(0.0, 60.0 * (used - allowed + 1) / self._limit - elapsed)


class KustomerClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        rate_limit_share: float = 0.5,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        time_left: Callable[[], float] | None = None,
        max_attempts: int = 6,
        timeout: tuple[float, float] = (3.05, 20.0),
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._session = session or requests.Session()
        self._session.headers.update(
            {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
        )
        self._sleep = sleep
        self._pacer = RateLimitPacer(rate_limit_share)
        self._time_left = time_left or (lambda: float("inf"))
        self._max_attempts = max_attempts
        self._timeout = timeout
        self.requests_made = 0

    def set_time_left(self, time_left: Callable[[], float]) -> None:
        """Bind the client to the current invocation's deadline (the session is per container)."""
        self._time_left = time_left

    def _wait(self, seconds: float, why: str) -> None:
        if seconds > self._time_left() - TIME_MARGIN_SECONDS:
            raise KustomerUnavailableError(f"{why}; not enough time left to wait {seconds:.1f}s")
        self._sleep(seconds)

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0, min(20.0, 0.5 * 2**attempt))

    def _request(
        self,
        method: str,
        path: str,
        *,
        conversation_id: str | None = None,
        repeatable: bool = True,
        **kwargs: Any,
    ) -> Any:
        """Send a request, retrying what can succeed later. A request that is not `repeatable`
        is retried only when Kustomer certainly did not carry it out."""
        name = _request_name(method, path, conversation_id)
        failure = ""
        for attempt in range(self._max_attempts):
            wait = self._pacer.wait_needed()
            if wait > 0:
                self._wait(wait, f"pacing below the Kustomer rate limit before {name}")
            self.requests_made += 1
            try:
                response = self._session.request(
                    method, f"{self._base_url}{path}", timeout=self._timeout, **kwargs
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                _count_failure(None)
                failure = f"{type(error).__name__} on {name}"
                # Only a connection never made proves the request was not sent.
                if not repeatable and not isinstance(error, requests.ConnectTimeout):
                    raise KustomerOutcomeUnknownError(failure) from error
                self._wait(self._backoff(attempt), failure)
                continue
            self._pacer.observe(response.headers)
            status = response.status_code
            _count_failure(status)
            if not repeatable and status in RETRYABLE_STATUSES - NOT_CARRIED_OUT_STATUSES:
                raise KustomerOutcomeUnknownError(f"Kustomer answered {status} to {name}")
            if status == 429 or status in RETRYABLE_STATUSES:
                failure = f"Kustomer answered {status} to {name}"
                wait = self._retry_after(response) if status == 429 else self._backoff(attempt)
                self._wait(wait, failure)
                continue
            if status >= 400:
                error_type: type[KustomerError] = KustomerError
                if status in (401, 403):
                    error_type = KustomerAuthError
                elif status == 404:
                    error_type = KustomerNotFoundError
                raise error_type(status, method, path, _error_detail(response), conversation_id)
            return _json_object(response, method, path, conversation_id)
        raise KustomerUnavailableError(
            f"{name} still failing after {self._max_attempts} attempts; last: {failure}"
        )

    @staticmethod
    def _retry_after(response: requests.Response) -> float:
        for header in ("Retry-After", "x-ratelimit-reset"):
            seconds = _seconds(response.headers.get(header))
            if seconds is not None:
                return seconds
        return 1.0

    def search_conversations(
        self, query: dict[str, Any], page: int, page_size: int
    ) -> ConversationPage:
        body = {"queryContext": "conversation", **query}
        payload = self._request(
            "POST",
            "/v1/customers/search",
            json=body,
            params={"page": page, "pageSize": page_size},
        )
        try:
            # A page without its list of results is not an empty page: it says nothing.
            resources = _list(payload.get("data"), "data", required=True)
            has_next = bool(_object(payload.get("links"), "links").get("next"))
        except _Unreadable as error:
            raise KustomerResponseError(200, "POST", "/v1/customers/search", str(error)) from None
        conversations, unreadable = [], []
        for position, item in enumerate(resources):
            try:
                conversations.append(conversation_from_resource(item))
            except _Unreadable as error:
                which = item.get("id") if isinstance(item, dict) else None
                name = str(which) if isinstance(which, (str, int)) else f"result {position + 1}"
                unreadable.append((name, f"unreadable search result: {error}"))
        return ConversationPage(conversations, has_next, unreadable)

    def get_customer(self, customer_id: str) -> Customer:
        path = f"/v1/customers/{customer_id}"
        payload = self._request("GET", path)
        try:
            resource = _object(payload.get("data"), "data", required=True)
            attributes = _object(resource.get("attributes"), "data.attributes")
            found_id = _id(resource.get("id"), "data.id")
            entries = _list(attributes.get("emails"), "data.attributes.emails")
        except _Unreadable as error:
            raise KustomerResponseError(200, "GET", path, str(error)) from None
        emails = tuple(
            str(entry["email"])
            for entry in entries
            if isinstance(entry, dict) and entry.get("email")
        )
        return Customer(
            id=found_id,
            name=str(attributes.get("displayName") or attributes.get("name") or ""),
            emails=emails,
            locale=_text(attributes.get("locale")),
            # To confirm against a real org: the customer's IANA zone, when Kustomer knows it.
            time_zone=_text(attributes.get("timeZone")),
        )

    def create_note(self, conversation_id: str, body: str) -> str:
        payload = self._request(
            "POST",
            "/v1/notes",
            json={"body": body, "conversation": conversation_id},
            conversation_id=conversation_id,
            # A second POST would be a second note (developer.kustomer.com/api/core-resources/
            # create-note has no idempotency key).
            repeatable=False,
        )
        try:
            return _id(_object(payload.get("data"), "data", required=True).get("id"), "data.id")
        except _Unreadable as error:
            # Kustomer took the POST: the note may well exist, so the caller looks before posting.
            raise KustomerOutcomeUnknownError(
                f"Kustomer's answer to POST /v1/notes for conversation {conversation_id} could "
                f"not be read ({error}); the note may have been created"
            ) from None

    def conversation_notes(self, conversation_id: str) -> Iterator[Note]:
        page = 1
        while True:
            payload = self._request(
                "GET",
                f"/v1/conversations/{conversation_id}/notes",
                params={"page": page, "pageSize": 100},
                conversation_id=conversation_id,
            )
            items, has_next = _page(payload, "GET", f"/v1/conversations/{conversation_id}/notes")
            for item in items:
                attributes = item.get("attributes") if isinstance(item, dict) else None
                body = attributes.get("body") if isinstance(attributes, dict) else None
                # A note without a readable body cannot be one of ours: nothing to look for in it.
                if isinstance(body, str):
                    yield Note(id=str(item.get("id") or ""), body=body)
            if not has_next:
                return
            page += 1

    def set_conversation_custom_attributes(
        self, conversation_id: str, values: dict[str, Any]
    ) -> None:
        self._request(
            "PATCH",
            f"/v1/conversations/{conversation_id}",
            json={"custom": values},
            conversation_id=conversation_id,
        )

    def allows(self, check: AccessCheck) -> bool:
        """Whether the key may make the call. Assumed, as the simulator does: Kustomer checks
        roles before it looks for the object or validates the body, so a probe with an id no
        object has, or with a body it must refuse, changes nothing and gets 403 only when a role
        is missing. A 401 (the key itself refused) is raised."""
        try:
            self._request(
                check.method,
                check.path.format(id=PROBE_OBJECT_ID),
                json=check.body,
                params=check.params,
            )
        except KustomerAuthError as error:
            if error.status == 403:
                return False
            raise
        except KustomerError:
            return True  # 400 or 404: past the role check
        return True

    def api_key_identity(self) -> ApiKeyIdentity | None:
        """The calling key's name and roles, or None when Kustomer does not tell (the endpoint is
        unconfirmed); a refused key raises KustomerAuthError."""
        try:
            payload = self._request("GET", API_KEY_IDENTITY_PATH)
        except KustomerNotFoundError:
            return None
        except KustomerAuthError as error:
            if error.status == 403:
                return None
            raise
        try:
            attributes = _object(
                _object(payload.get("data"), "data").get("attributes"), "data.attributes"
            )
            roles = _list(attributes.get("roles"), "data.attributes.roles")
        except _Unreadable:
            return None  # not the shape assumed: the endpoint does not tell
        return ApiKeyIdentity(
            name=str(attributes.get("name") or ""), roles=tuple(str(role) for role in roles)
        )

    def users(self) -> Iterator[KustomerUser]:
        for user_id, attributes in self._listed("/v1/users"):
            yield KustomerUser(
                id=user_id,
                name=str(attributes.get("name") or attributes.get("displayName") or user_id),
                email=_text(attributes.get("email")),
                user_type=str(attributes.get("userType") or "user"),
            )

    def teams(self) -> Iterator[KustomerTeam]:
        for team_id, attributes in self._listed("/v1/teams"):
            yield KustomerTeam(
                id=team_id,
                name=str(attributes.get("displayName") or attributes.get("name") or team_id),
            )

    def _listed(self, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every (id, attributes) of a paged list. An item without an id cannot be credited
        with a rating: left out."""
        page = 1
        while True:
            payload = self._request("GET", path, params={"page": page, "pageSize": 100})
            items, has_next = _page(payload, "GET", path)
            for item in items:
                object_id = item.get("id") if isinstance(item, dict) else None
                if (
                    isinstance(object_id, bool)
                    or not isinstance(object_id, (str, int))
                    or not object_id
                ):
                    continue
                attributes = item.get("attributes")
                yield str(object_id), attributes if isinstance(attributes, dict) else {}
            if not has_next:
                return
            page += 1

    def conversation_custom_attributes(self) -> dict[str, str]:
        """The custom attributes defined on the Conversation klass: name -> type."""
        return _attribute_types(
            self._request("GET", CONVERSATION_METADATA_PATH), "GET", CONVERSATION_METADATA_PATH
        )

    def define_conversation_custom_attributes(
        self, display_names: dict[str, str]
    ) -> dict[str, str]:
        """Add custom attributes (name -> display name) to the Conversation klass; Kustomer types
        each by its name suffix (Num a number, Txt a text). Only the new ones are sent: a PUT of
        properties is assumed to add to the klass's attributes, not to replace them. Returns
        every attribute now defined, name -> type."""
        properties = {name: {"displayName": shown} for name, shown in display_names.items()}
        payload = self._request(
            DEFINE_CUSTOM_ATTRIBUTES.method,
            DEFINE_CUSTOM_ATTRIBUTES.path,
            json={"properties": properties},
        )
        return _attribute_types(
            payload, DEFINE_CUSTOM_ATTRIBUTES.method, DEFINE_CUSTOM_ATTRIBUTES.path
        )


def _json_object(
    response: requests.Response, method: str, path: str, conversation_id: str | None
) -> dict[str, Any]:
    """The body of a successful answer, which Kustomer documents as a JSON object."""
    if not response.content:
        return {}
    try:
        body = response.json()
    except (ValueError, RecursionError):
        body = None
        problem = f"the body is not JSON: {response.text[:80]!r}"
    else:
        problem = f"the body is {_kind(body)}, not an object"
    if not isinstance(body, dict):
        raise KustomerResponseError(response.status_code, method, path, problem, conversation_id)
    return body


def _page(payload: dict[str, Any], method: str, path: str) -> tuple[list[Any], bool]:
    """A list page's items and whether another page follows."""
    try:
        items = _list(payload.get("data"), "data", required=True)
        return items, bool(_object(payload.get("links"), "links").get("next"))
    except _Unreadable as error:
        raise KustomerResponseError(200, method, path, str(error)) from None


def _attribute_types(payload: dict[str, Any], method: str, path: str) -> dict[str, str]:
    try:
        data = _object(payload.get("data"), "data")
        attributes = _object(data.get("attributes"), "data.attributes")
        properties = _object(attributes.get("properties"), "data.attributes.properties")
    except _Unreadable as error:
        raise KustomerResponseError(200, method, path, str(error)) from None
    return {
        str(name): str(meta.get("type") or "") if isinstance(meta, dict) else ""
        for name, meta in properties.items()
    }
