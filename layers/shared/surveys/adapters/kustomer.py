"""Kustomer REST client: paced below the org's rate limit, retrying only what can succeed.

Kustomer's limits are per organisation and shared with its other integrations, so the client
uses a configurable share of the limit the response headers announce, waits as told on 429, and
retries 5xx, timeouts and connection errors with jittered exponential backoff.
(developer.kustomer.com/kustomer-api-docs/reference/rate-limiting)
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from surveys.domain.conversations import Conversation

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
        self.detail = detail
        self.conversation_id = conversation_id


class KustomerAuthError(KustomerError):
    pass


class KustomerNotFoundError(KustomerError):
    pass


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
# Every call the system makes, probed by `connect` in a form that changes nothing. Roles are the
# legacy role, then its permission-set equivalent. Confirmed at the source: search
# (reference/customersearch), notes create (create-note), customers read (Kustomer's OpenAPI,
# "Get customer by email"), metadata read and update (updatecustomattributemetadata). Assumed from
# the same pattern: notes read, conversation update, users read.
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


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _related_ids(resource: dict[str, Any], name: str) -> list[str]:
    data = (resource.get("relationships") or {}).get(name, {}).get("data")
    if isinstance(data, dict):
        data = [data]
    return [str(item["id"]) for item in data or [] if isinstance(item, dict) and "id" in item]


def conversation_from_resource(resource: dict[str, Any]) -> Conversation:
    attributes = resource.get("attributes") or {}
    customers = _related_ids(resource, "customer")
    return Conversation(
        id=str(resource["id"]),
        status=str(attributes.get("status", "")),
        channels=frozenset(str(channel) for channel in attributes.get("channels") or ()),
        updated_at=_parse_time(str(attributes["updatedAt"])),
        customer_id=customers[0] if customers else None,
        assigned_user_ids=tuple(_related_ids(resource, "assignedUsers")),
        subject=str(attributes.get("name") or ""),
        brand_id=next(iter(_related_ids(resource, "brand")), None),
        queue_id=next(iter(_related_ids(resource, "queue")), None),
        tags=frozenset(str(tag) for tag in attributes.get("tags") or ()),
    )


def _error_detail(response: requests.Response) -> str:
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return response.text[:300] or response.reason
    parts = [str(error.get("detail") or error.get("title") or "") for error in errors]
    return "; ".join(part for part in parts if part) or response.reason


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
        reset = headers.get("x-ratelimit-reset")
        self._reset_after = float(reset) if reset and reset.replace(".", "", 1).isdigit() else None
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
                failure = f"{type(error).__name__} on {name}"
                # Only a connection never made proves the request was not sent.
                if not repeatable and not isinstance(error, requests.ConnectTimeout):
                    raise KustomerOutcomeUnknownError(failure) from error
                self._wait(self._backoff(attempt), failure)
                continue
            self._pacer.observe(response.headers)
            status = response.status_code
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
            return response.json() if response.content else {}
        raise KustomerUnavailableError(
            f"{name} still failing after {self._max_attempts} attempts; last: {failure}"
        )

    @staticmethod
    def _retry_after(response: requests.Response) -> float:
        for header in ("Retry-After", "x-ratelimit-reset"):
            value = response.headers.get(header, "")
            try:
                return max(0.0, float(value))
            except ValueError:
                continue
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
        resources = payload.get("data") or []
        return ConversationPage(
            conversations=[conversation_from_resource(item) for item in resources],
            has_next=bool((payload.get("links") or {}).get("next")),
        )

    def get_customer(self, customer_id: str) -> Customer:
        resource = self._request("GET", f"/v1/customers/{customer_id}")["data"]
        attributes = resource.get("attributes") or {}
        emails = tuple(
            str(entry["email"])
            for entry in attributes.get("emails") or ()
            if isinstance(entry, dict) and entry.get("email")
        )
        return Customer(
            id=str(resource["id"]),
            name=str(attributes.get("displayName") or attributes.get("name") or ""),
            emails=emails,
            locale=attributes.get("locale"),
            # To confirm against a real org: the customer's IANA zone, when Kustomer knows it.
            time_zone=attributes.get("timeZone"),
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
        return str(payload["data"]["id"])

    def conversation_notes(self, conversation_id: str) -> Iterator[Note]:
        page = 1
        while True:
            payload = self._request(
                "GET",
                f"/v1/conversations/{conversation_id}/notes",
                params={"page": page, "pageSize": 100},
                conversation_id=conversation_id,
            )
            for item in payload.get("data") or []:
                yield Note(id=str(item["id"]), body=str((item.get("attributes") or {}).get("body")))
            if not (payload.get("links") or {}).get("next"):
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
            resource = self._request("GET", API_KEY_IDENTITY_PATH).get("data") or {}
        except KustomerNotFoundError:
            return None
        except KustomerAuthError as error:
            if error.status == 403:
                return None
            raise
        attributes = resource.get("attributes") or {}
        return ApiKeyIdentity(
            name=str(attributes.get("name") or ""),
            roles=tuple(str(role) for role in attributes.get("roles") or ()),
        )

    def users(self) -> Iterator[KustomerUser]:
        page = 1
        while True:
            payload = self._request("GET", "/v1/users", params={"page": page, "pageSize": 100})
            for item in payload.get("data") or []:
                attributes = item.get("attributes") or {}
                yield KustomerUser(
                    id=str(item["id"]),
                    name=str(attributes.get("name") or attributes.get("displayName") or item["id"]),
                    email=attributes.get("email") or None,
                    user_type=str(attributes.get("userType") or "user"),
                )
            if not (payload.get("links") or {}).get("next"):
                return
            page += 1

    def conversation_custom_attributes(self) -> dict[str, str]:
        """The custom attributes defined on the Conversation klass: name -> type."""
        return _attribute_types(self._request("GET", CONVERSATION_METADATA_PATH))

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
        return _attribute_types(payload)


def _attribute_types(payload: dict[str, Any]) -> dict[str, str]:
    properties = ((payload.get("data") or {}).get("attributes") or {}).get("properties") or {}
    return {str(name): str((meta or {}).get("type") or "") for name, meta in properties.items()}
