"""A Kustomer API simulator served over real HTTP on loopback, for tests and local runs."""

from __future__ import annotations

import json
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.kustomer_sim.api import (
    THROTTLED_BY_FAULT,
    ApiRequest,
    ApiResponse,
    KustomerApi,
    error_body,
)
from local.kustomer_sim.contract import Contract
from local.kustomer_sim.faults import Faults, InjectedFault, take_fault
from local.kustomer_sim.resources import JsonObject, conversation_resource, note_resource
from local.kustomer_sim.seed import SeedSummary, seed_demo
from local.kustomer_sim.store import (
    CONVERSATION_STATUSES,
    ConversationRecord,
    CustomerRecord,
    Store,
    TeamRecord,
    UserRecord,
)
from local.kustomer_sim.timestamps import to_millis

logger = logging.getLogger(__name__)

# The roles a survey integration's API key is given (Nicereply's Kustomer set-up).
DEFAULT_ROLES = ("org.admin.read", "org.admin.write", "org.user.read", "org.user.write")

# The contract a simulator follows unless told otherwise: Kustomer as documented.
DEFAULT_CONTRACT = Contract()

# request_log status of a request that was left hanging and closed without a response.
NO_RESPONSE = 0
SHUTDOWN_POLL_SECONDS = 0.02

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class KustomerSimulator:
    """Kustomer's REST API for one org, in memory, with switches for latency and faults, and a
    `Contract` for the documented behaviours a client must cope with.

    Data is added through the `add_*` methods or `seed_demo`; the system under test talks to
    `start()`'s base URL exactly as it would to `https://{org}.api.kustomerapp.com`.
    """

    def __init__(
        self,
        api_key: str = "sim-key",
        rate_limit_per_minute: int = 300,
        clock: Clock | None = None,
        roles: Sequence[str] = DEFAULT_ROLES,
        seed: int = 0,
        contract: Contract = DEFAULT_CONTRACT,
    ) -> None:
        self._clock = clock or _utc_now
        self._seed = seed
        self._store = Store()
        started = self._now()
        self.org_id = self._store.new_id(started)
        api_user = UserRecord(
            id=self._store.new_id(started),
            name="Survey integration",
            email="survey-integration@example.com",
            created_at=started,
            user_type="machine",
        )
        self._api = KustomerApi(
            self._store,
            api_key=api_key,
            api_user=api_user,
            roles=roles,
            org_id=self.org_id,
            rate_limit_per_minute=rate_limit_per_minute,
            clock=self._clock,
            contract=contract,
        )
        self._api_user_id = api_user.id
        self.faults = Faults()
        self._fault_rng = random.Random(seed)
        self._fault_lock = threading.Lock()
        self._log_lock = threading.Lock()
        self._request_log: list[tuple[str, str, int]] = []
        self._server: _SimulatorServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a daemon thread; returns the base URL (port 0 picks a free port)."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        self._server = _SimulatorServer((host, port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # A short poll keeps stop() quick: shutdown waits for the loop's next poll.
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            name="kustomer-simulator",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.stopping.set()
        server.shutdown()
        server.close_open_connections()
        server.server_close()
        thread.join()
        self._server = self._thread = None

    @property
    def contract(self) -> Contract:
        return self._api.contract

    @contract.setter
    def contract(self, contract: Contract) -> None:
        """Switch behaviour while running; it applies from the next request."""
        self._api.contract = contract

    # --- data ----------------------------------------------------------------------------------

    def seed_demo(self, now: datetime | None = None, eligible: int = 12) -> SeedSummary:
        """Realistic, reproducible data: see `local.kustomer_sim.seed`."""
        return seed_demo(self, now or self._now(), eligible, random.Random(self._seed))

    def add_customer(
        self,
        name: str,
        emails: Sequence[str] = (),
        locale: str | None = "en-us",
        created_at: datetime | None = None,
        time_zone: str | None = None,
    ) -> str:
        created = to_millis(created_at) if created_at else self._now()
        customer = CustomerRecord(
            id=self._store.new_id(created),
            name=name,
            emails=list(emails),
            locale=locale,
            created_at=created,
            updated_at=created,
            time_zone=time_zone,
        )
        with self._store.lock:
            self._store.customers[customer.id] = customer
        return customer.id

    def add_user(self, name: str, email: str, created_at: datetime | None = None) -> str:
        created = to_millis(created_at) if created_at else self._now()
        user = UserRecord(
            id=self._store.new_id(created), name=name, email=email, created_at=created
        )
        with self._store.lock:
            self._store.users[user.id] = user
        return user.id

    def add_team(self, name: str, created_at: datetime | None = None) -> str:
        created = to_millis(created_at) if created_at else self._now()
        team = TeamRecord(id=self._store.new_id(created), name=name, created_at=created)
        with self._store.lock:
            self._store.teams[team.id] = team
        return team.id

    def add_conversation(
        self,
        customer_id: str,
        *,
        updated_at: datetime,
        status: str = "done",
        channels: Sequence[str] = ("email",),
        created_at: datetime | None = None,
        assigned_user_ids: Sequence[str] = (),
        assigned_team_ids: Sequence[str] = (),
        subject: str = "Support request",
        tags: Sequence[str] = (),
        brand_id: str | None = None,
        queue_id: str | None = None,
        message_count: int = 2,
    ) -> str:
        updated = to_millis(updated_at)
        created = to_millis(created_at) if created_at else updated
        if created > updated:
            raise ValueError("created_at is after updated_at")
        if status not in CONVERSATION_STATUSES:
            raise ValueError(f"status must be one of {CONVERSATION_STATUSES}")
        if isinstance(channels, str) or not channels:
            raise ValueError("channels is a non-empty list, e.g. ['email']")
        with self._store.lock:
            if customer_id not in self._store.customers:
                raise KeyError(f"unknown customer {customer_id}")
            unknown_users = [u for u in assigned_user_ids if u not in self._store.users]
            if unknown_users:
                raise KeyError(f"unknown users {unknown_users}")
            unknown_teams = [t for t in assigned_team_ids if t not in self._store.teams]
            if unknown_teams:
                raise KeyError(f"unknown teams {unknown_teams}")
            conversation = ConversationRecord(
                id=self._store.new_id(created),
                customer_id=customer_id,
                subject=subject,
                status=status,
                channels=list(channels),
                created_at=created,
                updated_at=updated,
                modified_at=updated,
                last_activity_at=updated,
                done_at=updated if status == "done" else None,
                message_count=message_count,
                assigned_user_ids=list(assigned_user_ids),
                assigned_team_ids=list(assigned_team_ids),
                tags=list(tags),
                brand_id=brand_id,
                queue_id=queue_id,
            )
            self._store.conversations[conversation.id] = conversation
        return conversation.id

    def update_conversation(
        self, conversation_id: str, *, at: datetime, status: str | None = None
    ) -> None:
        """What an agent or the customer does in Kustomer's UI: a new message, a reopen, a
        resolve. Moves updatedAt (and lastDone when it becomes done)."""
        moment = to_millis(at)
        with self._store.lock:
            conversation = self._store.conversations[conversation_id]
            if status is not None:
                if status not in CONVERSATION_STATUSES:
                    raise ValueError(f"status must be one of {CONVERSATION_STATUSES}")
                if status == "done":
                    conversation.done_at = moment
                conversation.status = status
            conversation.updated_at = conversation.modified_at = moment
            conversation.last_activity_at = moment
            conversation.rev += 1

    def define_custom_attribute(self, name: str, display_name: str | None = None) -> None:
        """Define and activate a custom attribute on the Conversation klass, as the Klasses
        editor or PUT /v1/metadata/conversation does."""
        self._store.define_custom_attribute(name, display_name)

    def rename_user(self, user_id: str, name: str) -> None:
        with self._store.lock:
            self._store.users[user_id].name = name

    def remove_user(self, user_id: str) -> None:
        with self._store.lock:
            del self._store.users[user_id]

    def rename_team(self, team_id: str, name: str) -> None:
        with self._store.lock:
            self._store.teams[team_id].name = name

    def remove_team(self, team_id: str) -> None:
        with self._store.lock:
            del self._store.teams[team_id]

    def set_rate_limit(self, per_minute: int) -> None:
        """Requests per minute the org allows from now on (Kustomer's limit depends on the plan)."""
        self._api.set_rate_limit(per_minute)

    def spend_rate_limit_window(self) -> None:
        """What the org's other integrations do when they use up the current 60-second window:
        every request gets 429 until the window resets."""
        self._api.spend_rate_limit_window()

    def delete_conversation(self, conversation_id: str) -> None:
        """What a delete in Kustomer's UI does: the conversation and its notes are gone, and
        every request naming it gets 404."""
        with self._store.lock:
            del self._store.conversations[conversation_id]
            for note_id in [
                note.id
                for note in self._store.notes.values()
                if note.conversation_id == conversation_id
            ]:
                del self._store.notes[note_id]

    # --- inspection ----------------------------------------------------------------------------

    def conversation(self, conversation_id: str) -> JsonObject:
        """The conversation resource as GET /v1/conversations/{id} returns it."""
        with self._store.lock:
            return conversation_resource(
                self._store.conversations[conversation_id], self.org_id, self._api_user_id
            )

    def notes_for(self, conversation_id: str) -> list[JsonObject]:
        with self._store.lock:
            if conversation_id not in self._store.conversations:
                raise KeyError(f"unknown conversation {conversation_id}")
            notes = sorted(
                (n for n in self._store.notes.values() if n.conversation_id == conversation_id),
                key=lambda n: n.id,
            )
            return [note_resource(n, self.org_id) for n in notes]

    def add_tag(self, name: str, tag_id: str | None = None) -> str:
        """A conversation tag of the org, as an admin creates it; returns its id."""
        if tag_id is None:
            return self._store.tag_id(name, self._clock())
        with self._store.lock:
            self._store.tags[tag_id] = name
        return tag_id

    def append_tags(self, conversation_id: str, tag_ids: list[str]) -> None:
        """What an agent or a workflow does: tag the conversation."""
        with self._store.lock:
            conversation = self._store.conversations[conversation_id]
            conversation.tags += [tag for tag in tag_ids if tag not in conversation.tags]

    def tag_names(self, conversation_id: str) -> list[str]:
        """The names of the tags on a conversation, in the order they were added."""
        with self._store.lock:
            return [
                self._store.tags.get(tag_id, tag_id)
                for tag_id in self._store.conversations[conversation_id].tags
            ]

    def email_addresses(self) -> list[str]:
        """Every address the org holds: its customers' and its users'."""
        with self._store.lock:
            customers = [email for c in self._store.customers.values() for email in c.emails]
            return customers + [user.email for user in self._store.users.values()]

    def custom_attributes(self) -> dict[str, str]:
        """The Conversation klass's custom attributes: system name -> display name."""
        with self._store.lock:
            return dict(self._store.custom_attributes)

    @property
    def request_log(self) -> list[tuple[str, str, int]]:
        """(method, path without query, status) of every request so far; a snapshot."""
        with self._log_lock:
            return list(self._request_log)

    def throttles(self) -> dict[str, int]:
        """The 429s answered so far by cause: "org limit", "search limit", "notes per customer"
        or "injected" (Faults.throttle_next)."""
        return dict(self._api.throttles())

    def reset_request_log(self) -> None:
        """Forget the requests and the 429s so far."""
        with self._log_lock:
            self._request_log.clear()
        self._api.throttles(reset=True)

    # --- used by the HTTP transport --------------------------------------------------------

    def _now(self) -> datetime:
        return to_millis(self._clock())

    def _next_fault(self) -> InjectedFault | None:
        with self._fault_lock:
            return take_fault(self.faults, self._fault_rng)

    def _record(self, method: str, path: str, status: int) -> None:
        with self._log_lock:
            self._request_log.append((method, path, status))


