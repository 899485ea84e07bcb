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
TIME_MARGIN_SECONDS = 2.0


class KustomerError(Exception):
    """Kustomer refused a request in a way a retry cannot fix (bad key, missing role, bad data)."""

    def __init__(self, status: int, method: str, path: str, detail: str) -> None:
        super().__init__(f"Kustomer answered {status} to {method} {path}: {detail}")
        self.status = status
        self.detail = detail


class KustomerAuthError(KustomerError):
    pass


class KustomerNotFoundError(KustomerError):
    pass


class KustomerUnavailableError(Exception):
    """Kustomer kept failing, or waiting for it would overrun the time left; try again later."""


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    emails: tuple[str, ...]
    locale: str | None


@dataclass(frozen=True)
class Note:
    id: str
    body: str


@dataclass(frozen=True)
class ConversationPage:
    conversations: list[Conversation]
    has_next: bool


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

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        for attempt in range(self._max_attempts):
            wait = self._pacer.wait_needed()
            if wait > 0:
                self._wait(wait, "pacing below the Kustomer rate limit")
            self.requests_made += 1
            try:
                response = self._session.request(
                    method, f"{self._base_url}{path}", timeout=self._timeout, **kwargs
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                failure = f"{type(error).__name__} on {method} {path}"
                self._wait(self._backoff(attempt), failure)
                continue
            self._pacer.observe(response.headers)
            if response.status_code == 429:
                self._wait(self._retry_after(response), "Kustomer answered 429")
                continue
            if response.status_code in RETRYABLE_STATUSES:
                self._wait(self._backoff(attempt), f"Kustomer answered {response.status_code}")
                continue
            if response.status_code >= 400:
                error_type: type[KustomerError] = KustomerError
                if response.status_code in (401, 403):
                    error_type = KustomerAuthError
                elif response.status_code == 404:
                    error_type = KustomerNotFoundError
                raise error_type(response.status_code, method, path, _error_detail(response))
            return response.json() if response.content else {}
        raise KustomerUnavailableError(
            f"{method} {path} still failing after {self._max_attempts} attempts"
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
        )

    def create_note(self, conversation_id: str, body: str) -> str:
        payload = self._request(
            "POST", "/v1/notes", json={"body": body, "conversation": conversation_id}
        )
        return str(payload["data"]["id"])

    def conversation_notes(self, conversation_id: str) -> Iterator[Note]:
        page = 1
        while True:
            payload = self._request(
                "GET",
                f"/v1/conversations/{conversation_id}/notes",
                params={"page": page, "pageSize": 100},
            )
            for item in payload.get("data") or []:
                yield Note(id=str(item["id"]), body=str((item.get("attributes") or {}).get("body")))
            if not (payload.get("links") or {}).get("next"):
                return
            page += 1

    def set_conversation_custom_attributes(
        self, conversation_id: str, values: dict[str, Any]
    ) -> None:
        self._request("PATCH", f"/v1/conversations/{conversation_id}", json={"custom": values})
