"""The simulated Kustomer REST API, independent of the HTTP transport that carries it."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any, TypeVar

from local.kustomer_sim.contract import Contract, TeamsEndpoint
from local.kustomer_sim.rate_limit import FixedWindowLimiter, WindowState
from local.kustomer_sim.resources import (
    JsonObject,
    api_key_resource,
    conversation_metadata_resource,
    conversation_resource,
    customer_resource,
    note_resource,
    team_resource,
    user_resource,
)
from local.kustomer_sim.search import CUSTOM_KIND_BY_SUFFIX, SearchError, search_conversations
from local.kustomer_sim.store import CUSTOM_ATTRIBUTE_NAME, NoteRecord, Store, UserRecord
from local.kustomer_sim.timestamps import to_millis

SEARCH_PAGE_SIZE_MAX = 500
LIST_PAGE_SIZE_MAX = 100
DEFAULT_PAGE_SIZE = 100
NOTE_BODY_MAX = 10_240
NOTES_PER_CUSTOMER_PER_MINUTE = 120
# Conversation update: `custom` takes at most 100 attributes (developer.kustomer.com API
# reference, update conversation).
CUSTOM_ATTRIBUTES_PER_UPDATE_MAX = 100
ORG_LIMIT_KEY = "org"
# Why a request got 429, as KustomerSimulator.throttles() counts them.
THROTTLED_BY_ORG_LIMIT = "org limit"
THROTTLED_BY_SEARCH_LIMIT = "search limit"
THROTTLED_BY_NOTE_LIMIT = "notes per customer"
THROTTLED_BY_FAULT = "injected"

Item = TypeVar("Item")

# Role names for search and notes are the documented ones (create-customer-search,
# create-note); the others follow the same legacy / permission-set pattern.
SEARCH_ROLES = ("org.permission.search.create", "org.user.search.read", "org.admin.search.read")
CONVERSATION_READ_ROLES = ("org.permission.conversation.read", "org.user.conversation.read")
CONVERSATION_WRITE_ROLES = ("org.permission.conversation.update", "org.user.conversation.write")
CUSTOMER_READ_ROLES = ("org.permission.customer.read", "org.user.customer.read")
NOTE_CREATE_ROLES = ("org.permission.note.create", "org.user.note.write")
NOTE_READ_ROLES = ("org.permission.note.read", "org.user.note.read")
USER_READ_ROLES = ("org.permission.user.read", "org.user.user.read", "org.admin.user.read")
TEAM_READ_ROLES = ("org.permission.team.read", "org.user.team.read", "org.admin.team.read")
# Documented on "Get custom attribute metadata" / "Update custom attribute metadata"
# (developer.kustomer.com/kustomer-api-docs/reference/updatecustomattributemetadata).
METADATA_READ_ROLES = (
    "org.permission.metadata.read",
    "org.user.metadata.read",
    "org.admin.metadata.read",
)
METADATA_WRITE_ROLES = ("org.permission.metadata.update", "org.admin.metadata.write")
API_KEY_NAME = "Survey integration"
TEAMS_PATH = re.compile(r"/v1/teams")


class ApiError(Exception):
    def __init__(
        self, status: HTTPStatus, detail: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    query: Mapping[str, Sequence[str]]
    authorization: str | None
    body: bytes


@dataclass
class ApiResponse:
    status: int
    body: JsonObject
    headers: dict[str, str] = field(default_factory=dict)


def error_body(status: HTTPStatus, detail: str) -> JsonObject:
    return {"errors": [{"status": str(status.value), "title": status.phrase, "detail": detail}]}


def role_granted(required: Sequence[str], granted: Sequence[str]) -> bool:
    """Whether any required role is held, directly or through its umbrella role.

    Assumption: the broad legacy roles a survey integration asks for (`org.user.read`,
    `org.admin.write`, ...) cover every `org.<scope>.<object>.<access>` role beneath them.
    """
    for role in required:
        parts = role.split(".")
        umbrella = f"org.{parts[1]}.{parts[-1]}" if len(parts) == 4 else role
        if role in granted or umbrella in granted:
            return True
    return False


Handler = Callable[[ApiRequest, re.Match[str]], ApiResponse]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    roles: tuple[str, ...]
    handler: Handler


class KustomerApi:
    def __init__(
        self,
        store: Store,
        *,
        api_key: str,
        api_user: UserRecord,
        roles: Sequence[str],
        org_id: str,
        rate_limit_per_minute: int,
        clock: Callable[[], datetime],
        contract: Contract,
    ) -> None:
        self._store = store
        self._api_key = api_key
        self._api_user = api_user
        self._roles = list(roles)
        self._org_id = org_id
        self._clock = clock
        self._org_limiter = FixedWindowLimiter(rate_limit_per_minute)
        self._note_limiter = FixedWindowLimiter(NOTES_PER_CUSTOMER_PER_MINUTE)
        self._contract = contract
        self._search_limiter = _search_limiter(contract)
        self._throttles: Counter[str] = Counter()
        self._throttles_lock = threading.Lock()
        object_id = r"(?P<id>[^/]+)"
        # The first route whose path and method match wins, so /v1/users/current must come
        # before /v1/users/{id}.
        self._routes = [
            Route("POST", re.compile(r"/v1/customers/search"), SEARCH_ROLES, self._search),
            Route(
                "GET",
                re.compile(r"/v1/customers/" + object_id),
                CUSTOMER_READ_ROLES,
                self._get_customer,
            ),
            Route(
                "GET",
                re.compile(r"/v1/conversations/" + object_id + "/notes"),
                NOTE_READ_ROLES,
                self._list_notes,
            ),
            # Both note routes are documented (developer.kustomer.com API reference, create note
            # and create note for a conversation).
            Route(
                "POST",
                re.compile(r"/v1/conversations/" + object_id + "/notes"),
                NOTE_CREATE_ROLES,
                self._create_conversation_note,
            ),
            Route(
                "POST",
                re.compile(r"/v1/conversations/" + object_id + "/tags"),
                CONVERSATION_WRITE_ROLES,
                self._append_tags,
            ),
            Route(
                "GET",
                re.compile(r"/v1/conversations/" + object_id),
                CONVERSATION_READ_ROLES,
                self._get_conversation,
            ),
            # PUT and PATCH both take `custom` (developer.kustomer.com API reference, update
            # conversation); both are assumed to merge it into the attributes already set.
            *(
                Route(
                    method,
                    re.compile(r"/v1/conversations/" + object_id),
                    CONVERSATION_WRITE_ROLES,
                    self._update_conversation,
                )
                for method in ("PUT", "PATCH")
            ),
            Route("POST", re.compile(r"/v1/notes"), NOTE_CREATE_ROLES, self._create_note),
            Route("GET", re.compile(r"/v1/users/current"), (), self._current_user),
            # Assumed to need no role: any valid key may read itself.
            Route("GET", re.compile(r"/v1/auth/tokens/current"), (), self._current_api_key),
            Route(
                "GET",
                re.compile(r"/v1/metadata/(?P<resource>[^/]+)"),
                METADATA_READ_ROLES,
                self._get_metadata,
            ),
            Route(
                "PUT",
                re.compile(r"/v1/metadata/(?P<resource>[^/]+)"),
                METADATA_WRITE_ROLES,
                self._update_metadata,
            ),
            Route("GET", re.compile(r"/v1/users"), USER_READ_ROLES, self._list_users),
            Route("GET", re.compile(r"/v1/users/" + object_id), USER_READ_ROLES, self._get_user),
            Route("GET", TEAMS_PATH, TEAM_READ_ROLES, self._list_teams),
        ]

    def now(self) -> datetime:
        return to_millis(self._clock())

    def handle(self, request: ApiRequest) -> ApiResponse:
        try:
            response = self._authorised(request)
        except ApiError as error:
            response = ApiResponse(error.status, error_body(error.status, error.detail))
            response.headers.update(error.headers)
        response.headers.update(self.rate_limit_headers())
        return response

    def set_rate_limit(self, per_minute: int) -> None:
        """What a change of Kustomer plan does: a new per-minute limit, from a fresh window."""
        self._org_limiter = FixedWindowLimiter(per_minute)

    def spend_rate_limit_window(self) -> None:
        """What the org's other integrations do when they use up the current window."""
        self._org_limiter.spend(ORG_LIMIT_KEY, self.now())

    @property
    def contract(self) -> Contract:
        return self._contract

    @contract.setter
    def contract(self, contract: Contract) -> None:
        """Takes effect from the next request; a changed search limit starts a fresh window."""
        if contract.search_limit_per_key != self._contract.search_limit_per_key:
            self._search_limiter = _search_limiter(contract)
        self._contract = contract

    def rate_limit_headers(self) -> dict[str, str]:
        """The org-wide limit's headers, as every response carries them."""
        state = self._org_limiter.state(ORG_LIMIT_KEY, self.now())
        return {
            "x-ratelimit-limit": str(state.limit),
            "x-ratelimit-remaining": str(state.remaining),
            "x-ratelimit-reset": self._contract.reset_header.render(
                state.resets_at, state.reset_seconds
            ),
        }

    def throttled(self, cause: str, detail: str, window: WindowState | None = None) -> ApiError:
        """A 429, counted by its cause. Retry-After, undocumented, only when the contract asks
        for it; it counts down to the end of the window that refused the request (one second
        when none did)."""
        with self._throttles_lock:
            self._throttles[cause] += 1
        headers = {}
        if self._contract.retry_after:
            headers["Retry-After"] = str(max(window.reset_seconds if window else 1, 1))
        return ApiError(HTTPStatus.TOO_MANY_REQUESTS, detail, headers)

    def throttles(self, *, reset: bool = False) -> Counter[str]:
        with self._throttles_lock:
            counts = Counter(self._throttles)
            if reset:
                self._throttles.clear()
        return counts

    def _authorised(self, request: ApiRequest) -> ApiResponse:
        if request.authorization != f"Bearer {self._api_key}":
            raise ApiError(HTTPStatus.UNAUTHORIZED, "missing or invalid API key")
        now = self.now()
        if not self._org_limiter.acquire(ORG_LIMIT_KEY, now):
            raise self.throttled(
                THROTTLED_BY_ORG_LIMIT,
                "organisation rate limit exceeded",
                self._org_limiter.state(ORG_LIMIT_KEY, now),
            )
        route, match = self._route(request)
        if route.roles and not self._role_granted(route):
            raise ApiError(
                HTTPStatus.FORBIDDEN, f"the API key needs one of the roles {', '.join(route.roles)}"
            )
        return route.handler(request, match)

    def _role_granted(self, route: Route) -> bool:
        if route.pattern is TEAMS_PATH and self._contract.teams_endpoint is TeamsEndpoint.FORBIDDEN:
            return False
        return role_granted(route.roles, self._roles)

    def _route(self, request: ApiRequest) -> tuple[Route, re.Match[str]]:
        path_found = False
        teams_missing = self._contract.teams_endpoint is TeamsEndpoint.MISSING
        for route in self._routes:
            if route.pattern is TEAMS_PATH and teams_missing:
                continue
            match = route.pattern.fullmatch(request.path)
            if match is None:
                continue
            path_found = True
            if route.method == request.method:
                return route, match
        if path_found:
            raise ApiError(HTTPStatus.METHOD_NOT_ALLOWED, f"{request.method} {request.path}")
        raise ApiError(HTTPStatus.NOT_FOUND, f"no such resource: {request.path}")

    # --- endpoints -------------------------------------------------------------------------

    def _search(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        contract, limiter = self._contract, self._search_limiter
        now = self.now()
        if limiter is not None and not limiter.acquire(self._api_key, now):
            # Which window the rate-limit headers of this 429 describe is not documented: they
            # stay on the org's limit, as on every response, so a client must pace its searches
            # by its own count.
            raise self.throttled(
                THROTTLED_BY_SEARCH_LIMIT,
                f"more than {limiter.limit} search requests a minute with this API key",
                limiter.state(self._api_key, now),
            )
        body = _json_body(request)
        page, page_size = _paging(request, SEARCH_PAGE_SIZE_MAX, clamp=False)
        if page > contract.search_page_cap:
            raise ApiError(
                HTTPStatus.BAD_REQUEST,
                f"page must be at most {contract.search_page_cap}: narrow the query instead",
            )
        with self._store.lock:
            try:
                found = search_conversations(
                    self._store.conversations.values(),
                    body,
                    self._store.custom_attributes,
                    now,
                    honour_sort=contract.honour_sort,
                )
            except SearchError as error:
                raise ApiError(HTTPStatus.BAD_REQUEST, str(error)) from error
            return ApiResponse(
                HTTPStatus.OK,
                _page(
                    found,
                    lambda c: conversation_resource(c, self._org_id, self._api_user.id),
                    request.path,
                    page,
                    page_size,
                    last_page=contract.search_page_cap,
                ),
            )

    def _get_conversation(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        with self._store.lock:
            return ApiResponse(HTTPStatus.OK, {"data": self._conversation(match["id"])})

    def _update_conversation(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        body = _json_body(request)
        unsupported = sorted(set(body) - {"custom"})
        if unsupported:
            raise ApiError(
                HTTPStatus.BAD_REQUEST,
                f"the simulator only updates custom attributes, not: {', '.join(unsupported)}",
            )
        custom = body.get("custom")
        if not isinstance(custom, dict):
            raise ApiError(HTTPStatus.BAD_REQUEST, "custom must be an object")
        if len(custom) > CUSTOM_ATTRIBUTES_PER_UPDATE_MAX:
            raise ApiError(
                HTTPStatus.BAD_REQUEST,
                f"custom takes at most {CUSTOM_ATTRIBUTES_PER_UPDATE_MAX} attributes per update",
            )
        with self._store.lock:
            conversation = self._store.conversations.get(match["id"])
            if conversation is None:
                raise _not_found("conversation", match["id"])
            for name, value in custom.items():
                self._check_custom_value(name, value)
            conversation.custom.update(custom)
            conversation.updated_at = conversation.modified_at = self.now()
            conversation.rev += 1
            return ApiResponse(HTTPStatus.OK, {"data": self._conversation(conversation.id)})

    def _append_tags(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        """Append tags to conversation: the body is an array of tag names or ids; a name no tag
        has creates the tag; tags already on the conversation stay, none is removed, none is
        added twice (developer.kustomer.com/api/core-resources/append-tags-to-conversation;
        the request is a bare array of strings in Kustomer's Core Resources OpenAPI,
        AppendTagstoConversationRequest)."""
        try:
            body = json.loads(request.body or b"null")
        except ValueError as error:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"body is not JSON: {error}") from error
        if not isinstance(body, list) or not all(
            isinstance(tag, str) and tag.strip() for tag in body
        ):
            raise ApiError(HTTPStatus.BAD_REQUEST, "body must be an array of tag names or ids")
        with self._store.lock:
            conversation = self._store.conversations.get(match["id"])
            if conversation is None:
                raise _not_found("conversation", match["id"])
            now = self.now()
            for tag in body:
                tag_id = self._store.tag_id(tag.strip(), now)
                if tag_id not in conversation.tags:
                    conversation.tags.append(tag_id)
            conversation.updated_at = conversation.modified_at = now
            conversation.rev += 1
            return ApiResponse(HTTPStatus.OK, {"data": self._conversation(conversation.id)})

    def _check_custom_value(self, name: str, value: object) -> None:
        if name not in self._store.custom_attributes:
            raise ApiError(
                HTTPStatus.BAD_REQUEST,
                f"custom attribute {name!r} is not defined on the conversation klass",
            )
        if value is None:
            return
        suffix = next(s for s in CUSTOM_KIND_BY_SUFFIX if name.endswith(s))
        valid = {
            "Num": isinstance(value, int | float) and not isinstance(value, bool),
            "Str": isinstance(value, str),
            "Txt": isinstance(value, str),
            "At": isinstance(value, str),
            "Bool": isinstance(value, bool),
            "Url": isinstance(value, str),
            "Id": isinstance(value, str),
        }[suffix]
        if not valid:
            raise ApiError(
                HTTPStatus.BAD_REQUEST, f"{name}: {value!r} does not fit its type suffix {suffix}"
            )

    def _get_customer(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        with self._store.lock:
            customer = self._store.customers.get(match["id"])
            if customer is None:
                raise _not_found("customer", match["id"])
            resource = customer_resource(customer, self._store, self._org_id)
        return ApiResponse(HTTPStatus.OK, {"data": resource})

    def _create_note(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        body = _json_body(request)
        conversation_id = body.get("conversation")
        if not isinstance(conversation_id, str):
            raise ApiError(HTTPStatus.BAD_REQUEST, "conversation must be a conversation id")
        return self._add_note(body, conversation_id)

    def _create_conversation_note(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        body = _json_body(request)
        if body.get("conversation", match["id"]) != match["id"]:
            raise ApiError(
                HTTPStatus.BAD_REQUEST, "conversation does not match the conversation in the path"
            )
        return self._add_note(body, match["id"])

    def _add_note(self, body: dict[str, Any], conversation_id: str) -> ApiResponse:
        text = body.get("body")
        if not isinstance(text, str) or not 1 <= len(text) <= NOTE_BODY_MAX:
            raise ApiError(
                HTTPStatus.BAD_REQUEST, f"body must be a string of 1 to {NOTE_BODY_MAX} characters"
            )
        with self._store.lock:
            conversation = self._store.conversations.get(conversation_id)
            if conversation is None:
                raise _not_found("conversation", conversation_id)
            customer_id = body.get("customer", conversation.customer_id)
            if customer_id != conversation.customer_id:
                raise ApiError(
                    HTTPStatus.BAD_REQUEST, "customer does not match the conversation's customer"
                )
            now = self.now()
            if not self._note_limiter.acquire(customer_id, now):
                raise self.throttled(
                    THROTTLED_BY_NOTE_LIMIT,
                    f"more than {NOTES_PER_CUSTOMER_PER_MINUTE} notes a minute for this customer",
                    self._note_limiter.state(customer_id, now),
                )
            note = NoteRecord(
                id=self._store.new_id(now),
                conversation_id=conversation_id,
                customer_id=customer_id,
                body=text,
                created_at=now,
                created_by_user_id=self._api_user.id,
            )
            self._store.notes[note.id] = note
            # A note changes the conversation (noteCount), which moves its updatedAt.
            conversation.note_count += 1
            conversation.updated_at = now
            conversation.rev += 1
            return ApiResponse(HTTPStatus.CREATED, {"data": note_resource(note, self._org_id)})

    def _list_notes(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        page, page_size = _paging(request, LIST_PAGE_SIZE_MAX, clamp=True)
        with self._store.lock:
            if match["id"] not in self._store.conversations:
                raise _not_found("conversation", match["id"])
            notes = sorted(
                (n for n in self._store.notes.values() if n.conversation_id == match["id"]),
                key=lambda n: n.id,
            )
            listing = _page(
                notes, lambda n: note_resource(n, self._org_id), request.path, page, page_size
            )
        return ApiResponse(HTTPStatus.OK, listing)

    def _list_users(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        page, page_size = _paging(request, LIST_PAGE_SIZE_MAX, clamp=True)
        with self._store.lock:
            users = sorted(self._store.users.values(), key=lambda u: u.id)
            listing = _page(
                users, lambda u: user_resource(u, self._org_id), request.path, page, page_size
            )
        return ApiResponse(HTTPStatus.OK, listing)

    def _list_teams(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        page, page_size = _paging(request, LIST_PAGE_SIZE_MAX, clamp=True)
        with self._store.lock:
            teams = sorted(self._store.teams.values(), key=lambda t: t.id)
            listing = _page(
                teams, lambda t: team_resource(t, self._org_id), request.path, page, page_size
            )
        return ApiResponse(HTTPStatus.OK, listing)

    def _get_user(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        with self._store.lock:
            user = self._store.users.get(match["id"])
            if user is None:
                raise _not_found("user", match["id"])
            return ApiResponse(HTTPStatus.OK, {"data": user_resource(user, self._org_id)})

    def _current_user(self, _: ApiRequest, __: re.Match[str]) -> ApiResponse:
        resource = user_resource(self._api_user, self._org_id, roles=self._roles)
        return ApiResponse(HTTPStatus.OK, {"data": resource})

    def _current_api_key(self, _: ApiRequest, __: re.Match[str]) -> ApiResponse:
        resource = api_key_resource(
            API_KEY_NAME, self._api_key, self._roles, self._api_user, self._org_id
        )
        return ApiResponse(HTTPStatus.OK, {"data": resource})

    def _get_metadata(self, _: ApiRequest, match: re.Match[str]) -> ApiResponse:
        _check_metadata_resource(match["resource"])
        with self._store.lock:
            resource = conversation_metadata_resource(self._store.custom_attributes, self._org_id)
        return ApiResponse(HTTPStatus.OK, {"data": resource})

    def _update_metadata(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        """Adds or renames the attributes given and keeps the others (assumed: the page speaks of
        setting properties, not of replacing the klass's set)."""
        _check_metadata_resource(match["resource"])
        properties = _json_body(request).get("properties")
        if not isinstance(properties, dict) or not all(
            isinstance(metadata, dict) for metadata in properties.values()
        ):
            raise ApiError(
                HTTPStatus.BAD_REQUEST, "properties must map attribute names to metadata objects"
            )
        for name, metadata in properties.items():
            if not CUSTOM_ATTRIBUTE_NAME.match(name):
                raise ApiError(
                    HTTPStatus.BAD_REQUEST,
                    f"{name!r} is not a custom attribute name with a type suffix (Str, Num, ...)",
                )
            if not isinstance(metadata.get("displayName", ""), str):
                raise ApiError(HTTPStatus.BAD_REQUEST, f"{name}.displayName must be a string")
        with self._store.lock:
            for name, metadata in properties.items():
                self._store.define_custom_attribute(name, metadata.get("displayName"))
            resource = conversation_metadata_resource(self._store.custom_attributes, self._org_id)
        return ApiResponse(HTTPStatus.OK, {"data": resource})

    def _conversation(self, conversation_id: str) -> JsonObject:
        conversation = self._store.conversations.get(conversation_id)
        if conversation is None:
            raise _not_found("conversation", conversation_id)
        return conversation_resource(conversation, self._org_id, self._api_user.id)


def _search_limiter(contract: Contract) -> FixedWindowLimiter | None:
    if contract.search_limit_per_key is None:
        return None
    return FixedWindowLimiter(contract.search_limit_per_key)


def _check_metadata_resource(resource: str) -> None:
    if resource != "conversation":
        raise ApiError(
            HTTPStatus.NOT_FOUND,
            f"the simulator keeps custom attributes of conversations only, not of {resource}",
        )


def _not_found(kind: str, object_id: str) -> ApiError:
    return ApiError(HTTPStatus.NOT_FOUND, f"{kind} {object_id} not found")


def _json_body(request: ApiRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"body is not valid JSON: {error}") from error
    if not isinstance(body, dict):
        raise ApiError(HTTPStatus.BAD_REQUEST, "body must be a JSON object")
    return body


def _paging(request: ApiRequest, page_size_max: int, *, clamp: bool) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        values = request.query.get(name)
        if not values:
            return default
        try:
            return int(values[0])
        except ValueError as error:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"{name} must be an integer") from error

    page = number("page", 1)
    page_size = number("pageSize", DEFAULT_PAGE_SIZE)
    if page < 1 or page_size < 1:
        raise ApiError(HTTPStatus.BAD_REQUEST, "page and pageSize start at 1")
    if page_size > page_size_max:
        if not clamp:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"pageSize must be at most {page_size_max}")
        page_size = page_size_max
    return page, page_size


def _page(
    items: Sequence[Item],
    render: Callable[[Item], JsonObject],
    path: str,
    page: int,
    page_size: int,
    last_page: int | None = None,
) -> JsonObject:
    total_pages = max((len(items) + page_size - 1) // page_size, 1)
    if last_page is not None:
        total_pages = min(total_pages, last_page)

    def link(number: int) -> str:
        return f"{path}?page={number}&pageSize={page_size}"

    start = (page - 1) * page_size
    return {
        "data": [render(item) for item in items[start : start + page_size]],
        "links": {
            "self": link(page),
            "first": link(1),
            "prev": link(page - 1) if page > 1 else None,
            "next": link(page + 1) if page < total_pages else None,
        },
        "meta": {"page": page, "pageSize": page_size, "totalPages": total_pages},
    }