class _SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], simulator: KustomerSimulator) -> None:
        self.simulator = simulator
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def track(self, connection: socket.socket, is_open: bool) -> None:
        with self._connections_lock:
            if is_open:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_open_connections(self) -> None:
        """Wake keep-alive handlers so a stopped simulator answers nobody."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                logger.debug("connection already closed", exc_info=True)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, each response would wait
    # for the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    server: _SimulatorServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, is_open=True)

    def finish(self) -> None:
        self.server.track(self.connection, is_open=False)
        super().finish()

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)

    def _dispatch(self) -> None:
        simulator = self.server.simulator
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        if self.server.stopping.is_set():
            # A request that slipped in while stop() was closing connections.
            self.close_connection = True
            return
        faults = simulator.faults
        if faults.latency_ms > 0:
            time.sleep(faults.latency_ms / 1000)
        fault = simulator._next_fault()
        request = ApiRequest(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query),
            authorization=self.headers.get("Authorization"),
            body=body,
        )
        if fault is InjectedFault.LOSE_RESPONSE:
            self._handle(request)
        if fault in (InjectedFault.HANG, InjectedFault.LOSE_RESPONSE):
            simulator._record(self.command, url.path, NO_RESPONSE)
            self.server.stopping.wait(faults.hang_seconds)
            self.close_connection = True
            return
        response = self._fault_response(fault) if fault is not None else self._handle(request)
        simulator._record(self.command, url.path, response.status)
        self._send(response)

    def _handle(self, request: ApiRequest) -> ApiResponse:
        try:
            return self.server.simulator._api.handle(request)
        except Exception as error:
            logger.exception("simulator failed on %s %s", request.method, request.path)
            status = HTTPStatus.INTERNAL_SERVER_ERROR
            response = ApiResponse(status, error_body(status, f"simulator bug: {error!r}"))
            response.headers.update(self.server.simulator._api.rate_limit_headers())
            return response

    def _fault_response(self, fault: InjectedFault) -> ApiResponse:
        api = self.server.simulator._api
        detail = f"injected fault: {fault.name.lower()}"
        if fault is InjectedFault.THROTTLE:
            throttled = api.throttled(THROTTLED_BY_FAULT, detail)
            response = ApiResponse(throttled.status, error_body(throttled.status, detail))
            response.headers.update(throttled.headers)
        else:
            status = HTTPStatus(fault.value)
            response = ApiResponse(status, error_body(status, detail))
        response.headers.update(api.rate_limit_headers())
        return response

    def _send(self, response: ApiResponse) -> None:
        payload = json.dumps(response.body).encode()
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
