"""Kustomer REST client: paced below the org's rate limit, retrying only what can succeed.

It uses a configurable share of the limit the response headers announce and keeps searches
within the per-key search limit (surveys/adapters/kustomer/pacing.py), waits on a 429 until the
window resets, and retries 5xx, timeouts and connection errors with jittered exponential
backoff. Waiting for the rate limit is never a failure: when the wait would overrun the time
left, the call raises KustomerBusyError and the caller stops cleanly.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import requests
from aws_lambda_powertools.metrics import MetricUnit

from surveys.adapters.kustomer import endpoints, resources
from surveys.adapters.kustomer.errors import (
    KustomerAuthError,
    KustomerBusyError,
    KustomerError,
    KustomerNotFoundError,
    KustomerOutcomeUnknownError,
    KustomerResponseError,
    KustomerUnavailableError,
    request_name,
)
from surveys.adapters.kustomer.pacing import (
    LONGEST_WAIT_SECONDS,
    SEARCHES_PER_MINUTE,
    Clock,
    RateLimitPacer,
    SearchPacer,
)
from surveys.adapters.kustomer.permissions import (
    DEFINE_CUSTOM_ATTRIBUTES,
    PROBE_OBJECT_ID,
    AccessCheck,
)
from surveys.adapters.kustomer.resources import (
    ApiKeyIdentity,
    ConversationPage,
    Customer,
    KustomerTeam,
    KustomerUser,
    Note,
    Unreadable,
)
from surveys.observability import MetricName, metrics

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
# 503 says the request was not carried out; after the others, or a response that never came,
# Kustomer may have done what was asked.
NOT_CARRIED_OUT_STATUSES = frozenset({429, 503})
TIME_MARGIN_SECONDS = 2.0
LIST_PAGE_SIZE = 100
# 429s in a row before a call gives up for now (about twenty minutes of windows): an org whose
# other integrations keep the whole limit to themselves.
MAX_THROTTLED_IN_A_ROW = 20

Read = TypeVar("Read")


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
        problem = f"the body is {resources.json_kind(body)}, not an object"
    if not isinstance(body, dict):
        raise KustomerResponseError(response.status_code, method, path, problem, conversation_id)
    return body


class KustomerClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        rate_limit_share: float = 0.5,
        session: requests.Session | None = None,
        search_limit_per_minute: int = SEARCHES_PER_MINUTE,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock = time.time,
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
        self._pacer = RateLimitPacer(rate_limit_share, clock)
        self._search_pacer = SearchPacer(search_limit_per_minute, clock)
        self._time_left = time_left or (lambda: float("inf"))
        self._max_attempts = max_attempts
        self._timeout = timeout

    def set_time_left(self, time_left: Callable[[], float]) -> None:
        """Bind the client to the current invocation's deadline (the session is per container)."""
        self._time_left = time_left

    def _wait(self, seconds: float, why: str) -> None:
        """Wait through a passing failure; Kustomer unavailable when there is no time for it."""
        if seconds > self._time_left() - TIME_MARGIN_SECONDS:
            raise KustomerUnavailableError(f"{why}; not enough time left to wait {seconds:.1f}s")
        self._sleep(seconds)

    def _wait_for_budget(self, seconds: float, why: str) -> None:
        """Wait for the rate limit's window; busy, not failing, when there is no time for it."""
        if seconds > self._time_left() - TIME_MARGIN_SECONDS:
            metrics.add_metric(MetricName.KUSTOMER_PACED, MetricUnit.Count, 1)
            raise KustomerBusyError(
                f"{why}: the rate-limit budget is spent for {seconds:.0f}s, more than the time "
                "left; resuming later",
                retry_after=seconds,
            )
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
        name = request_name(method, path, conversation_id)
        is_search = path == endpoints.SEARCH
        failure = ""
        attempts = throttled = 0
        while attempts < self._max_attempts:
            wait = self._pacer.wait_needed()
            if is_search:
                wait = max(wait, self._search_pacer.wait_needed())
            if wait > 0:
                self._wait_for_budget(wait, f"pacing below the Kustomer rate limit before {name}")
            if is_search:
                self._search_pacer.sent()
            try:
                response = self._session.request(
                    method, f"{self._base_url}{path}", timeout=self._timeout, **kwargs
                )
            except requests.RequestException as error:
                if not isinstance(error, (requests.ConnectionError, requests.Timeout)):
                    # A URL that cannot be requested at all: nothing to retry.
                    raise KustomerUnavailableError(f"{name}: {error}") from error
                _count_failure(None)
                attempts += 1
                failure = f"{type(error).__name__} on {name}"
                # Only a connection never made proves the request was not sent.
                if not repeatable and not isinstance(error, requests.ConnectTimeout):
                    raise KustomerOutcomeUnknownError(failure) from error
                if attempts < self._max_attempts:
                    self._wait(self._backoff(attempts - 1), failure)
                continue
            self._pacer.observe(response.headers)
            status = response.status_code
            _count_failure(status)
            if status == 429:
                # Never carried out, and not a failure: the org's window is spent.
                throttled += 1
                if throttled > MAX_THROTTLED_IN_A_ROW:
                    raise KustomerBusyError(
                        f"Kustomer answered 429 to {name} {throttled} times in a row",
                        retry_after=LONGEST_WAIT_SECONDS,
                    )
                self._wait_for_budget(
                    self._pacer.wait_after_throttle(response.headers, throttled),
                    f"Kustomer answered 429 to {name}",
                )
                continue
            throttled = 0
            if not repeatable and status in RETRYABLE_STATUSES - NOT_CARRIED_OUT_STATUSES:
                raise KustomerOutcomeUnknownError(f"Kustomer answered {status} to {name}")
            if status in RETRYABLE_STATUSES:
                attempts += 1
                failure = f"Kustomer answered {status} to {name}"
                if attempts < self._max_attempts:
                    self._wait(self._backoff(attempts - 1), failure)
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

    def _read(
        self,
        method: str,
        path: str,
        read: Callable[[dict[str, Any]], Read],
        conversation_id: str | None = None,
        **kwargs: Any,
    ) -> Read:
        """A request whose answer is read by `read`; an answer that is not the documented
        shape is a KustomerResponseError naming the part."""
        payload = self._request(method, path, conversation_id=conversation_id, **kwargs)
        try:
            return read(payload)
        except Unreadable as error:
            raise KustomerResponseError(200, method, path, str(error), conversation_id) from None

    def search_conversations(
        self, query: dict[str, Any], page: int, page_size: int
    ) -> ConversationPage:
        return self._read(
            "POST",
            endpoints.SEARCH,
            resources.conversation_page,
            json={"queryContext": "conversation", **query},
            params={"page": page, "pageSize": page_size},
        )

    def get_customer(self, customer_id: str) -> Customer:
        return self._read("GET", endpoints.CUSTOMER.format(id=customer_id), resources.customer)

    def create_note(self, conversation_id: str, body: str) -> str:
        payload = self._request(
            "POST",
            endpoints.NOTES,
            json={"body": body, "conversation": conversation_id},
            conversation_id=conversation_id,
            # A second POST would be a second note (developer.kustomer.com/api/core-resources/
            # create-note has no idempotency key).
            repeatable=False,
        )
        try:
            return resources.created_id(payload)
        except Unreadable as error:
            # Kustomer took the POST: the note may well exist, so the caller looks before posting.
            raise KustomerOutcomeUnknownError(
                f"Kustomer's answer to POST {endpoints.NOTES} for conversation {conversation_id} "
                f"could not be read ({error}); the note may have been created"
            ) from None

    def conversation_notes(self, conversation_id: str) -> Iterator[Note]:
        for items in self._pages(
            endpoints.CONVERSATION_NOTES.format(id=conversation_id), conversation_id
        ):
            yield from resources.notes(items)

    def set_conversation_custom_attributes(
        self, conversation_id: str, values: dict[str, Any]
    ) -> None:
        self._request(
            "PATCH",
            endpoints.CONVERSATION.format(id=conversation_id),
            json={"custom": values},
            conversation_id=conversation_id,
        )

    def append_conversation_tags(self, conversation_id: str, tags: list[str]) -> None:
        """Add tags (names or ids) to the conversation. Kustomer appends: tags already on it
        stay, so there is nothing to read first and no race with agents or workflows tagging
        it meanwhile, and sending a tag it has already changes nothing."""
        self._request(
            "POST",
            endpoints.CONVERSATION_TAGS.format(id=conversation_id),
            json=tags,
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
        """The calling key's name and roles, or None when Kustomer does not tell; a refused key
        raises KustomerAuthError."""
        try:
            payload = self._request("GET", endpoints.API_KEY_IDENTITY)
        except KustomerNotFoundError:
            return None
        except KustomerAuthError as error:
            if error.status == 403:
                return None
            raise
        try:
            return resources.api_key_identity(payload)
        except Unreadable:
            return None  # not the shape assumed: the endpoint does not tell

    def users(self) -> Iterator[KustomerUser]:
        for items in self._pages(endpoints.USERS):
            for user_id, attributes in resources.listed_objects(items):
                yield resources.user(user_id, attributes)

    def teams(self) -> Iterator[KustomerTeam]:
        for items in self._pages(endpoints.TEAMS):
            for team_id, attributes in resources.listed_objects(items):
                yield resources.team(team_id, attributes)

    def _pages(self, path: str, conversation_id: str | None = None) -> Iterator[list[Any]]:
        """The items of every page of a paged list, a page at a time."""
        page = 1
        while True:
            items, has_next = self._read(
                "GET",
                path,
                resources.list_page,
                conversation_id,
                params={"page": page, "pageSize": LIST_PAGE_SIZE},
            )
            yield items
            if not has_next:
                return
            page += 1

    def conversation_custom_attributes(self) -> dict[str, str]:
        """The custom attributes defined on the Conversation klass: name -> type."""
        return self._read("GET", endpoints.CONVERSATION_METADATA, resources.attribute_types)

    def define_conversation_custom_attributes(
        self, display_names: dict[str, str]
    ) -> dict[str, str]:
        """Add custom attributes (name -> display name) to the Conversation klass; Kustomer types
        each by its name suffix (Num a number, Txt a text). Only the new ones are sent: a PUT of
        properties is assumed to add to the klass's attributes, not to replace them. Returns
        every attribute now defined, name -> type."""
        properties = {name: {"displayName": shown} for name, shown in display_names.items()}
        return self._read(
            DEFINE_CUSTOM_ATTRIBUTES.method,
            DEFINE_CUSTOM_ATTRIBUTES.path,
            resources.attribute_types,
            json={"properties": properties},
        )
